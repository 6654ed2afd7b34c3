package helm

import (
	"errors"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// The exports below let another orchestrator's packaging (codegen/airflow) take the same
// image and Dockerfile decisions as the Dagster code location's, with the same checks:
// one place decides how an image is named, where the product goes in it and what a
// Dockerfile can hold.

// ImagePlan is what an orchestrator's image and Kubernetes values share with the Dagster
// code location's: the image reference, where the product and the generated output go in
// the image, DuckDB's work directory and the default preset.
type ImagePlan struct {
	// Repository and Tag name the image: flags, else the manifest, else the product.
	Repository, Tag string
	// OutputDir is the generated output directory relative to the product directory.
	OutputDir string
	// ProductDir is where the image holds the product (the dbt project).
	ProductDir string
	// WorkingDir is ProductDir/OutputDir, the generated output in the image.
	WorkingDir string
	// WorkDir is the image directory of the dbt profile's DuckDB file.
	WorkDir string
	// Preset and Resources are the default preset (Resources nil when there is none).
	Preset    string
	Resources *schemas.ResourceRequirements
	// Exclude are the product's files the build context leaves out (see DockerIgnore).
	Exclude []string
}

// PlanImage checks p and the image flags as Generate does (errors are *InputError, or
// *gen.OptionError for an output directory the Dockerfile cannot name when opts.Chart)
// and returns the shared image decisions.
func PlanImage(p *schemas.Product, opts gen.Options) (ImagePlan, error) {
	if err := checkProduct(p); err != nil {
		return ImagePlan{}, err
	}
	if err := checkImageFlags(opts); err != nil {
		return ImagePlan{}, err
	}
	d, err := planDeployment(p, opts)
	if err != nil {
		return ImagePlan{}, err
	}
	if err := checkImagePath(d.OutputDir); opts.Chart && err != nil {
		return ImagePlan{}, &gen.OptionError{Option: "the output directory (relative to the product directory)", Value: d.OutputDir, Err: err}
	}
	return ImagePlan{
		Repository: d.ImageRepository, Tag: d.ImageTag,
		OutputDir: d.OutputDir, ProductDir: imageProductDir, WorkingDir: d.WorkingDir,
		WorkDir: d.WorkDir, Preset: d.Preset, Resources: d.Resources, Exclude: d.Exclude,
	}, nil
}

// ShellWord is s as one word to a POSIX shell and to a Dockerfile's word splitting.
func ShellWord(s string) string { return shellWord(s) }

// CheckDockerfileText refuses text that a Dockerfile line or comment cannot hold.
func CheckDockerfileText(s string) error { return checkDockerfileText(s) }

// DockerIgnore is the Dockerfile.dockerignore of an image built from the product
// directory with the generated output at outputDir, leaving out the files exclude names
// (product-relative, checked by PlanImage).
func DockerIgnore(outputDir string, exclude []string) []byte {
	return dockerignore(deploymentPlan{OutputDir: outputDir, Exclude: exclude})
}

// SortedKeyValues returns a sorted copy of kvs (by key, then value).
func SortedKeyValues(kvs []schemas.KeyValue) []schemas.KeyValue { return sortedKeyValues(kvs) }

// SortedSecretEnv returns a sorted copy (by Secret name, then variable, then key).
func SortedSecretEnv(secrets []schemas.SecretEnv) []schemas.SecretEnv {
	return sortedSecretEnv(secrets)
}

// ImageArtifactsFile is the copy of compiled_artifacts.json the code-location image
// carries, written beside the Dockerfile: the redacted artifacts (every literal secret
// `**********`). The verbatim compiled_artifacts.json, the one file that holds the
// manifest's literal secrets, is kept out of the build context by Dockerfile.dockerignore
// and this copy takes its name in the image; in a pod the secrets come from the
// Kubernetes Secrets as environment variables.
const ImageArtifactsFile = "compiled_artifacts.image.json"

// ImageArtifacts is the ImageArtifactsFile of p; it refuses a product without redacted
// artifacts rather than putting the verbatim ones into an image.
func ImageArtifacts(p *schemas.Product) (gen.File, error) {
	if len(p.RedactedArtifactsJSON) == 0 {
		return gen.File{}, errors.New("product has no redacted compiled artifacts; refusing to put unredacted ones into the image")
	}
	return gen.File{Path: ImageArtifactsFile, Data: p.RedactedArtifactsJSON}, nil
}

// buildSecretName is a variable name a Dockerfile RUN line can hold unquoted.
var buildSecretName = lazy.Regexp(`^[A-Z_][A-Z0-9_]*$`)

// BuildSecretEnv is the prefix of the image build's `prepare` command that gives each of
// the dbt profile's secret variables (DBT_ENV_SECRET_FLOE_*) a placeholder: `dbt parse`
// renders profiles.yml but connects to nothing, and the image holds no literal secret to
// take them from. The variables exist only for that command; pods get them from Secrets.
func BuildSecretEnv(p *schemas.Product) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, s := range sortedSecretEnv(p.Deployment.Secrets) {
		if !strings.HasPrefix(s.Env, schemas.DbtFloeSecretEnvPrefix) || !buildSecretName().MatchString(s.Env) || seen[s.Env] {
			continue
		}
		seen[s.Env] = true
		b.WriteString(s.Env + "=unset-at-image-build ")
	}
	return b.String()
}
