package helm

import (
	"github.com/floe-dev/floe/schemas"
)

// ChartValues is the product chart's values.yaml. Its shape is mirrored exactly by
// templates/helm/chart/values.schema.json (closed objects everywhere), which a test checks
// in both directions: the generated values validate, and a misspelled key is rejected.
type ChartValues struct {
	NameOverride        string                    `yaml:"nameOverride"`
	FullnameOverride    string                    `yaml:"fullnameOverride"`
	Environment         string                    `yaml:"environment"`
	Product             ProductRef                `yaml:"product"`
	Image               ImageValue                `yaml:"image"`
	ImagePullSecrets    []NameRef                 `yaml:"imagePullSecrets"`
	ReplicaCount        int                       `yaml:"replicaCount"`
	CodeServer          CodeServerValues          `yaml:"codeServer"`
	ResourcePreset      string                    `yaml:"resourcePreset"`
	ResourcePresets     map[string]ResourceValues `yaml:"resourcePresets"`
	Env                 []PlainEnv                `yaml:"env"`
	SecretEnv           []SecretEnvValue          `yaml:"secretEnv"`
	ServiceAccount      ServiceAccountValues      `yaml:"serviceAccount"`
	PodAnnotations      map[string]string         `yaml:"podAnnotations"`
	NodeSelector        map[string]string         `yaml:"nodeSelector"`
	NetworkPolicy       NetworkPolicyValues       `yaml:"networkPolicy"`
	PodDisruptionBudget PodDisruptionBudgetValues `yaml:"podDisruptionBudget"`
}

// ProductRef names the product the chart deploys.
type ProductRef struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
}

// CodeServerValues configures `dagster api grpc`.
type CodeServerValues struct {
	Port            int    `yaml:"port"`
	WorkingDir      string `yaml:"workingDir"`
	DefinitionsFile string `yaml:"definitionsFile"`
}

// PlainEnv is one non-secret environment variable.
type PlainEnv struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// SecretEnvValue fills one environment variable from a Secret key.
type SecretEnvValue struct {
	Name       string `yaml:"name"`
	SecretName string `yaml:"secretName"`
	SecretKey  string `yaml:"secretKey"`
}

// ServiceAccountValues configures the pods' ServiceAccount.
type ServiceAccountValues struct {
	Create      bool              `yaml:"create"`
	Name        string            `yaml:"name"`
	Annotations map[string]string `yaml:"annotations"`
}

// NetworkPolicyValues configures the opt-in NetworkPolicy.
type NetworkPolicyValues struct {
	Enabled bool `yaml:"enabled"`
	// DagsterNamespace is the namespace of the Dagster webserver and daemon ("": the release's).
	DagsterNamespace string `yaml:"dagsterNamespace"`
	// DagsterPodLabels select the pods allowed to call the code server.
	DagsterPodLabels map[string]string `yaml:"dagsterPodLabels"`
}

// PodDisruptionBudgetValues configures the opt-in PodDisruptionBudget.
type PodDisruptionBudgetValues struct {
	Enabled      bool `yaml:"enabled"`
	MinAvailable int  `yaml:"minAvailable"`
}

// chartValues builds the product chart's default values (the dev-like baseline the
// values-<env>.yaml overlays adjust).
func chartValues(p *schemas.Product, d deploymentPlan) ChartValues {
	presets := make(map[string]ResourceValues, len(p.ResourcePresets))
	for i := range p.ResourcePresets {
		r := p.ResourcePresets[i].Resources
		if rv := resourceValues(&r); rv != nil {
			presets[p.ResourcePresets[i].Name] = *rv
		} else {
			presets[p.ResourcePresets[i].Name] = ResourceValues{}
		}
	}
	env := make([]PlainEnv, 0, len(p.Deployment.Env))
	for _, kv := range sortedKeyValues(p.Deployment.Env) {
		env = append(env, PlainEnv{Name: kv.Key, Value: kv.Value})
	}
	secretEnv := make([]SecretEnvValue, 0, len(p.Deployment.Secrets))
	for _, s := range sortedSecretEnv(p.Deployment.Secrets) {
		secretEnv = append(secretEnv, SecretEnvValue{Name: s.Env, SecretName: s.SecretName, SecretKey: s.SecretKey})
	}
	return ChartValues{
		Environment:      "dev",
		Product:          ProductRef{Name: p.Name, Version: p.Version},
		Image:            ImageValue{Repository: d.ImageRepository, Tag: d.ImageTag, PullPolicy: "IfNotPresent"},
		ImagePullSecrets: []NameRef{},
		ReplicaCount:     1,
		CodeServer:       CodeServerValues{Port: d.Port, WorkingDir: d.WorkingDir, DefinitionsFile: d.DefinitionsFile},
		ResourcePreset:   d.Preset,
		ResourcePresets:  presets,
		Env:              env,
		SecretEnv:        secretEnv,
		ServiceAccount:   ServiceAccountValues{Create: true, Annotations: map[string]string{}},
		PodAnnotations:   map[string]string{},
		NodeSelector:     map[string]string{},
		NetworkPolicy: NetworkPolicyValues{
			DagsterPodLabels: map[string]string{"app.kubernetes.io/name": "dagster"},
		},
		PodDisruptionBudget: PodDisruptionBudgetValues{MinAvailable: 1},
	}
}
