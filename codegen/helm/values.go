package helm

import (
	"strconv"

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
	PodLabels           map[string]string         `yaml:"podLabels"`
	NodeSelector        map[string]string         `yaml:"nodeSelector"`
	Tolerations         []map[string]any          `yaml:"tolerations"`
	Affinity            map[string]any            `yaml:"affinity"`
	Probes              ProbesValues              `yaml:"probes"`
	WorkDir             WorkDirValues             `yaml:"workDir"`
	ExtraVolumes        []map[string]any          `yaml:"extraVolumes"`
	ExtraVolumeMounts   []map[string]any          `yaml:"extraVolumeMounts"`
	NetworkPolicy       NetworkPolicyValues       `yaml:"networkPolicy"`
	PodDisruptionBudget PodDisruptionBudgetValues `yaml:"podDisruptionBudget"`
}

// ProbesValues are the code server's probes (nil: off).
type ProbesValues struct {
	Startup   *ProbeValue `yaml:"startup"`
	Readiness *ProbeValue `yaml:"readiness"`
	Liveness  *ProbeValue `yaml:"liveness"`
}

// ProbeValue is a Kubernetes Probe running a command.
type ProbeValue struct {
	Exec             ExecAction `yaml:"exec"`
	PeriodSeconds    int        `yaml:"periodSeconds"`
	TimeoutSeconds   int        `yaml:"timeoutSeconds"`
	FailureThreshold int        `yaml:"failureThreshold"`
}

// ExecAction is a probe's command.
type ExecAction struct {
	Command []string `yaml:"command"`
}

// WorkDirValues is the emptyDir holding DuckDB's working file.
type WorkDirValues struct {
	MountPath string `yaml:"mountPath"`
	SizeLimit string `yaml:"sizeLimit"`
}

// healthCheck is the probe command: Dagster's own gRPC health check of the code server.
func healthCheck(port int) ExecAction {
	return ExecAction{Command: []string{"dagster", "api", "grpc-health-check", "--port", strconv.Itoa(port)}}
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
		PodLabels:        map[string]string{},
		NodeSelector:     map[string]string{},
		Tolerations:      []map[string]any{},
		Affinity:         map[string]any{},
		Probes: ProbesValues{
			// Loading the definitions of a big product takes a while: up to 5 minutes.
			Startup:   &ProbeValue{Exec: healthCheck(d.Port), PeriodSeconds: 10, TimeoutSeconds: 10, FailureThreshold: 30},
			Readiness: &ProbeValue{Exec: healthCheck(d.Port), PeriodSeconds: 20, TimeoutSeconds: 10, FailureThreshold: 3},
			Liveness:  &ProbeValue{Exec: healthCheck(d.Port), PeriodSeconds: 30, TimeoutSeconds: 10, FailureThreshold: 5},
		},
		WorkDir:           WorkDirValues{MountPath: d.WorkDir},
		ExtraVolumes:      []map[string]any{},
		ExtraVolumeMounts: []map[string]any{},
		NetworkPolicy: NetworkPolicyValues{
			DagsterPodLabels: map[string]string{"app.kubernetes.io/name": "dagster"},
		},
		PodDisruptionBudget: PodDisruptionBudgetValues{MinAvailable: 1},
	}
}
