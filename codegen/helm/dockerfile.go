package helm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	helmchart "github.com/floe-dev/floe/templates/helm"
)

// PythonImage is the pinned base image of the code-location image: the Python the runtime's
// requirements are frozen for (3.11), on a slim Debian release.
const PythonImage = "python:3.11.7-slim-bookworm"

// ImageRequirementsFile is the pinned requirements file the Dockerfile installs, written
// beside it in the output directory.
const ImageRequirementsFile = "image-requirements.txt"

// dockerfileView is what Dockerfile.tmpl is filled with. Every string that came from the
// user is already quoted for the place it goes to (see dockerfile): the template only
// pastes them.
type dockerfileView struct {
	Product, Version, FloeVersion string
	// BuildCommand is the `docker build` command line of the header comment, shell-quoted.
	BuildCommand string
	// OutputDirShell is the output directory, shell-quoted, for the header comment.
	OutputDirShell string
	// OutputDirArg is the default of the FLOE_OUTPUT_DIR build argument as a Dockerfile word.
	OutputDirArg string
	PythonImage  string
	ProductDir   string
	Port, UID    int
	// Cmd is the exec-form (JSON array) command of the code server.
	Cmd              string
	RequirementsFile string
	// WorkDir is the DuckDB work directory the image creates, shell-quoted.
	WorkDir string
	// ArtifactsFile is ImageArtifactsFile; BuildSecrets is BuildSecretEnv's prefix.
	ArtifactsFile, BuildSecrets string
}

// dockerfileTemplate is parsed once, on first use.
var dockerfileTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("Dockerfile").
		Option("missingkey=error").
		Parse(string(helmchart.DockerfileTemplate())))
})

// pinnedRequirement is one "name[extras]==version" line; anything looser is refused, since
// the image must be reproducible.
var pinnedRequirement = lazy.Regexp(`^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+$`)

// nameSeparators are the runs PEP 503 normalizes to "-" in package names.
var nameSeparators = lazy.Regexp(`[-_.]+`)

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
		m := pinnedRequirement().FindStringSubmatch(line)
		if m == nil {
			return fmt.Errorf("%s:%d: %q is not an exact pin (name==version)", file, n, line)
		}
		// PEP 503: case and runs of -_. do not matter.
		name := nameSeparators().ReplaceAllString(strings.ToLower(m[1]), "-")
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
//
// Only the output directory is free text here (it comes from -o); the product name and
// version are held to patterns by the schema and the image reference by k8scheck. Each
// value is still checked and quoted for its place: comments and instructions end at a
// line break, so no value may hold one; the FLOE_OUTPUT_DIR default is one single-quoted
// word (no variable expansion inside); the command is a JSON array. An output directory
// that cannot be written faithfully is refused (checkImagePath) before this runs.
func dockerfile(p *schemas.Product, d deploymentPlan) ([]byte, error) {
	for _, v := range []string{p.Name, p.Version, p.FloeVersion, d.ImageRepository, d.ImageTag} {
		if err := checkDockerfileText(v); err != nil {
			return nil, fmt.Errorf("Dockerfile: %q: %w", v, err)
		}
	}
	if err := checkImagePath(d.OutputDir); err != nil {
		return nil, &gen.OptionError{Option: "the output directory (relative to the product directory)", Value: d.OutputDir, Err: err}
	}
	if err := checkDockerfileText(d.WorkDir); err != nil {
		// The compiler refuses such a DuckDB path at its line; this is a second guard.
		return nil, fmt.Errorf("Dockerfile: the DuckDB directory %q: %w", d.WorkDir, err)
	}
	cmd, err := jsonArray([]string{"dagster", "api", "grpc", "--host", "0.0.0.0", "--port", strconv.Itoa(d.Port),
		"--python-file", d.DefinitionsFile, "--working-directory", d.WorkingDir})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = dockerfileTemplate().Execute(&buf, dockerfileView{
		Product: p.Name, Version: p.Version, FloeVersion: p.FloeVersion,
		BuildCommand: strings.Join([]string{"docker", "build", "-f", shellWord(path.Join(d.OutputDir, "Dockerfile")),
			"-t", shellWord(d.ImageRepository + ":" + d.ImageTag), "."}, " "),
		OutputDirShell: shellWord(d.OutputDir),
		OutputDirArg:   shellWord(d.OutputDir),
		PythonImage:    PythonImage,
		ProductDir:     imageProductDir,
		Port:           d.Port, UID: imageUID,
		Cmd:              cmd,
		RequirementsFile: ImageRequirementsFile,
		WorkDir:          shellWord(d.WorkDir),
		ArtifactsFile:    ImageArtifactsFile,
		BuildSecrets:     BuildSecretEnv(p),
	})
	if err != nil {
		return nil, fmt.Errorf("fill Dockerfile: %w", err)
	}
	return buf.Bytes(), nil
}

// checkDockerfileText refuses text that would end a Dockerfile line or comment early or
// that a reader cannot see: control characters (line feed, carriage return, NUL, DEL, the
// C1 controls including NEL), the Unicode line and paragraph separators, invalid UTF-8.
func checkDockerfileText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("contains the control character %U, which a Dockerfile cannot hold", r)
		}
	}
	return nil
}

// checkImagePath refuses an output directory the image build cannot name exactly: text
// checkDockerfileText refuses; the wildcard characters * ? [ and the escape \, which
// COPY and .dockerignore read as patterns; and leading or trailing white space, which
// .dockerignore trims.
func checkImagePath(dir string) error {
	if err := checkDockerfileText(dir); err != nil {
		return err
	}
	if i := strings.IndexAny(dir, `*?[\`); i >= 0 {
		return fmt.Errorf("contains %q, which the Dockerfile's COPY and .dockerignore read as a pattern", dir[i])
	}
	if strings.TrimSpace(dir) != dir {
		return errors.New("starts or ends with white space, which .dockerignore trims")
	}
	if strings.HasPrefix(dir, "!") {
		return errors.New(`starts with "!", which .dockerignore reads as "keep"`)
	}
	return nil
}

// checkIgnoreName refuses a file name a .dockerignore line cannot name exactly, as
// checkImagePath does (a pattern character, surrounding white space, a control character).
func checkIgnoreName(name string) error {
	if err := checkImagePath(name); err != nil {
		return err
	}
	if strings.Contains(name, "]") {
		return errors.New(`contains "]", which .dockerignore reads as a pattern`)
	}
	return nil
}

// ignoreLiteral is the .dockerignore line that matches exactly the product-relative file
// name (checked by checkIgnoreName): rooted, so that a name starting with # is a path
// too (the reader strips the leading /).
func ignoreLiteral(name string) string { return "/" + name }

// shellWord is s as one word to a POSIX shell and to the Dockerfile's own word splitting
// and variable expansion (ARG): as it is when it holds only characters neither treats
// specially, else between single quotes, each quote inside written as quote, backslash,
// quote, quote (close, escaped quote, reopen). Inside single quotes neither expands $ or
// \. s must have passed checkDockerfileText: a line break cannot be quoted in a Dockerfile.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, shellSafe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellSafe are the characters a shell word may hold unquoted.
const shellSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-"

// jsonArray is items as a JSON array on one line (`["a", "b"]`), the exec form of CMD.
func jsonArray(items []string) (string, error) {
	quoted := make([]string, len(items))
	for i, it := range items {
		s, err := jsonString(it)
		if err != nil {
			return "", err
		}
		quoted[i] = s
	}
	return "[" + strings.Join(quoted, ", ") + "]", nil
}

// dockerignore is Dockerfile.dockerignore, which BuildKit applies to a build using the
// Dockerfile beside it: it keeps local environments, caches, logs and dbt's own target
// directory out of the image, but keeps floe's generated output except the verbatim
// compiled_artifacts.json (see ImageArtifactsFile).
func dockerignore(d deploymentPlan) []byte {
	var b strings.Builder
	b.WriteString(generatedHeader)
	b.WriteString("# Read by BuildKit for builds with the Dockerfile beside it.\n")
	for _, p := range []string{".git", "**/.venv", "**/__pycache__", "**/*.pyc", "**/.pytest_cache", "logs", "target"} {
		b.WriteString(p + "\n")
	}
	// Local environment files hold developers' credentials (direnv, docker compose,
	// python-dotenv); the image gets its environment from the chart's Secrets.
	b.WriteString("# Local credentials; the image's come from Kubernetes Secrets.\n**/.env\n**/.env.*\n")
	if d.OutputDir != "." {
		b.WriteString("!" + d.OutputDir + "\n")
	}
	// The verbatim artifacts hold the manifest's literal secrets: never in an image (the
	// Dockerfile copies ImageArtifactsFile, the redacted ones, in their place). Nor
	// floe.yaml and the manifests, which may hold them too and which the image does not
	// read. A leading / keeps a name starting with # or ! a path (ignorefile strips it).
	b.WriteString("# Hold the manifest's literal secrets; the image has the redacted " + ImageArtifactsFile + ".\n")
	b.WriteString(ignoreLiteral(path.Join(d.OutputDir, "compiled_artifacts.json")) + "\n")
	for _, f := range d.Exclude {
		b.WriteString(ignoreLiteral(f) + "\n")
	}
	return []byte(b.String())
}
