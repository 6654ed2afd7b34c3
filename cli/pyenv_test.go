package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func touch(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestFindRuntime: $FLOE_VENV first, then the .venv of a floe checkout holding the
// product, then the per-user cache ($FLOE_CACHE_DIR, else $XDG_CACHE_HOME on Linux),
// named after the pins.
func TestFindRuntime(t *testing.T) {
	dir := t.TempDir()
	venv := filepath.Join(dir, "myvenv")
	touch(t, venvBin(venv, "python"), "")
	e, _, _ := testEnv(map[string]string{"FLOE_VENV": venv})
	r, ready, _, err := findRuntime(e, filepath.Join(dir, "p", "floe.yaml"))
	if err != nil || !ready || r.origin != "FLOE_VENV" || r.dir != venv {
		t.Errorf("FLOE_VENV: %+v ready=%v err=%v", r, ready, err)
	}

	checkout := filepath.Join(dir, "floe")
	touch(t, filepath.Join(checkout, "go.mod"), "module github.com/floe-dev/floe\n\ngo 1.26\n")
	touch(t, filepath.Join(checkout, "scripts", "python-env.sh"), "")
	touch(t, filepath.Join(checkout, "requirements-runtime.txt"), "")
	e, _, _ = testEnv(map[string]string{"FLOE_CACHE_DIR": filepath.Join(dir, "cache")})
	r, ready, root, err := findRuntime(e, filepath.Join(checkout, "examples", "x", "floe.yaml"))
	if err != nil || r.origin != "checkout" || r.dir != filepath.Join(checkout, ".venv") || root != checkout || ready {
		t.Errorf("checkout: %+v ready=%v root=%s err=%v", r, ready, root, err)
	}
	// Another module's checkout is not floe's.
	other := filepath.Join(dir, "other")
	touch(t, filepath.Join(other, "go.mod"), "module example.com/floe-dev/floe\n")
	touch(t, filepath.Join(other, "scripts", "python-env.sh"), "")
	touch(t, filepath.Join(other, "requirements-runtime.txt"), "")
	e.getwd = func() (string, error) { return other, nil } // not in this checkout either
	r, _, _, err = findRuntime(e, filepath.Join(other, "p", "floe.yaml"))
	want := filepath.Join(dir, "cache", "floe", "runtime-"+requirementsHash()[:12])
	if err != nil || r.origin != "cache" || r.dir != want {
		t.Errorf("cache: %+v err=%v, want %s", r, err, want)
	}
	if runtime.GOOS == "linux" {
		e, _, _ = testEnv(map[string]string{"XDG_CACHE_HOME": filepath.Join(dir, "xdg"), "HOME": filepath.Join(dir, "home")})
		e.getwd = func() (string, error) { return other, nil }
		r, _, _, _ = findRuntime(e, filepath.Join(other, "p", "floe.yaml"))
		if !strings.HasPrefix(r.dir, filepath.Join(dir, "xdg", "floe")+string(filepath.Separator)) {
			t.Errorf("XDG_CACHE_HOME not used: %s", r.dir)
		}
	}
	// FLOE_VENV without an interpreter is an error, not a silent fallback.
	e, _, _ = testEnv(map[string]string{"FLOE_VENV": filepath.Join(dir, "nothing")})
	if _, _, _, err := findRuntime(e, "floe.yaml"); err == nil || !strings.Contains(err.Error(), "has no") {
		t.Errorf("FLOE_VENV without python: %v", err)
	}
}

// TestCacheInstallKeepsForeignFiles: the cache path holding something floe did not
// start (no marker) is refused and left alone; an install floe started and did not
// finish (marker, no stamp) is removed and started again.
func TestCacheInstallKeepsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	e, _, _ := testEnv(map[string]string{"FLOE_PYTHON": filepath.Join(dir, "no-python")})
	r := pyRuntime{dir: filepath.Join(dir, "runtime-x"), origin: "cache"}
	touch(t, filepath.Join(r.dir, "notes.txt"), "mine")
	err := installCacheRuntime(context.Background(), e, r, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is not floe's") {
		t.Fatalf("foreign directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "notes.txt")); err != nil {
		t.Fatalf("floe removed a file it did not write: %v", err)
	}

	touch(t, filepath.Join(r.dir, cacheMarker), "")
	err = installCacheRuntime(context.Background(), e, r, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no-python") {
		t.Fatalf("interrupted install: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "notes.txt")); !os.IsNotExist(err) {
		t.Errorf("the interrupted install was not cleared: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, cacheMarker)); err != nil {
		t.Errorf("the new install has no marker: %v", err)
	}
}
