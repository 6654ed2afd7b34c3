package dagster

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// DuckDBPathEnv is the environment variable that overrides the DuckDB file of a profile
// (the runtime reads the same name: floe_runtime/step_inputs.py DUCKDB_PATH_ENV).
const DuckDBPathEnv = "FLOE_DUCKDB_PATH"

// profilesYAML is the artifact's dbt_profiles as dbt's profiles.yml, keys in their
// compiled order, string values written for dbt's Jinja to render to themselves
// (dbtLiteral). Paths in it (the DuckDB file) are relative to the product directory:
// the runtime runs dbt with the product directory as working directory. A DuckDB file
// path is written as {{ env_var('FLOE_DUCKDB_PATH', '<path>') }}, so that a step (or a
// test) can work in a DuckDB file of its own; the compiled path is the default.
//
// A literal secret never reaches the file: profiles.yml reads each one with
// {{ env_var('DBT_ENV_SECRET_FLOE_…') }} (schemas.DbtProfilesWithEnv names them), which
// Kubernetes fills from the compute plugin's Secret and a local run from the
// verbatim compiled_artifacts.json.
func profilesYAML(p *schemas.Product) ([]byte, error) {
	if p.Artifacts == nil || p.Artifacts.DbtProfiles == nil {
		return nil, fmt.Errorf("the artifact has no dbt_profiles")
	}
	profiles, secrets := schemas.DbtProfilesWithEnv(p.Artifacts.DbtProfiles, p.Secrets)
	node, err := yamlNode(profiles)
	if err != nil {
		return nil, err
	}
	overridableDuckDBPaths(node, profiles)
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	b.WriteString("# dbt profiles of " + p.Name + ", from compiled_artifacts.json dbt_profiles.\n")
	if len(secrets) > 0 {
		b.WriteString("# Literal secrets are read from environment variables (" + schemas.DbtFloeSecretEnvPrefix + "*).\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b.Bytes(), nil
}

// yamlNode converts a free-form artifact value to a YAML node, keeping key order.
func yamlNode(v any) (*yaml.Node, error) {
	switch t := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}, nil
	case string:
		lit, err := dbtLiteral(t) // dbt renders every string value with Jinja
		if err != nil {
			return nil, err
		}
		return gen.YAMLString(lit), nil
	case schemas.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: string(t)}, nil
	case schemas.Float:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: schemas.PyFloat(float64(t))}, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range t {
			c, err := yamlNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case schemas.Map:
		return yamlNode(&t)
	case *schemas.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if t == nil {
			return n, nil
		}
		for _, it := range t.Items {
			c, err := yamlNode(it.Value)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, gen.YAMLString(it.Key), c)
		}
		return n, nil
	default:
		return nil, fmt.Errorf("unsupported value of type %T in dbt_profiles", v)
	}
}

// overridableDuckDBPaths rewrites the path of every DuckDB file output in a profiles
// node (profile -> outputs -> output) as a dbt env_var with the compiled path as default.
// The default is the path as profiles holds it (the node's value is already written for
// Jinja); a path that reads a secret (an env expression) or is not a file is kept.
func overridableDuckDBPaths(root *yaml.Node, profiles *schemas.Map) {
	for i, profile := range mappingValues(root) {
		prof, _ := profiles.Items[i].Value.(*schemas.Map)
		outs, _ := mapGet(prof, "outputs").(*schemas.Map)
		for j, output := range mappingValues(mappingGet(profile, "outputs")) {
			if outs == nil || j >= len(outs.Items) {
				break
			}
			out, _ := outs.Items[j].Value.(*schemas.Map)
			typ, _ := mapGet(out, "type").(string)
			src, ok := mapGet(out, "path").(string)
			path := mappingGet(output, "path")
			if typ != "duckdb" || !ok || path == nil || path.Kind != yaml.ScalarNode ||
				src == ":memory:" || strings.HasPrefix(src, "md:") || schemas.IsDbtEnvExpr(src) {
				continue
			}
			path.Value, path.Style = duckDBPathTemplate(src), yaml.DoubleQuotedStyle
		}
	}
}

// mapGet is m's value of key (nil when m is nil or has no such key).
func mapGet(m *schemas.Map, key string) any {
	if m == nil {
		return nil
	}
	v, _ := m.Get(key)
	return v
}

// duckDBPathTemplate is the Jinja expression dbt renders into path: the environment
// variable, else path (a Jinja string literal).
func duckDBPathTemplate(path string) string {
	return "{{ env_var('" + DuckDBPathEnv + "', " + schemas.JinjaString(path) + ") }}"
}

// mappingValues returns the values of a mapping node (nil for anything else).
func mappingValues(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var vals []*yaml.Node
	for i := 1; i < len(n.Content); i += 2 {
		vals = append(vals, n.Content[i])
	}
	return vals
}

// mappingGet returns the value of key in a mapping node, or nil.
func mappingGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
