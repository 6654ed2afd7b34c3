package airflow

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/codegen/helm"
	"github.com/floe-dev/floe/schemas"
)

// The types below are the subset of the official Apache Airflow chart's values that floe
// writes (chart/values.yaml of apache/airflow). They are typed, every key with its yaml
// tag, so that no misspelled key can be emitted; a test validates the generated values
// merged over the chart's defaults against the chart's own values.schema.json.

// ChartValues is helm/airflow-values.yaml.
type ChartValues struct {
	Executor                 string            `yaml:"executor"`
	AirflowVersion           string            `yaml:"airflowVersion"`
	DefaultAirflowRepository string            `yaml:"defaultAirflowRepository"`
	DefaultAirflowTag        string            `yaml:"defaultAirflowTag"`
	Images                   Images            `yaml:"images"`
	Labels                   map[string]string `yaml:"labels"`
	Env                      []EnvVar          `yaml:"env"`
	Secret                   []SecretVar       `yaml:"secret"`
	Dags                     Dags              `yaml:"dags"`
	Workers                  Workers           `yaml:"workers"`
	Config                   Config            `yaml:"config"`
}

// Images holds the Airflow image: the product's image (apache/airflow plus floe).
type Images struct {
	Airflow Image `yaml:"airflow"`
}

// Image is a container image reference.
type Image struct {
	Repository string `yaml:"repository"`
	Tag        string `yaml:"tag"`
	PullPolicy string `yaml:"pullPolicy"`
}

// EnvVar is one plain environment variable of every Airflow container.
type EnvVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// SecretVar is an environment variable of every Airflow container (the KubernetesExecutor's
// task pods included) read from one key of a Secret.
type SecretVar struct {
	EnvName    string `yaml:"envName"`
	SecretName string `yaml:"secretName"`
	SecretKey  string `yaml:"secretKey"`
}

// Dags says where the DAGs are: in the image (no volume, no git-sync), at MountPath.
type Dags struct {
	MountPath   string  `yaml:"mountPath"`
	Persistence Enabled `yaml:"persistence"`
	GitSync     Enabled `yaml:"gitSync"`
}

// Enabled is the chart's {enabled: bool} switch.
type Enabled struct {
	Enabled bool `yaml:"enabled"`
}

// Workers configures the task pods (the pod template of the KubernetesExecutor).
type Workers struct {
	Resources *Resources `yaml:"resources,omitempty"`
}

// Resources is Kubernetes ResourceRequirements.
type Resources struct {
	Requests *Quantities `yaml:"requests,omitempty"`
	Limits   *Quantities `yaml:"limits,omitempty"`
}

// Quantities is a CPU/memory pair; empty ones are left out.
type Quantities struct {
	CPU    string `yaml:"cpu,omitempty"`
	Memory string `yaml:"memory,omitempty"`
}

// Config is the part of airflow.cfg floe sets; the chart merges it over its own.
type Config struct {
	Core        CoreConfig        `yaml:"core"`
	OpenLineage OpenLineageConfig `yaml:"openlineage"`
}

// CoreConfig is [core].
type CoreConfig struct {
	LoadExamples string `yaml:"load_examples"`
}

// OpenLineageConfig is [openlineage] of the OpenLineage provider: where the tasks'
// lineage events go (the manifest's lineage backend), or disabled.
type OpenLineageConfig struct {
	Disabled  string `yaml:"disabled"`
	Namespace string `yaml:"namespace,omitempty"`
	Transport string `yaml:"transport,omitempty"`
}

// imageAirflowUID is the user of the official Airflow image (the chart's default uid).
const imageAirflowUID = 50000

// lineageTimeoutSeconds bounds each lineage send, so a backend that is down costs a
// task seconds, not minutes (the Dagster runtime uses the same bound).
const lineageTimeoutSeconds = 5

// chartValues builds the official chart's values for p.
func chartValues(p *schemas.Product, img helm.ImagePlan) (ChartValues, error) {
	v := ChartValues{
		Executor:                 "KubernetesExecutor",
		AirflowVersion:           AirflowVersion,
		DefaultAirflowRepository: img.Repository,
		DefaultAirflowTag:        img.Tag,
		Images:                   Images{Airflow: Image{Repository: img.Repository, Tag: img.Tag, PullPolicy: "IfNotPresent"}},
		Labels: map[string]string{
			"app.kubernetes.io/part-of": "floe",
			"floe.dev/product":          p.Name,
			"floe.dev/product-version":  p.Version,
		},
		Env:    []EnvVar{},
		Secret: []SecretVar{},
		Dags: Dags{
			MountPath:   img.WorkingDir,
			Persistence: Enabled{Enabled: false},
			GitSync:     Enabled{Enabled: false},
		},
		Workers: Workers{Resources: resources(img.Resources)},
		Config:  Config{Core: CoreConfig{LoadExamples: "False"}},
	}
	for _, kv := range helm.SortedKeyValues(p.Deployment.Env) {
		v.Env = append(v.Env, EnvVar{Name: kv.Key, Value: kv.Value})
	}
	for _, s := range helm.SortedSecretEnv(p.Deployment.Secrets) {
		v.Secret = append(v.Secret, SecretVar{EnvName: s.Env, SecretName: s.SecretName, SecretKey: s.SecretKey})
	}
	ol, err := openLineage(p.Lineage)
	if err != nil {
		return ChartValues{}, err
	}
	v.Config.OpenLineage = ol
	return v, nil
}

// openLineage maps the manifest's lineage backend onto the OpenLineage provider's
// settings: the transport as the JSON the provider reads, the job namespace.
func openLineage(l schemas.LineageConfig) (OpenLineageConfig, error) {
	if !l.Enabled || l.Transport == "" || l.Transport == "noop" {
		return OpenLineageConfig{Disabled: "True"}, nil
	}
	var transport map[string]any
	switch l.Transport {
	case "http":
		u, err := url.Parse(l.Endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return OpenLineageConfig{}, fmt.Errorf("lineage endpoint %q is not an http(s) URL", l.Endpoint)
		}
		endpoint := strings.TrimPrefix(u.EscapedPath(), "/")
		if endpoint == "" {
			endpoint = "api/v1/lineage"
		}
		// No retries: the client's default (five, with back-off) holds every task up
		// for the provider's whole execution timeout per event when the backend is down.
		transport = map[string]any{
			"type": "http", "url": u.Scheme + "://" + u.Host, "endpoint": endpoint,
			"timeout": lineageTimeoutSeconds,
			"retry":   map[string]int{"total": 0, "connect": 0, "read": 0},
		}
	case "console":
		transport = map[string]any{"type": "console"}
	case "file":
		// A file in the pod is lost with it; the console transport ends up in the task
		// log instead, where someone can read it.
		transport = map[string]any{"type": "console"}
	default:
		return OpenLineageConfig{}, fmt.Errorf("unknown lineage transport %q", l.Transport)
	}
	data, err := json.Marshal(transport) // keys sorted: deterministic
	if err != nil {
		return OpenLineageConfig{}, err
	}
	ns := l.Namespace
	if ns == "" {
		ns = "floe"
	}
	return OpenLineageConfig{Disabled: "False", Namespace: ns, Transport: string(data)}, nil
}

// resources converts a preset's resources, leaving out empty quantities (nil: none).
func resources(r *schemas.ResourceRequirements) *Resources {
	if r == nil {
		return nil
	}
	pair := func(l schemas.ResourceList) *Quantities {
		if l.CPU == "" && l.Memory == "" {
			return nil
		}
		return &Quantities{CPU: l.CPU, Memory: l.Memory}
	}
	out := &Resources{Requests: pair(r.Requests), Limits: pair(r.Limits)}
	if out.Requests == nil && out.Limits == nil {
		return nil
	}
	return out
}

// valuesYAML encodes v with the generated-file header and a comment on how to use it.
func valuesYAML(p *schemas.Product, v ChartValues) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %s: %w", ValuesFile, err)
	}
	quoteStrings(&doc)
	var b strings.Builder
	b.WriteString(generatedHeader)
	fmt.Fprintf(&b, "# Values for the official Apache Airflow chart (apache-airflow/airflow), Airflow %s,\n", AirflowVersion)
	b.WriteString("# for the floe data product " + p.Name + " " + p.Version + ": the KubernetesExecutor, the DAG in the\n")
	b.WriteString("# product's image (`floe package` writes its Dockerfile), its Secrets and lineage:\n#\n")
	b.WriteString("#   helm upgrade --install airflow apache-airflow/airflow -f " + ValuesFile + "\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", ValuesFile, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// quoteStrings makes every string scalar one that YAML 1.1 and 1.2 readers (Helm reads
// YAML 1.1) read back as the same string (gen.YAMLString).
func quoteStrings(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		*n = *gen.YAMLString(n.Value)
		return
	}
	for _, c := range n.Content {
		quoteStrings(c)
	}
}
