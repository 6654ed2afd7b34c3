package helm

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// Defaults used when the manifest and the flags leave a deployment setting open.
const (
	// DefaultPort is the Dagster code server's conventional gRPC port.
	DefaultPort = 3030
	// imageProductDir is where the Dockerfile copies the product (the dbt project).
	imageProductDir = "/opt/floe/product"
	// defaultOutputDir is the output directory relative to the product directory when floe
	// writes to its default target (gen.Options.ProjectDir "../..").
	defaultOutputDir = "target/floe"
	// definitionsFile is the Dagster entry point codegen/dagster writes into the output directory.
	definitionsFile = "definitions.py"
)

// deploymentPlan is every deployment decision, taken once in Go and shared by the official
// values, the product chart and the Dockerfile, so the three cannot disagree.
type deploymentPlan struct {
	ChartName       string // floe-<product>
	ImageRepository string
	ImageTag        string
	Port            int
	// OutputDir is the generated output directory relative to the product directory.
	OutputDir string
	// WorkingDir is the absolute directory in the image holding definitions.py.
	WorkingDir string
	// DefinitionsFile is the absolute path of definitions.py in the image.
	DefinitionsFile string
	// Preset is the default preset's name ("" when the manifest has none).
	Preset string
	// Resources are the default preset's resources (nil when there is none).
	Resources *schemas.ResourceRequirements
	// WorkDir is the absolute directory in the image of DuckDB's working file: the
	// directory of the dbt profile's DuckDB path (relative paths are relative to the
	// product), else defaultWorkDir. The image creates it for its user; the chart mounts
	// an emptyDir there, and the runtime one in every step pod.
	WorkDir string
	// Exclude are the product's files the build context leaves out (gen.Options.ImageExclude).
	Exclude []string
}

// defaultWorkDir is the work directory when the profile has no DuckDB file.
const defaultWorkDir = "/opt/floe/work"

// planDeployment takes the deployment decisions for p.
//
// Image: flags (opts) win over the manifest (p.Deployment); without either the image is
// named after the product and tagged with its version, which a registry prefix can later
// be put in front of with --image-repository.
func planDeployment(p *schemas.Product, opts gen.Options) (deploymentPlan, error) {
	d := deploymentPlan{
		ChartName:       chartName(p.Name),
		ImageRepository: firstNonEmpty(opts.ImageRepository, p.Deployment.ImageRepository, p.Name),
		ImageTag:        firstNonEmpty(opts.ImageTag, p.Deployment.ImageTag, p.Version),
		Port:            p.Deployment.Port,
		OutputDir:       firstNonEmpty(opts.OutputDir, outputDirInProject(opts.ProjectDir)),
		Preset:          p.DefaultPreset,
		Exclude:         opts.ImageExclude,
	}
	if opts.Chart {
		for _, f := range d.Exclude {
			if err := checkIgnoreName(f); err != nil {
				return d, &InputError{Err: fmt.Errorf("the input %q cannot be named in Dockerfile.dockerignore (it %v), so the image build would copy it: rename it", f, err)}
			}
		}
	}
	if d.Port == 0 {
		d.Port = DefaultPort
	}
	d.WorkingDir = path.Join(imageProductDir, d.OutputDir)
	d.WorkDir = workDir(p)
	d.DefinitionsFile = path.Join(d.WorkingDir, definitionsFile)
	if d.Preset != "" {
		found := false
		for i := range p.ResourcePresets {
			if p.ResourcePresets[i].Name == d.Preset {
				r := p.ResourcePresets[i].Resources
				d.Resources = &r
				found = true
			}
		}
		if !found {
			return d, &InputError{Err: fmt.Errorf("default resource preset %q is not among the resource presets %s",
				d.Preset, strings.Join(presetNames(p.ResourcePresets), ", "))}
		}
	}
	return d, nil
}

// outputDirInProject inverts gen.Options.ProjectDir for the cases floe produces: "" or "."
// (output written into the product directory) and "../.." (the default target/floe).
// Anything else cannot be inverted from a relative path alone and falls back to the
// default; the Dockerfile's FLOE_OUTPUT_DIR build argument and the chart's
// codeServer.workingDir let a platform team correct it.
func outputDirInProject(projectDir string) string {
	if path.Clean(projectDir) == "." {
		return "."
	}
	return defaultOutputDir
}

func chartName(product string) string { return "floe-" + product }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func presetNames(presets []schemas.NamedResourcePreset) []string {
	names := make([]string, 0, len(presets))
	for _, p := range presets {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// sortedKeyValues returns a sorted copy (by key, then value).
func sortedKeyValues(kvs []schemas.KeyValue) []schemas.KeyValue {
	out := append([]schemas.KeyValue(nil), kvs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// sortedSecretEnv returns a sorted copy (by Secret name, then variable, then key).
func sortedSecretEnv(secrets []schemas.SecretEnv) []schemas.SecretEnv {
	out := append([]schemas.SecretEnv(nil), secrets...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.SecretName != b.SecretName {
			return a.SecretName < b.SecretName
		}
		if a.Env != b.Env {
			return a.Env < b.Env
		}
		return a.SecretKey < b.SecretKey
	})
	return out
}

// workDir is the image directory of the product's DuckDB file (see deploymentPlan.WorkDir):
// the output of the profile named like the product (else the only profile), at its target.
func workDir(p *schemas.Product) string {
	if p.Artifacts == nil || p.Artifacts.DbtProfiles == nil {
		return defaultWorkDir
	}
	profiles := p.Artifacts.DbtProfiles
	entry, ok := profiles.Get(p.Name)
	if !ok && profiles.Len() == 1 {
		entry, ok = profiles.Items[0].Value, true
	}
	profile, isMap := entry.(*schemas.Map)
	if !ok || !isMap {
		return defaultWorkDir
	}
	target, _ := profile.Get("target")
	outputs, _ := profile.Get("outputs")
	outs, isMap := outputs.(*schemas.Map)
	name, isString := target.(string)
	if !isMap || !isString {
		return defaultWorkDir
	}
	out, _ := outs.Get(name)
	output, isMap := out.(*schemas.Map)
	if !isMap {
		return defaultWorkDir
	}
	typ, _ := output.Get("type")
	file, _ := output.Get("path")
	filePath, isString := file.(string)
	if typ != "duckdb" || !isString || filePath == "" || filePath == ":memory:" || len(p.Secrets.Spans(filePath)) > 0 {
		return defaultWorkDir
	}
	if !path.IsAbs(filePath) {
		filePath = path.Join(imageProductDir, filePath)
	}
	return path.Dir(path.Clean(filePath))
}
