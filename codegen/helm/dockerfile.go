package helm

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/floe-dev/floe/schemas"
	helmchart "github.com/floe-dev/floe/templates/helm"
)

// PythonImage is the pinned base image of the code-location image: the Python the runtime
// is tested with, on a slim Debian release.
const PythonImage = "python:3.11.7-slim-bookworm"

// dockerfileView is what Dockerfile.tmpl is filled with.
type dockerfileView struct {
	Product, Version, FloeVersion string
	ImageRepository, ImageTag     string
	PythonImage                   string
	OutputDir                     string
	ProductDir                    string
	WorkingDir, DefinitionsFile   string
	Port, UID                     int
	Requirements                  []string
}

var dockerfileTemplate = template.Must(template.New("Dockerfile").
	Option("missingkey=error").
	Funcs(template.FuncMap{"sh": shellQuote}).
	Parse(string(helmchart.DockerfileTemplate())))

// pinnedRequirement is one "name[extras]==version" line; anything looser is refused, since
// the image must be reproducible.
var pinnedRequirement = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+$`)

// runtimeRequirements parses the embedded requirements file: comments and blank lines are
// skipped, every other line must be an exact pin. Order is kept (it is the file's order).
func runtimeRequirements() ([]string, error) {
	var reqs []string
	sc := bufio.NewScanner(bytes.NewReader(helmchart.RuntimeRequirements()))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !pinnedRequirement.MatchString(line) {
			return nil, fmt.Errorf("requirements-runtime.txt:%d: %q is not an exact pin (name==version)", n, line)
		}
		reqs = append(reqs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read requirements-runtime.txt: %w", err)
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("requirements-runtime.txt lists no packages")
	}
	return reqs, nil
}

// dockerfile renders the product's code-location Dockerfile.
func dockerfile(p *schemas.Product, d deploymentPlan) ([]byte, error) {
	reqs, err := runtimeRequirements()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = dockerfileTemplate.Execute(&buf, dockerfileView{
		Product: p.Name, Version: p.Version, FloeVersion: p.FloeVersion,
		ImageRepository: d.ImageRepository, ImageTag: d.ImageTag,
		PythonImage: PythonImage,
		OutputDir:   d.OutputDir, ProductDir: imageProductDir,
		WorkingDir: d.WorkingDir, DefinitionsFile: d.DefinitionsFile,
		Port: d.Port, UID: imageUID,
		Requirements: reqs,
	})
	if err != nil {
		return nil, fmt.Errorf("fill Dockerfile: %w", err)
	}
	return buf.Bytes(), nil
}

// shellQuote quotes s for a POSIX shell (single quotes; a ' becomes '\”).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
