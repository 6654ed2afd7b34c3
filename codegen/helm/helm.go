// Package helm generates what a platform team needs to run a floe product on Kubernetes:
//
//   - helm/values.yaml: values for the official dagster/dagster-user-deployments chart (one
//     code location for the product), built from typed Go values so that no misspelled key
//     can be emitted;
//   - helm/dagster-values.yaml: values for the Dagster deployment itself (dagster/dagster):
//     the K8sRunLauncher with the product's Secrets, run resources and security context;
//   - with gen.Options.Chart: the product's own chart, filled from the embedded chart in
//     templates/helm, as helm/floe-<product>/ and a reproducible
//     helm/floe-<product>-<version>.tgz; the code-location image's Dockerfile (with
//     Dockerfile.dockerignore) and the pinned image-requirements.txt it installs.
//
// Before returning any file, Generate lints the filled chart with Helm's linter (warnings are
// errors, as with `helm lint --strict`), renders it with Helm's strict engine for its default
// values and every environment overlay against Kubernetes v1.31, decodes every rendered
// object strictly into k8s.io/api types and checks that the objects fit together. Any failure
// is returned as an error and no file is returned. Problems with the product itself are
// *InputError values; anything else is a bug in floe.
//
// Generate touches the disk in one place only: Helm's linter reads charts from a directory,
// so the chart is written to a temporary directory that is removed before Generate returns.
package helm

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/schemas/k8scheck"
)

// OutputDir is the directory, relative to the output directory, that holds the Helm files.
const OutputDir = "helm"

// ChartGenerator is the Helm generator's metadata and entry point.
type ChartGenerator struct{}

// Generator is the Helm generator.
var Generator ChartGenerator

// Name is the generator's name.
func (ChartGenerator) Name() string { return "helm" }

// Version is the generator's output format version; it changes when the generated files do
// for the same input.
func (ChartGenerator) Version() string { return "1" }

// Generate calls Generate.
func (ChartGenerator) Generate(p *schemas.Product, opts gen.Options) ([]gen.File, error) {
	return Generate(p, opts)
}

// Generate returns the Helm files for p (see the package documentation). Files are sorted
// by path.
func Generate(p *schemas.Product, opts gen.Options) ([]gen.File, error) {
	if err := checkProduct(p); err != nil {
		return nil, err
	}
	if err := checkImageFlags(opts); err != nil {
		return nil, err
	}
	d, err := planDeployment(p, opts)
	if err != nil {
		return nil, err
	}
	// The Dockerfile names the output directory; refuse one it cannot name exactly before
	// the chart is built and verified.
	if err := checkImagePath(d.OutputDir); opts.Chart && err != nil {
		return nil, &gen.OptionError{Option: "the output directory (relative to the product directory)", Value: d.OutputDir, Err: err}
	}
	official, err := marshalYAML(officialValues(p, d))
	if err != nil {
		return nil, fmt.Errorf("encode dagster-user-deployments values: %w", err)
	}
	platform, err := marshalYAML(platformValues(p, d))
	if err != nil {
		return nil, fmt.Errorf("encode dagster values: %w", err)
	}
	platform = append([]byte(generatedHeader+platformHeader), platform[len(generatedHeader):]...)
	files := []gen.File{
		{Path: path.Join(OutputDir, "values.yaml"), Data: official},
		{Path: PlatformValuesFile, Data: platform},
	}
	if !opts.Chart {
		return files, nil
	}

	chartFiles, err := buildChart(p, d)
	if err != nil {
		return nil, err
	}
	if err := verifyChart(chartFiles); err != nil {
		return nil, fmt.Errorf("chart %s: %w", d.ChartName, err)
	}
	tgz, err := packageChart(d.ChartName, chartFiles, opts.Time)
	if err != nil {
		return nil, err
	}
	if err := verifyArchive(tgz, len(chartFiles)); err != nil {
		return nil, fmt.Errorf("chart %s: %w", d.ChartName, err)
	}
	df, err := dockerfile(p, d)
	if err != nil {
		return nil, err
	}
	reqs, err := imageRequirements()
	if err != nil {
		return nil, err
	}
	arts, err := ImageArtifacts(p)
	if err != nil {
		return nil, err
	}
	files = append(files,
		gen.File{Path: "Dockerfile", Data: df},
		arts,
		gen.File{Path: "Dockerfile.dockerignore", Data: dockerignore(d)},
		gen.File{Path: ImageRequirementsFile, Data: reqs},
		gen.File{Path: path.Join(OutputDir, fmt.Sprintf("%s-%s.tgz", d.ChartName, p.Version)), Data: tgz},
	)
	for _, f := range chartFiles {
		files = append(files, gen.File{Path: path.Join(OutputDir, d.ChartName, f.Name), Data: f.Data})
	}
	sortFiles(files)
	return files, nil
}

// verifyChart lints the chart and renders it with its own values and with each overlay,
// decoding every object strictly.
func verifyChart(files []chartFile) error {
	overlays := map[string][]byte{}
	for _, f := range files {
		overlays[f.Name] = f.Data
	}
	sets := [][][]byte{nil}
	for _, o := range envOverlays {
		data, ok := overlays[o]
		if !ok {
			return fmt.Errorf("overlay %s missing from the chart", o)
		}
		sets = append(sets, [][]byte{data})
	}
	ch, err := loadChart(files)
	if err != nil {
		return err
	}
	for i, set := range sets {
		name := "values.yaml"
		if i > 0 {
			name = envOverlays[i-1]
		}
		if err := lintChart(files, set...); err != nil {
			return fmt.Errorf("with %s: %w", name, err)
		}
		if _, err := renderChart(files, ch.Name(), verifyNamespace, set...); err != nil {
			return fmt.Errorf("with %s: %w", name, err)
		}
	}
	return nil
}

// InputError is a problem with the product or the options, not with floe: a Kubernetes
// constraint the product violates, a missing default preset, artifacts too large for a
// ConfigMap. The CLI reports it as an input error (exit 1); every other error of Generate
// means floe's chart or generator is wrong (exit 3).
type InputError struct {
	// Fields are the violated Kubernetes constraints, by canonical field path (see
	// k8scheck.Product); the compiler normally reports these first, with positions.
	Fields []*k8scheck.FieldError
	// Err is set when the problem is not a field constraint.
	Err error
}

// Error lists the field errors (or Err), one per line.
func (e *InputError) Error() string {
	if e.Err != nil {
		return "helm: " + e.Err.Error()
	}
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "helm: " + strings.Join(msgs, "\n")
}

// Unwrap returns Err.
func (e *InputError) Unwrap() error { return e.Err }

// checkProduct refuses products the generator cannot represent: missing identity,
// missing redacted artifacts (the unredacted bytes are never used), or a Kubernetes
// constraint violated (the compiler reports those with positions before codegen runs).
func checkProduct(p *schemas.Product) error {
	if p == nil {
		return errors.New("helm: no product")
	}
	if p.Name == "" || p.Version == "" {
		return errors.New("helm: product has no name or version")
	}
	if len(p.RedactedArtifactsJSON) == 0 {
		return errors.New("helm: product has no redacted compiled artifacts; refusing to package unredacted ones")
	}
	if fields := k8scheck.Product(p); len(fields) > 0 {
		return &InputError{Fields: fields}
	}
	return nil
}

// checkImageFlags checks the image overrides (--image-repository, --image-tag).
func checkImageFlags(opts gen.Options) error {
	var fields []*k8scheck.FieldError
	if opts.ImageRepository != "" {
		fields = append(fields, k8scheck.ImageRepository("--image-repository", opts.ImageRepository)...)
	}
	if opts.ImageTag != "" {
		fields = append(fields, k8scheck.ImageTag("--image-tag", opts.ImageTag)...)
	}
	if len(fields) > 0 {
		return &InputError{Fields: fields}
	}
	return nil
}
