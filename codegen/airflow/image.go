package airflow

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/codegen/helm"
	"github.com/floe-dev/floe/schemas"
	airflowtmpl "github.com/floe-dev/floe/templates/airflow"
)

// BaseImage is the official Airflow image the product's image starts from: the Airflow
// and Python versions requirements-airflow.txt is frozen for.
const BaseImage = "apache/airflow:" + AirflowVersion + "-python3.11"

// dockerfileView is what Dockerfile.tmpl is filled with; every value is already checked
// and quoted for its place (helm.CheckDockerfileText, helm.ShellWord).
type dockerfileView struct {
	Product, Version, FloeVersion string
	BuildCommand                  string
	ValuesFile                    string
	OutputDirShell, OutputDirArg  string
	BaseImage                     string
	ProductDir, WorkDir           string
	UID                           int
	RequirementsFile              string
	// ArtifactsFile is helm.ImageArtifactsFile; BuildSecrets is helm.BuildSecretEnv's prefix.
	ArtifactsFile, BuildSecrets string
}

var dockerfileTemplate = template.Must(template.New("Dockerfile").
	Option("missingkey=error").
	Parse(string(airflowtmpl.DockerfileTemplate())))

// kubernetesFiles are the official chart's values and, with opts.Chart, the image's
// Dockerfile, its .dockerignore and the pinned requirements it installs.
func kubernetesFiles(p *schemas.Product, opts gen.Options) ([]gen.File, error) {
	img, err := helm.PlanImage(p, opts)
	if err != nil {
		return nil, err
	}
	values, err := chartValues(p, img)
	if err != nil {
		return nil, fmt.Errorf("generate airflow: %s: %w", ValuesFile, err)
	}
	data, err := valuesYAML(p, values)
	if err != nil {
		return nil, fmt.Errorf("generate airflow: %w", err)
	}
	files := []gen.File{{Path: ValuesFile, Data: data}}
	if !opts.Chart {
		return files, nil
	}
	df, err := dockerfile(p, img)
	if err != nil {
		return nil, fmt.Errorf("generate airflow: %w", err)
	}
	reqs, err := imageRequirements()
	if err != nil {
		return nil, fmt.Errorf("generate airflow: %w", err)
	}
	arts, err := helm.ImageArtifacts(p)
	if err != nil {
		return nil, fmt.Errorf("generate airflow: %w", err)
	}
	return append(files,
		gen.File{Path: "Dockerfile", Data: df},
		arts,
		gen.File{Path: "Dockerfile.dockerignore", Data: helm.DockerIgnore(img.OutputDir, img.Exclude)},
		gen.File{Path: ImageRequirementsFile, Data: reqs},
	), nil
}

// dockerfile renders the Airflow image's Dockerfile. The product name and version are
// held to patterns by the schema and the image reference by the Kubernetes checks; each
// value is still checked for its place, and the output directory was checked by
// helm.PlanImage (it is the one free text here, from -o).
func dockerfile(p *schemas.Product, img helm.ImagePlan) ([]byte, error) {
	for _, v := range []string{p.Name, p.Version, p.FloeVersion, img.Repository, img.Tag, img.OutputDir, img.WorkDir} {
		if err := helm.CheckDockerfileText(v); err != nil {
			return nil, fmt.Errorf("Dockerfile: %q: %w", v, err)
		}
	}
	var buf bytes.Buffer
	err := dockerfileTemplate.Execute(&buf, dockerfileView{
		Product: p.Name, Version: p.Version, FloeVersion: floeVersion(p),
		BuildCommand: strings.Join([]string{"docker", "build", "-f", helm.ShellWord(path.Join(img.OutputDir, "Dockerfile")),
			"-t", helm.ShellWord(img.Repository + ":" + img.Tag), "."}, " "),
		ValuesFile:       path.Join(img.OutputDir, ValuesFile),
		OutputDirShell:   helm.ShellWord(img.OutputDir),
		OutputDirArg:     helm.ShellWord(img.OutputDir),
		BaseImage:        BaseImage,
		ProductDir:       img.ProductDir,
		WorkDir:          helm.ShellWord(img.WorkDir),
		UID:              imageAirflowUID,
		RequirementsFile: ImageRequirementsFile,
		ArtifactsFile:    helm.ImageArtifactsFile,
		BuildSecrets:     helm.BuildSecretEnv(p),
	})
	if err != nil {
		return nil, fmt.Errorf("fill Dockerfile: %w", err)
	}
	return buf.Bytes(), nil
}

// pinned is one "name[extras]==version" line; anything looser is refused, since the image
// must be reproducible.
var pinned = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+$`)

// imageRequirements is requirements-airflow.txt with a generated header, every line
// checked to be an exact pin.
func imageRequirements() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	b.WriteString("# Every package of the Airflow image, pinned (pip install --no-deps): floe's\n" +
		"# requirements-airflow.txt, Airflow " + AirflowVersion + " and its providers among them.\n")
	sc := bufio.NewScanner(bytes.NewReader(airflowtmpl.Requirements()))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !pinned.MatchString(line) {
			return nil, fmt.Errorf("requirements-airflow.txt:%d: %q is not an exact pin (name==version)", n, line)
		}
		b.WriteString(line + "\n")
	}
	return b.Bytes(), sc.Err()
}
