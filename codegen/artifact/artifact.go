// Package artifact writes compiled_artifacts in the reference's three formats: JSON
// (the exact bytes the compiler produced), YAML (keys sorted, as PyYAML's safe_dump)
// and a Kubernetes ConfigMap (declaration order inside values.yaml; literal secrets
// redacted).
package artifact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// Options select the artifact format.
type Options struct {
	Format        string
	ConfigMapName string
	Namespace     string
}

var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// CheckConfigMapNames validates the ConfigMap name and namespace.
func CheckConfigMapNames(name, ns string) error {
	if len(name) > 253 {
		return fmt.Errorf("invalid ConfigMap name %q: exceeds 253 characters", name)
	}
	if !dnsSubdomain.MatchString(name) {
		return fmt.Errorf("invalid ConfigMap name %q: must match Kubernetes DNS subdomain rules", name)
	}
	if ns != "" && (len(ns) > 63 || !dnsLabel.MatchString(ns)) {
		return fmt.Errorf("invalid namespace %q: must be a DNS label of at most 63 characters", ns)
	}
	return nil
}

// Files returns the artifact file in the chosen format. (schedules.json and
// iceberg_io.json belong to the orchestrator generator, which validates them.)
func Files(p *schemas.Product, opts Options) ([]gen.File, error) {
	var files []gen.File
	switch opts.Format {
	case "", "json":
		files = append(files, gen.File{Path: "compiled_artifacts.json", Data: p.ArtifactsJSON})
	case "yaml":
		b, err := toYAML(p.ArtifactsJSON, true)
		if err != nil {
			return nil, err
		}
		files = append(files, gen.File{Path: "compiled_artifacts.yaml", Data: b})
	case "configmap":
		name := opts.ConfigMapName
		if name == "" {
			name = "floe-compiled-values"
		}
		if err := CheckConfigMapNames(name, opts.Namespace); err != nil {
			return nil, err
		}
		b, err := configMap(p.RedactedArtifactsJSON, name, opts.Namespace)
		if err != nil {
			return nil, err
		}
		files = append(files, gen.File{Path: "floe-compiled-values.yaml", Data: b})
	default:
		return nil, fmt.Errorf("unknown artifact format %q (want json, yaml or configmap)", opts.Format)
	}
	return files, nil
}

// JSON encodes v with two-space indent and a final newline (floe's own files).
func JSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// toYAML converts artifact JSON to block YAML; sortKeys mimics PyYAML's sort_keys.
func toYAML(data []byte, sortKeys bool) ([]byte, error) {
	var m schemas.Map
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	n := node(&m, sortKeys)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func node(v any, sortKeys bool) *yaml.Node {
	switch t := v.(type) {
	case *schemas.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		items := t.Items
		if sortKeys {
			items = slices.Clone(items)
			slices.SortFunc(items, func(a, b schemas.MapItem) int { return strings.Compare(a.Key, b.Key) })
		}
		for _, it := range items {
			n.Content = append(n.Content, gen.YAMLString(it.Key), node(it.Value, sortKeys))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if len(t) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, e := range t {
			n.Content = append(n.Content, node(e, sortKeys))
		}
		return n
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}
	case schemas.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: string(t)}
	case schemas.Float:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: schemas.PyFloat(float64(t))}
	case string:
		return gen.YAMLString(t)
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}

func configMap(data []byte, name, ns string) ([]byte, error) {
	values, err := toYAML(data, false)
	if err != nil {
		return nil, err
	}
	meta := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	str := gen.YAMLString
	meta.Content = append(meta.Content, str("name"), str(name))
	if ns != "" {
		meta.Content = append(meta.Content, str("namespace"), str(ns))
	}
	lit := str(string(values))
	lit.Style = yaml.LiteralStyle
	dataNode := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str("values.yaml"), lit}}
	doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		str("apiVersion"), str("v1"), str("kind"), str("ConfigMap"), str("metadata"), meta, str("data"), dataNode,
	}}
	var b bytes.Buffer
	b.WriteString("# Code generated by floe. DO NOT EDIT.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
