package helm

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/floe-dev/floe/schemas"
	helmchart "github.com/floe-dev/floe/templates/helm"
)

// PythonImage is the pinned base image of the code-location image: the Python the runtime's
// requirements are frozen for (3.11), on a slim Debian release.
const PythonImage = "python:3.11.7-slim-bookworm"

// ImageRequirementsFile is the pinned requirements file the Dockerfile installs, written
// beside it in the output directory.
const ImageRequirementsFile = "image-requirements.txt"

// dockerfileView is what Dockerfile.tmpl is filled with.
type dockerfileView struct {
	Product, Version, FloeVersion string
	ImageRepository, ImageTag     string
	PythonImage                   string
	OutputDir                     string
	ProductDir                    string
	WorkingDir, DefinitionsFile   string
	Port, UID                     int
	RequirementsFile              string
	WorkDir                       string
}

// plainDir is a directory the Dockerfile may name unquoted in a RUN command.
var plainDir = regexp.MustCompile(`^/[A-Za-z0-9._/-]*$`)

var dockerfileTemplate = template.Must(template.New("Dockerfile").
	Option("missingkey=error").
	Parse(string(helmchart.DockerfileTemplate())))

// pinnedRequirement is one "name[extras]==version" line; anything looser is refused, since
// the image must be reproducible.
var pinnedRequirement = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+$`)

// nameSeparators are the runs PEP 503 normalizes to "-" in package names.
var nameSeparators = regexp.MustCompile(`[-_.]+`)

// parseRequirements reads exact pins from a requirements file: comments and blank lines are
// skipped, every other line must be name==version. It returns the lines by normalized name.
func parseRequirements(file string, data []byte, into map[string]string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := pinnedRequirement.FindStringSubmatch(line)
		if m == nil {
			return fmt.Errorf("%s:%d: %q is not an exact pin (name==version)", file, n, line)
		}
		// PEP 503: case and runs of -_. do not matter.
		name := nameSeparators.ReplaceAllString(strings.ToLower(m[1]), "-")
		if prev, dup := into[name]; dup && prev != line {
			return fmt.Errorf("%s:%d: %q conflicts with %q", file, n, line, prev)
		}
		into[name] = line
	}
	return sc.Err()
}

// imageRequirements merges the runtime and Kubernetes pins into one sorted file.
func imageRequirements() ([]byte, error) {
	pins := map[string]string{}
	if err := parseRequirements("requirements-runtime.txt", helmchart.RuntimeRequirements(), pins); err != nil {
		return nil, err
	}
	if err := parseRequirements("requirements-kubernetes.txt", helmchart.KubernetesRequirements(), pins); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pins))
	for n := range pins {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	b.WriteString("# Every package of the code-location image, pinned (pip install --no-deps): floe's\n" +
		"# requirements-runtime.txt plus dagster-k8s, dagster-postgres and their dependencies.\n")
	for _, n := range names {
		b.WriteString(pins[n] + "\n")
	}
	return b.Bytes(), nil
}

// dockerfile renders the product's code-location Dockerfile.
func dockerfile(p *schemas.Product, d deploymentPlan) ([]byte, error) {
	if !plainDir.MatchString(d.WorkDir) {
		return nil, &InputError{Err: fmt.Errorf("the DuckDB file's directory %q (plugins.compute.config.path) "+
			"cannot be created in the image: use letters, digits, '.', '_', '-' and '/'", d.WorkDir)}
	}
	var buf bytes.Buffer
	err := dockerfileTemplate.Execute(&buf, dockerfileView{
		Product: p.Name, Version: p.Version, FloeVersion: p.FloeVersion,
		ImageRepository: d.ImageRepository, ImageTag: d.ImageTag,
		PythonImage: PythonImage,
		OutputDir:   d.OutputDir, ProductDir: imageProductDir,
		WorkingDir: d.WorkingDir, DefinitionsFile: d.DefinitionsFile,
		Port: d.Port, UID: imageUID,
		RequirementsFile: ImageRequirementsFile,
		WorkDir:          d.WorkDir,
	})
	if err != nil {
		return nil, fmt.Errorf("fill Dockerfile: %w", err)
	}
	return buf.Bytes(), nil
}

// dockerignore is Dockerfile.dockerignore, which BuildKit applies to a build using the
// Dockerfile beside it: it keeps local environments, caches, logs and dbt's own target
// directory out of the image, but keeps floe's generated output.
func dockerignore(d deploymentPlan) []byte {
	var b strings.Builder
	b.WriteString(generatedHeader)
	b.WriteString("# Read by BuildKit for builds with the Dockerfile beside it.\n")
	for _, p := range []string{".git", "**/.venv", "**/__pycache__", "**/*.pyc", "**/.pytest_cache", "logs", "target"} {
		b.WriteString(p + "\n")
	}
	if d.OutputDir != "." {
		b.WriteString("!" + d.OutputDir + "\n")
	}
	return []byte(b.String())
}
