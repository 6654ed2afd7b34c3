package helm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	helmchart "github.com/floe-dev/floe/templates/helm"
)

// TestRuntimeRequirementsInSync: the embedded copy equals the repository root's
// requirements-runtime.txt (what the runtime's end-to-end tests install).
func TestRuntimeRequirementsInSync(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("..", "..", "requirements-runtime.txt"))
	if err != nil {
		t.Skipf("no root requirements-runtime.txt: %v", err)
	}
	if !bytes.Equal(root, helmchart.RuntimeRequirements()) {
		t.Fatal("templates/helm/requirements-runtime.txt differs from the root requirements-runtime.txt;" +
			" copy it (cp requirements-runtime.txt templates/helm/) and re-resolve requirements-kubernetes.txt")
	}
}

// TestDockerfile: pinned base image, non-root user, every requirement an exact pin including
// the Kubernetes extras, and the same entry point the chart values use.
func TestDockerfile(t *testing.T) {
	files := generateFiles(t, customer360(), chartOptions())
	df := string(files["Dockerfile"])
	for _, want := range []string{
		"FROM " + PythonImage + "\n",
		"USER 10001:10001\n",
		"COPY ${FLOE_OUTPUT_DIR}/image-requirements.txt /tmp/image-requirements.txt\n",
		"pip install --no-cache-dir --no-deps -r /tmp/image-requirements.txt",
		"pip check",
		`"--python-file", "/opt/floe/product/target/floe/definitions.py"`,
		"EXPOSE 3030\n",
		"RUN python -m floe_runtime prepare .\n",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !strings.HasPrefix(df, generatedHeader) {
		t.Error("Dockerfile lacks the generated-file header")
	}
	reqs := string(files[ImageRequirementsFile])
	for _, want := range []string{"\ndagster==1.13.2\n", "\ndagster-k8s==0.29.2\n", "\ndagster-postgres==0.29.2\n", "\ndbt-duckdb=="} {
		if !strings.Contains(reqs, want) {
			t.Errorf("image requirements lack %q", want)
		}
	}
	pins := map[string]string{}
	if err := parseRequirements(ImageRequirementsFile, []byte(reqs), pins); err != nil {
		t.Fatal(err)
	}
	if len(pins) < 100 {
		t.Errorf("only %d pinned packages", len(pins))
	}
	if err := parseRequirements("x", []byte("dagster>=1.13\n"), map[string]string{}); err == nil {
		t.Error("a range was accepted as a pin")
	}
	if err := parseRequirements("x", []byte("dagster==1.13.2\nDagster==1.13.3\n"), map[string]string{}); err == nil {
		t.Error("conflicting pins were accepted")
	}
	golden(t, "files/"+ImageRequirementsFile, files[ImageRequirementsFile])
}
