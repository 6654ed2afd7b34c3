package helmchart

import (
	"io/fs"
	"testing"
)

// TestEmbedKeepsUnderscoreFiles: without the all: prefix go:embed silently drops
// templates/_helpers.tpl and .helmignore, and the chart would fail to render.
func TestEmbedKeepsUnderscoreFiles(t *testing.T) {
	for _, name := range []string{"templates/_helpers.tpl", ".helmignore", "values.schema.json",
		"templates/deployment.yaml", "values-dev.yaml", "values-staging.yaml", "values-prod.yaml"} {
		if _, err := fs.Stat(Chart(), name); err != nil {
			t.Errorf("embedded chart lacks %s: %v", name, err)
		}
	}
	if len(ChartYAMLTemplate()) == 0 || len(DockerfileTemplate()) == 0 ||
		len(RuntimeRequirements()) == 0 || len(KubernetesRequirements()) == 0 {
		t.Error("an embedded template is empty")
	}
}
