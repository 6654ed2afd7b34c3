package helm

import (
	"github.com/floe-dev/floe/schemas"
)

// PlatformValuesFile is the values file for the Dagster deployment itself (the
// dagster/dagster chart), relative to the output directory.
const PlatformValuesFile = "helm/dagster-values.yaml"

// The types below are the subset of the dagster/dagster chart's values that floe writes for
// the platform side: the run launcher every run of the deployment goes through, and the
// run storage it is left to the platform to provide. The chart turns runLauncher into the
// instance's run_launcher (dagster_k8s.K8sRunLauncher) with its
// templates/helpers/instance/_run-launcher.tpl; a test renders that template with these
// values and a runtime test checks the result against K8sRunLauncher.config_type().

// DagsterPlatformValues are values for the dagster/dagster chart.
type DagsterPlatformValues struct {
	Global                           PlatformGlobal    `yaml:"global"`
	GeneratePostgresqlPasswordSecret bool              `yaml:"generatePostgresqlPasswordSecret"`
	Postgresql                       PostgresqlValues  `yaml:"postgresql"`
	RunLauncher                      RunLauncherValues `yaml:"runLauncher"`
}

// PlatformGlobal names the Secret holding the PostgreSQL password (key postgresql-password).
type PlatformGlobal struct {
	PostgresqlSecretName string `yaml:"postgresqlSecretName"`
}

// PostgresqlValues turns off the chart's own PostgreSQL: run, event and schedule storage
// are the platform's database.
type PostgresqlValues struct {
	Enabled bool `yaml:"enabled"`
}

// RunLauncherValues selects and configures the run launcher.
type RunLauncherValues struct {
	Type   string            `yaml:"type"`
	Config RunLauncherConfig `yaml:"config"`
}

// RunLauncherConfig holds the K8sRunLauncher's configuration.
type RunLauncherConfig struct {
	K8sRunLauncher K8sRunLauncherValues `yaml:"k8sRunLauncher"`
}

// K8sRunLauncherValues is what floe sets on the K8sRunLauncher. The image is left out: each
// run uses its code location's image (DAGSTER_CURRENT_IMAGE of the code server).
type K8sRunLauncherValues struct {
	ImagePullPolicy     string `yaml:"imagePullPolicy"`
	LoadInclusterConfig bool   `yaml:"loadInclusterConfig"`
	// EnvSecrets are Secrets whose every key becomes an environment variable of the run.
	EnvSecrets []NameRef `yaml:"envSecrets"`
	// Resources of the run pod: the default preset (steps get their own preset).
	Resources       *ResourceValues      `yaml:"resources,omitempty"`
	SecurityContext ContainerSecurityCtx `yaml:"securityContext"`
	RunK8sConfig    RunK8sConfig         `yaml:"runK8sConfig"`
}

// RunK8sConfig is raw Kubernetes configuration for the run's pod and container.
type RunK8sConfig struct {
	PodSpecConfig PodSpecConfig `yaml:"podSpecConfig"`
	// ContainerConfig carries the Secret keys not named like their variable (envSecrets
	// cannot rename a key).
	ContainerConfig *ContainerConfig `yaml:"containerConfig,omitempty"`
}

// PodSpecConfig is the part of a PodSpec floe sets on run pods.
type PodSpecConfig struct {
	SecurityContext PodSecurityContext `yaml:"securityContext"`
}

// ContainerConfig is the part of a Container floe sets on run containers.
type ContainerConfig struct {
	Env []EnvVar `yaml:"env"`
}

// platformValues builds the dagster/dagster values for p.
func platformValues(p *schemas.Product, d deploymentPlan) DagsterPlatformValues {
	env, envSecrets := splitSecretEnv(p.Deployment.Secrets)
	launcher := K8sRunLauncherValues{
		ImagePullPolicy:     "IfNotPresent",
		LoadInclusterConfig: true,
		EnvSecrets:          envSecrets,
		Resources:           resourceValues(d.Resources),
		SecurityContext:     ContainerSecurityCtx{Capabilities: Capabilities{Drop: []string{"ALL"}}},
		RunK8sConfig: RunK8sConfig{PodSpecConfig: PodSpecConfig{SecurityContext: PodSecurityContext{
			RunAsNonRoot: true, RunAsUser: imageUID, RunAsGroup: imageUID, FSGroup: imageUID,
			SeccompProfile: SeccompProfile{Type: "RuntimeDefault"},
		}}},
	}
	if len(env) > 0 {
		launcher.RunK8sConfig.ContainerConfig = &ContainerConfig{Env: env}
	}
	return DagsterPlatformValues{
		Global:      PlatformGlobal{PostgresqlSecretName: "dagster-postgresql-secret"},
		Postgresql:  PostgresqlValues{Enabled: false},
		RunLauncher: RunLauncherValues{Type: "K8sRunLauncher", Config: RunLauncherConfig{K8sRunLauncher: launcher}},
	}
}

// platformHeader explains the file; marshalYAML adds the generated-file line.
const platformHeader = `# Values for the Dagster deployment (the dagster/dagster chart) that runs this product:
# the K8sRunLauncher, with the product's Secrets for every run pod, the default resource
# preset for run pods (each step pod gets its own preset from the executor) and the
# image's non-root user. Give them after your own values, e.g.
#   helm upgrade --install dagster dagster/dagster -n dagster -f my-values.yaml -f dagster-values.yaml
# Storage is the platform's: postgresql.enabled is false, so set postgresql.postgresqlHost,
# .postgresqlUsername, .postgresqlDatabase (and .service.port) to your PostgreSQL and create
# the Secret global.postgresqlSecretName names, with the password under postgresql-password.
`
