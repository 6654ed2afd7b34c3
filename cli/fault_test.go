package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/floe-dev/floe/internal/synth"
)

// buildFloe compiles the floe binary once per test binary run.
func buildFloe(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "floe")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/floe").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// synthProduct writes a synthetic product with n transforms and the given version.
func synthProduct(t *testing.T, dir string, n int, version string) {
	t.Helper()
	spec := strings.Replace(string(synth.Spec(n)), "version: 1.0.0", "version: "+version, 1)
	for name, b := range map[string]string{"floe.yaml": spec, "domain.yaml": synth.Domain, "enterprise.yaml": synth.Enterprise} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tree hashes every file under dir (nil when dir does not exist). The stamp's key is
// left out: it names the output location, and reference trees are written elsewhere.
// stampHash hashes a stamp without its key (the key names the output's location).
func stampHash(b []byte) string {
	var st stamp
	if json.Unmarshal(b, &st) == nil {
		st.Key = ""
		b, _ = json.Marshal(st)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == stampFile {
			out[rel] = stampHash(b)
			return nil
		}
		h := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func compileTo(t *testing.T, bin, product, out string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "compile", product, "-o", out)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	return cmd
}

// TestKilledCompileKeepsACompleteTree kills `floe compile` at random points, many
// times: the output directory is always exactly the previous tree or the new one.
func TestKilledCompileKeepsACompleteTree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it many times")
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		// Elsewhere the swap is a rename with a backup: a kill between its two renames
		// leaves no output directory until the next run writes one.
		t.Skip("needs an atomic directory exchange (Linux, macOS)")
	}
	bin := buildFloe(t)
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	synthProduct(t, a, 2000, "1.0.0")
	synthProduct(t, b, 2000, "2.0.0")
	out := filepath.Join(root, "out")
	for _, p := range []struct{ src, dst string }{{b, filepath.Join(root, "ref-b")}, {a, out}} {
		if o, err := compileTo(t, bin, p.src, p.dst).CombinedOutput(); err != nil {
			t.Fatalf("compile: %v\n%s", err, o)
		}
	}
	treeA, treeB := tree(t, out), tree(t, filepath.Join(root, "ref-b"))
	if sameTree(treeA, treeB) {
		t.Fatal("the two products must differ")
	}
	start := time.Now()
	if o, err := compileTo(t, bin, b, filepath.Join(root, "timing")).CombinedOutput(); err != nil {
		t.Fatalf("compile: %v\n%s", err, o)
	}
	full := time.Since(start)
	kills, sawNew := 0, 0
	for i := range 40 {
		cmd := compileTo(t, bin, b, out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(full)*13/10 + 1)))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		kills++
		got := tree(t, out)
		switch {
		case sameTree(got, treeA):
		case sameTree(got, treeB):
			sawNew++
			if o, err := compileTo(t, bin, a, out).CombinedOutput(); err != nil {
				t.Fatalf("restore: %v\n%s", err, o)
			}
		default:
			t.Fatalf("kill %d: output is neither the old nor the new tree (%d files)", i, len(got))
		}
	}
	t.Logf("%d kills, %d ended with the new tree, %d with the old", kills, sawNew, kills-sawNew)
	leftovers, _ := filepath.Glob(filepath.Join(root, ".out.tmp-*"))
	if o, err := compileTo(t, bin, a, out).CombinedOutput(); err != nil {
		t.Fatalf("compile after kills: %v\n%s", err, o)
	}
	after, _ := filepath.Glob(filepath.Join(root, ".out.tmp-*"))
	if len(after) != 0 {
		t.Errorf("temporary trees left after a clean run: %v (before: %d)", after, len(leftovers))
	}
}

// TestConcurrentCompiles runs two compiles of different products into one output
// directory at once: the result is always one complete tree, never a mix.
func TestConcurrentCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it many times")
	}
	bin := buildFloe(t)
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	synthProduct(t, a, 1000, "1.0.0")
	synthProduct(t, b, 1000, "2.0.0")
	refA, refB := filepath.Join(root, "ref-a"), filepath.Join(root, "ref-b")
	for _, p := range []struct{ src, dst string }{{a, refA}, {b, refB}} {
		if o, err := compileTo(t, bin, p.src, p.dst).CombinedOutput(); err != nil {
			t.Fatalf("compile: %v\n%s", err, o)
		}
	}
	treeA, treeB := tree(t, refA), tree(t, refB)
	out := filepath.Join(root, "out")
	for i := range 10 {
		ca, cb := compileTo(t, bin, a, out), compileTo(t, bin, b, out)
		if err := ca.Start(); err != nil {
			t.Fatal(err)
		}
		if err := cb.Start(); err != nil {
			t.Fatal(err)
		}
		if err := ca.Wait(); err != nil {
			t.Fatalf("run %d: compile a: %v", i, err)
		}
		if err := cb.Wait(); err != nil {
			t.Fatalf("run %d: compile b: %v", i, err)
		}
		if got := tree(t, out); !sameTree(got, treeA) && !sameTree(got, treeB) {
			t.Fatalf("run %d: output mixes both products", i)
		}
	}
}

// mountTmpfs mounts a tmpfs (root only); the test is skipped where mounting is not allowed.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// TestFullAndReadOnlyOutput: a full or read-only output location gives a clear
// diagnostic and exit 1, and leaves what was there unchanged.
func TestFullAndReadOnlyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildFloe(t)
	root := t.TempDir()
	small, big := filepath.Join(root, "small"), filepath.Join(root, "big")
	synthProduct(t, small, 5, "1.0.0")
	synthProduct(t, big, 20000, "1.0.0")

	full := mountTmpfs(t, "size=1m")
	out := filepath.Join(full, "out")
	if o, err := compileTo(t, bin, small, out).CombinedOutput(); err != nil {
		t.Fatalf("small compile: %v\n%s", err, o)
	}
	before := tree(t, out)
	o, err := compileTo(t, bin, big, out).CombinedOutput()
	if code := exitCode(err); code != ExitInput {
		t.Fatalf("full disk: exit %d, want %d\n%s", code, ExitInput, o)
	}
	if !strings.Contains(string(o), "no space left") {
		t.Errorf("full disk: message does not say so:\n%s", o)
	}
	if !sameTree(tree(t, out), before) {
		t.Errorf("full disk: the previous output changed")
	}
	if left, _ := filepath.Glob(filepath.Join(full, ".out.tmp-*")); len(left) != 0 {
		t.Errorf("full disk: temporary tree left behind: %v", left)
	}

	ro := mountTmpfs(t, "size=1m,ro")
	o, err = compileTo(t, bin, small, filepath.Join(ro, "out")).CombinedOutput()
	if code := exitCode(err); code != ExitInput {
		t.Fatalf("read-only: exit %d, want %d\n%s", code, ExitInput, o)
	}
	if !strings.Contains(string(o), "read-only") {
		t.Errorf("read-only: message does not say so:\n%s", o)
	}
	if entries, _ := os.ReadDir(ro); len(entries) != 0 {
		t.Errorf("read-only: something was created")
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
