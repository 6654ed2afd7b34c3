package helm

import (
	"github.com/floe-dev/floe/schemas"
)

// The types below are the subset of the official dagster/dagster-user-deployments chart's
// values that floe writes. They are typed, and every key carries its yaml tag, so a
// misspelled key ("dagsterApiGrpcArg", "resource") cannot be generated: the chart's own
// schema has no additionalProperties:false on a deployment and would let it through, and
// the chart would silently ignore it. A test checks every emitted key against that schema.

// UserDeploymentsValues is the values file for dagster/dagster-user-deployments (also usable
// under the dagster chart's "dagster-user-deployments" key).
type UserDeploymentsValues struct {
	Deployments []UserDeployment `yaml:"deployments"`
}

// UserDeployment is one code location: a Deployment and Service running `dagster api grpc`.
type UserDeployment struct {
	Name  string     `yaml:"name"`
	Image ImageValue `yaml:"image"`
	// DagsterAPIGrpcArgs are the arguments after `dagster api grpc -h 0.0.0.0 -p <port>`.
	DagsterAPIGrpcArgs []string `yaml:"dagsterApiGrpcArgs"`
	Port               int      `yaml:"port"`
	// IncludeConfigInLaunchedRuns passes env, secrets and resources on to the run pods the
	// K8sRunLauncher starts for this code location.
	IncludeConfigInLaunchedRuns EnabledFlag          `yaml:"includeConfigInLaunchedRuns"`
	Env                         []EnvVar             `yaml:"env"`
	EnvSecrets                  []NameRef            `yaml:"envSecrets"`
	Labels                      map[string]string    `yaml:"labels"`
	Resources                   *ResourceValues      `yaml:"resources,omitempty"`
	PodSecurityContext          PodSecurityContext   `yaml:"podSecurityContext"`
	SecurityContext             ContainerSecurityCtx `yaml:"securityContext"`
}

// ImageValue is a container image reference.
type ImageValue struct {
	Repository string `yaml:"repository"`
	Tag        string `yaml:"tag"`
	PullPolicy string `yaml:"pullPolicy"`
}

// EnabledFlag is the chart's {enabled: bool} switch.
type EnabledFlag struct {
	Enabled bool `yaml:"enabled"`
}

// NameRef refers to a Secret (or ConfigMap) by name.
type NameRef struct {
	Name string `yaml:"name"`
}

// EnvVar is a Kubernetes EnvVar: a literal value or a Secret key reference.
type EnvVar struct {
	Name      string        `yaml:"name"`
	Value     string        `yaml:"value,omitempty"`
	ValueFrom *EnvVarSource `yaml:"valueFrom,omitempty"`
}

// EnvVarSource is the secretKeyRef form of EnvVar.valueFrom.
type EnvVarSource struct {
	SecretKeyRef SecretKeySelector `yaml:"secretKeyRef"`
}

// SecretKeySelector names one key of one Secret.
type SecretKeySelector struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

// ResourceValues is Kubernetes ResourceRequirements.
type ResourceValues struct {
	Requests *QuantityPair `yaml:"requests,omitempty"`
	Limits   *QuantityPair `yaml:"limits,omitempty"`
}

// QuantityPair is a CPU/memory pair of quantities; empty ones are left out.
type QuantityPair struct {
	CPU    string `yaml:"cpu,omitempty"`
	Memory string `yaml:"memory,omitempty"`
}

// PodSecurityContext is the pod-level security context floe asks for.
type PodSecurityContext struct {
	RunAsNonRoot   bool           `yaml:"runAsNonRoot"`
	RunAsUser      int64          `yaml:"runAsUser"`
	RunAsGroup     int64          `yaml:"runAsGroup"`
	FSGroup        int64          `yaml:"fsGroup"`
	SeccompProfile SeccompProfile `yaml:"seccompProfile"`
}

// SeccompProfile selects the seccomp profile.
type SeccompProfile struct {
	Type string `yaml:"type"`
}

// ContainerSecurityCtx is the container-level security context floe asks for.
type ContainerSecurityCtx struct {
	AllowPrivilegeEscalation bool         `yaml:"allowPrivilegeEscalation"`
	Capabilities             Capabilities `yaml:"capabilities"`
}

// Capabilities lists dropped Linux capabilities.
type Capabilities struct {
	Drop []string `yaml:"drop"`
}

// imageUID is the non-root user (and group) the generated Dockerfile creates.
const imageUID = 10001

// officialValues builds the dagster-user-deployments values for p.
func officialValues(p *schemas.Product, d deploymentPlan) UserDeploymentsValues {
	env, envSecrets := splitSecretEnv(p.Deployment.Secrets)
	envVars := make([]EnvVar, 0, len(p.Deployment.Env)+len(env))
	for _, kv := range sortedKeyValues(p.Deployment.Env) {
		envVars = append(envVars, EnvVar{Name: kv.Key, Value: kv.Value})
	}
	envVars = append(envVars, env...)
	return UserDeploymentsValues{Deployments: []UserDeployment{{
		Name:                        p.Name,
		Image:                       ImageValue{Repository: d.ImageRepository, Tag: d.ImageTag, PullPolicy: "IfNotPresent"},
		DagsterAPIGrpcArgs:          []string{"--python-file", d.DefinitionsFile, "--working-directory", d.WorkingDir},
		Port:                        d.Port,
		IncludeConfigInLaunchedRuns: EnabledFlag{Enabled: true},
		Env:                         envVars,
		EnvSecrets:                  envSecrets,
		Labels: map[string]string{
			"app.kubernetes.io/part-of": "floe",
			"floe.dev/product":          p.Name,
			"floe.dev/product-version":  p.Version,
		},
		Resources: resourceValues(d.Resources),
		PodSecurityContext: PodSecurityContext{
			RunAsNonRoot: true, RunAsUser: imageUID, RunAsGroup: imageUID, FSGroup: imageUID,
			SeccompProfile: SeccompProfile{Type: "RuntimeDefault"},
		},
		SecurityContext: ContainerSecurityCtx{Capabilities: Capabilities{Drop: []string{"ALL"}}},
	}}}
}

// splitSecretEnv turns the product's Secret references into the chart's two forms. A Secret
// whose every referenced key is named exactly like its environment variable becomes one
// envSecrets entry (envFrom: all its keys become variables, as the chart documents); any
// other reference becomes an env entry with valueFrom.secretKeyRef, so the variable gets
// exactly the key it names. Both lists are sorted (Secret name, then variable name).
func splitSecretEnv(secrets []schemas.SecretEnv) ([]EnvVar, []NameRef) {
	whole := map[string]bool{}
	for _, s := range secrets {
		if _, seen := whole[s.SecretName]; !seen {
			whole[s.SecretName] = true
		}
		if s.SecretKey != s.Env {
			whole[s.SecretName] = false
		}
	}
	var env []EnvVar
	var refs []NameRef
	seen := map[string]bool{}
	for _, s := range sortedSecretEnv(secrets) {
		if whole[s.SecretName] {
			if !seen[s.SecretName] {
				seen[s.SecretName] = true
				refs = append(refs, NameRef{Name: s.SecretName})
			}
			continue
		}
		env = append(env, EnvVar{Name: s.Env, ValueFrom: &EnvVarSource{
			SecretKeyRef: SecretKeySelector{Name: s.SecretName, Key: s.SecretKey}}})
	}
	if refs == nil {
		refs = []NameRef{}
	}
	return env, refs
}

// resourceValues converts a preset's resources, leaving out empty quantities (nil: none).
func resourceValues(r *schemas.ResourceRequirements) *ResourceValues {
	if r == nil {
		return nil
	}
	pair := func(l schemas.ResourceList) *QuantityPair {
		if l.CPU == "" && l.Memory == "" {
			return nil
		}
		return &QuantityPair{CPU: l.CPU, Memory: l.Memory}
	}
	out := &ResourceValues{Requests: pair(r.Requests), Limits: pair(r.Limits)}
	if out.Requests == nil && out.Limits == nil {
		return nil
	}
	return out
}
