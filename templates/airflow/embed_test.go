package airflowtmpl

import (
	"io/fs"
	"testing"
)

// TestEmbedKeepsUnderscoreFiles: without the all: prefix go:embed silently drops
// floe_airflow/__init__.py and __main__.py, and the package would neither import nor run.
func TestEmbedKeepsUnderscoreFiles(t *testing.T) {
	for _, name := range []string{"floe_airflow/__init__.py", "floe_airflow/__main__.py",
		"floe_airflow/dag.py", "floe_airflow/operator.py", "floe_airflow/steps.py"} {
		if _, err := fs.Stat(Package(), name); err != nil {
			t.Errorf("embedded package lacks %s: %v", name, err)
		}
	}
	if len(DAGTemplate()) == 0 || len(DockerfileTemplate()) == 0 || len(Requirements()) == 0 {
		t.Error("an embedded template is empty")
	}
}
