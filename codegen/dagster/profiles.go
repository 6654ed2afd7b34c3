package dagster

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/schemas"
)

// DuckDBPathEnv is the environment variable that overrides the DuckDB file of a profile
// (the runtime reads the same name: floe_runtime/step_inputs.py DUCKDB_PATH_ENV).
const DuckDBPathEnv = "FLOE_DUCKDB_PATH"

// profilesYAML is the artifact's dbt_profiles as dbt's profiles.yml, keys in their
// compiled order. Paths in it (the DuckDB file) are relative to the product directory:
// the runtime runs dbt with the product directory as working directory. A DuckDB file
// path is written as {{ env_var('FLOE_DUCKDB_PATH', '<path>') }}, so that a step (or a
// test) can work in a DuckDB file of its own; the compiled path is the default.
func profilesYAML(p *schemas.Product) ([]byte, error) {
	if p.Artifacts == nil || p.Artifacts.DbtProfiles == nil {
		return nil, fmt.Errorf("the artifact has no dbt_profiles")
	}
	node, err := yamlNode(p.Artifacts.DbtProfiles)
	if err != nil {
		return nil, err
	}
	overridableDuckDBPaths(node)
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	b.WriteString("# dbt profiles of " + p.Name + ", from compiled_artifacts.json dbt_profiles.\n")
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
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, nil
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
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: it.Key}, c)
		}
		return n, nil
	default:
		return nil, fmt.Errorf("unsupported value of type %T in dbt_profiles", v)
	}
}

// overridableDuckDBPaths rewrites the path of every DuckDB file output in a profiles
// node (profile -> outputs -> output) as a dbt env_var with the compiled path as default.
func overridableDuckDBPaths(root *yaml.Node) {
	for _, profile := range mappingValues(root) {
		for _, outputs := range mappingValues(mappingGet(profile, "outputs")) {
			typ, path := mappingGet(outputs, "type"), mappingGet(outputs, "path")
			if typ == nil || typ.Value != "duckdb" || path == nil || path.Kind != yaml.ScalarNode || path.Value == ":memory:" {
				continue
			}
			path.Value, path.Style = duckDBPathTemplate(path.Value), yaml.DoubleQuotedStyle
		}
	}
}

// duckDBPathTemplate is the Jinja expression dbt renders into path: the environment
// variable, else path (a Jinja string literal: backslashes and quotes escaped).
func duckDBPathTemplate(path string) string {
	lit := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(path)
	return "{{ env_var('" + DuckDBPathEnv + "', '" + lit + "') }}"
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
