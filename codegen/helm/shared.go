package helm

import (
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
		WorkDir: d.WorkDir, Preset: d.Preset, Resources: d.Resources,
	}, nil
}

// ShellWord is s as one word to a POSIX shell and to a Dockerfile's word splitting.
func ShellWord(s string) string { return shellWord(s) }

// CheckDockerfileText refuses text that a Dockerfile line or comment cannot hold.
func CheckDockerfileText(s string) error { return checkDockerfileText(s) }

// DockerIgnore is the Dockerfile.dockerignore of an image built from the product
// directory with the generated output at outputDir.
func DockerIgnore(outputDir string) []byte {
	return dockerignore(deploymentPlan{OutputDir: outputDir})
}

// SortedKeyValues returns a sorted copy of kvs (by key, then value).
func SortedKeyValues(kvs []schemas.KeyValue) []schemas.KeyValue { return sortedKeyValues(kvs) }

// SortedSecretEnv returns a sorted copy (by Secret name, then variable, then key).
func SortedSecretEnv(secrets []schemas.SecretEnv) []schemas.SecretEnv {
	return sortedSecretEnv(secrets)
}
