package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckIgnoresCompiledAt: right after a plain compile (no SOURCE_DATE_EPOCH, so
// compiled_at is the clock's), --check finds the output up to date, as the up-to-date
// check does, with and without the packaged chart (whose archive carries the time
// too); a real change is still reported, and compiled_at is not among its lines.
func TestCheckIgnoresCompiledAt(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	dir := t.TempDir()
	prod := filepath.Join(dir, "vault")
	if err := os.MkdirAll(prod, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := strings.ReplaceAll(strings.ReplaceAll(secretsSpec, "MK", "XX"), "platform: {manifest: manifest.yaml}\n", "")
	m := "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: p, version: 1.0.0, owner: me}\n" +
		"plugins:\n  compute: {type: duckdb, config: {path: target/x.duckdb}}\n  orchestrator: {type: dagster}\n"
	for name, text := range map[string]string{"floe.yaml": spec, "manifest.yaml": m} {
		if err := os.WriteFile(filepath.Join(prod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mf := filepath.Join(prod, "manifest.yaml")
	for _, cmd := range []string{"compile", "package"} {
		out := filepath.Join(dir, cmd)
		if code, text := runMain(t, cmd, prod, "--manifest", mf, "-o", out); code != 0 {
			t.Fatalf("%s: exit %d\n%s", cmd, code, text)
		}
		time.Sleep(1100 * time.Millisecond) // the clock moves on: a second compile has another compiled_at
		if code, text := runMain(t, cmd, prod, "--manifest", mf, "-o", out, "--check"); code != 0 || !strings.Contains(text, "is up to date") {
			t.Errorf("%s --check right after %s: exit %d\n%s", cmd, cmd, code, text)
		}
	}
	if err := os.WriteFile(filepath.Join(prod, "floe.yaml"), []byte(strings.Replace(spec, "version: 1.0.0", "version: 1.0.1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, text := runMain(t, "compile", prod, "--manifest", mf, "-o", filepath.Join(dir, "compile"), "--check")
	if code != 1 || !strings.Contains(text, `"product_version": "1.0.1"`) {
		t.Errorf("--check after a change: exit %d, want 1 and the changed line\n%s", code, text)
	}
	if strings.Contains(text, "compiled_at") {
		t.Errorf("--check reports compiled_at:\n%s", text)
	}
}
