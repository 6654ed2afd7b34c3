// Package floe_test holds repository-wide tests.
package floe_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportLayering keeps the import direction cmd → cli → {compiler, codegen} →
// schemas: codegen never imports compiler, YAML parsing or cobra; compiler never
// imports Helm, text/template or codegen; schemas and diag import nothing of floe's
// above them.
func TestImportLayering(t *testing.T) {
	const mod = "github.com/floe-dev/floe/"
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"./codegen/...", []string{mod + "compiler", mod + "cli", "github.com/spf13/cobra"}},
		{"./compiler/...", []string{mod + "codegen", mod + "cli", "helm.sh/helm/v3", "text/template", "github.com/spf13/cobra"}},
		{"./schemas/...", []string{mod + "compiler", mod + "codegen", mod + "cli", mod + "diag"}},
		{"./diag/...", []string{mod + "compiler", mod + "codegen", mod + "cli", mod + "schemas"}},
		{"./templates/...", []string{mod + "compiler", mod + "cli"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", r.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", r.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if dep == strings.TrimSuffix(f, "/") || strings.HasPrefix(dep, f+"/") || dep == f {
					t.Errorf("%s depends on %s", r.pkg, dep)
				}
			}
		}
	}
	out, err := exec.Command("go", "list", "-deps", "./cli").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), mod+"cmd/") {
		t.Errorf("cli imports cmd")
	}
}
