package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The tests in this file run floe with the pinned Python runtime (real Dagster, dbt,
// PyIceberg, pre-commit). They are skipped unless FLOE_VENV names that virtualenv;
// scripts/test-runtime.sh (make test) sets it and runs them.

func venvOrSkip(t *testing.T) string {
	t.Helper()
	v := os.Getenv("FLOE_VENV")
	if v == "" {
		t.Skip("FLOE_VENV is not set (scripts/test-runtime.sh sets it)")
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// floeBinary is the floe binary the tests start as a separate process: $FLOE_BIN
// (scripts/test-runtime.sh builds it), else one built here.
func floeBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("FLOE_BIN"); b != "" {
		abs, err := filepath.Abs(b)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(t.TempDir(), "floe")
	cmd := exec.Command("go", "build", "-o", out, "../cmd/floe")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestRuntimeScripts runs testdata/runtime/*.txtar: from floe init to floe run, as a
// user does, in a fresh directory.
func TestRuntimeScripts(t *testing.T) {
	venv := venvOrSkip(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/runtime",
		Setup: func(e *testscript.Env) error {
			e.Setenv("FLOE_VENV", venv)
			e.Setenv("VENV_PYTHON", venvBin(venv, "python"))
			return nil
		},
	})
}

// TestRuntimePreCommit runs floe's .pre-commit-hooks.yaml with the real pre-commit on a
// scratch repository holding a new product. The hook repository is this checkout as it
// is (its tracked and new files, committed into a scratch git repository). The hook is
// built offline from Go's module cache (GOPROXY=off), passes, then fails on a broken
// floe.yaml, with an empty module cache and no proxy: running an installed hook needs
// no network.
func TestRuntimePreCommit(t *testing.T) {
	venv := venvOrSkip(t)
	preCommit := venvBin(venv, "pre-commit")
	if _, err := os.Stat(preCommit); err != nil {
		t.Fatalf("pre-commit is not in FLOE_VENV (requirements-test.txt pins it): %v", err)
	}
	goenv := func(name string) string {
		b, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(b))
	}
	modcache, gocache := goenv("GOMODCACHE"), goenv("GOCACHE")
	dir := t.TempDir()
	git := func(in string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = in
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, b)
		}
		return strings.TrimSpace(string(b))
	}
	// The hook repository: this checkout's files as they are now.
	hooks := filepath.Join(dir, "floe")
	files := strings.Fields(git("..", "ls-files", "-co", "--exclude-standard"))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			continue // deleted, not yet committed
		}
		p := filepath.Join(hooks, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, string(b))
	}
	git(hooks, "init", "-q")
	git(hooks, "add", "-A")
	git(hooks, "commit", "-qm", "floe as tested")
	rev := git(hooks, "rev-parse", "HEAD")

	repo := filepath.Join(dir, "repo")
	if err := os.Mkdir(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	git(repo, "init", "-q")
	e, stdout, stderr := testEnv(nil)
	if code := run(t.Context(), e, []string{"init", "--add", repo}); code != 0 {
		t.Fatalf("floe init: %d\n%s%s", code, stdout, stderr)
	}
	writeFile(t, filepath.Join(repo, ".pre-commit-config.yaml"), fmt.Sprintf(
		"repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: floe-validate\n", hooks, rev))
	git(repo, "add", "-A")
	git(repo, "commit", "-qm", "a product")
	home := filepath.Join(dir, "pre-commit-home")
	hook := func(env ...string) (string, error) {
		cmd := exec.Command(preCommit, "run", "--all-files", "--color", "never")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), append([]string{"PRE_COMMIT_HOME=" + home, "GOPROXY=off", "GOCACHE=" + gocache,
			"GOTOOLCHAIN=local", "GOFLAGS=-mod=mod"}, env...)...)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	out, err := hook("GOMODCACHE=" + modcache)
	if err != nil || !regexp.MustCompile(`floe validate\.+Passed`).MatchString(out) {
		t.Fatalf("the hook on a new product: %v\n%s", err, out)
	}
	spec := filepath.Join(repo, "floe.yaml")
	b, _ := os.ReadFile(spec)
	writeFile(t, spec, strings.Replace(string(b), "dependsOn: [stg_customers, stg_orders]", "dependsOn: [stg_customer, stg_orders]", 1))
	git(repo, "commit", "-qam", "broken")
	out, err = hook("GOMODCACHE=" + filepath.Join(dir, "empty-modcache"))
	if err == nil || !regexp.MustCompile(`floe validate\.+Failed`).MatchString(out) || !strings.Contains(out, "FLOE-E300") {
		t.Fatalf("the hook on a broken floe.yaml: %v\n%s", err, out)
	}
}

// assetKeys lists the asset keys the Dagster webserver at url serves.
func assetKeys(t *testing.T, url string) []string {
	t.Helper()
	body := `{"query":"{ assetNodes { assetKey { path } } }"}`
	resp, err := http.Post(url+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("GraphQL: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			AssetNodes []struct {
				AssetKey struct{ Path []string } `json:"assetKey"`
			} `json:"assetNodes"`
		} `json:"data"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("GraphQL answer %s: %v", b, err)
	}
	var keys []string
	for _, n := range out.Data.AssetNodes {
		keys = append(keys, strings.Join(n.AssetKey.Path, "/"))
	}
	return keys
}

func waitFor(t *testing.T, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not so within %s", within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appendFile inserts text before the line starting with before.
func appendFile(t *testing.T, name, text, before string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+before)
	if i < 0 {
		t.Fatalf("%s has no line %q", name, before)
	}
	writeFile(t, name, s[:i+1]+text+s[i+1:])
}

// listTree lists the files and directories under dir, relative and slash-separated.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// walkthroughBlock is the README's "Your first product" commands.
var walkthroughBlock = regexp.MustCompile("(?s)<!-- walkthrough:[^>]*-->\\s*```sh\\n(.*?)```")

// TestRuntimeWalkthrough runs the README's "Your first product" commands as written,
// in a fresh directory, so the walkthrough cannot rot: every line is `floe …` or
// `cd DIR`, and each must succeed.
func TestRuntimeWalkthrough(t *testing.T) {
	venv := venvOrSkip(t)
	floe := floeBinary(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := walkthroughBlock.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no <!-- walkthrough: … --> sh block")
	}
	dir := t.TempDir()
	ran := 0
	for _, line := range strings.Split(string(m[1]), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		words := strings.Fields(line)
		switch {
		case len(words) == 0:
			continue
		case words[0] == "cd" && len(words) == 2:
			dir = filepath.Join(dir, words[1])
			continue
		case words[0] != "floe" || strings.ContainsAny(line, `'"$|&;<>`):
			t.Fatalf("the walkthrough has %q: only plain `floe …` and `cd DIR` lines can be run by this test", line)
		}
		cmd := exec.Command(floe, words[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "FLOE_VENV="+venv)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s (in %s): %v\n%s", line, dir, err, out)
		}
		if words[1] == "run" && !strings.Contains(string(out), "materialized ") {
			t.Errorf("%s materialized nothing:\n%s", line, out)
		}
		ran++
	}
	if ran < 3 {
		t.Fatalf("the walkthrough ran %d floe commands; it should show init, validate and run at least", ran)
	}
}
