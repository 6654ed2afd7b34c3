package dagster

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// profilesYAML is the artifact's dbt_profiles as dbt's profiles.yml, keys in their
// compiled order, string values written for dbt's Jinja to render to themselves
// (dbtLiteral). Paths in it (the DuckDB file) are relative to the product directory:
// the runtime runs dbt with the product directory as working directory.
//
// A literal secret never reaches the file: profiles.yml reads each one with
// {{ env_var('DBT_ENV_SECRET_FLOE_…') }} (schemas.DbtProfilesWithEnv names them), which
// Kubernetes fills from the compute plugin's Secret and a local run from the
// verbatim compiled_artifacts.json.
func profilesYAML(p *schemas.Product) ([]byte, error) {
	if p.Artifacts == nil || p.Artifacts.DbtProfiles == nil {
		return nil, fmt.Errorf("the artifact has no dbt_profiles")
	}
	profiles, secrets := schemas.DbtProfilesWithEnv(p.Artifacts.DbtProfiles)
	node, err := yamlNode(profiles)
	if err != nil {
		return nil, err
	}
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
