package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMovedOutputIsNotUpToDate: the output's location is part of what it was made
// from (definitions.py's project_dir, the Dockerfile's ARG and CMD name it), so an
// output moved elsewhere is rewritten there, not reported "up to date" with the old
// location inside (found by the red-team review: package p; mv p/target/floe p/out;
// package p -o p/out).
func TestMovedOutputIsNotUpToDate(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	if code, out := runMain(t, "package", prod); code != 0 {
		t.Fatalf("package: exit %d\n%s", code, out)
	}
	moved := filepath.Join(prod, "out")
	if err := os.Rename(filepath.Join(prod, "target", "floe"), moved); err != nil {
		t.Fatal(err)
	}
	code, out := runMain(t, "package", prod, "-o", moved)
	if code != 0 || strings.Contains(out, "up to date") {
		t.Fatalf("package -o the moved output: exit %d, want a fresh compile\n%s", code, out)
	}
	if b := mustRead(t, filepath.Join(moved, "Dockerfile")); !strings.Contains(b, "ARG FLOE_OUTPUT_DIR=out\n") {
		t.Errorf("the Dockerfile does not name the new location:\n%s", b)
	}
	if b := mustRead(t, filepath.Join(moved, "definitions.py")); !strings.Contains(b, `project_dir=".."`) {
		t.Errorf("definitions.py's project_dir is not the product directory seen from the new location:\n%s", b)
	}
	if code, out := runMain(t, "package", prod, "-o", moved); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("a second run at the new place: exit %d, want up to date\n%s", code, out)
	}
}
