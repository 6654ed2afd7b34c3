package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/internal/safefs"
)

// TestFileWrittenDuringRunIsKept: the ownership check runs under the lock, but the lock
// does not stop other programs. A file written into the output directory between that
// check and the swap went out with the previous tree and was deleted with it (found
// by the red-team review). Now it is put back beside the new output and the run says
// so (an error: exit 1); one that cannot be put back (the new tree has a file of that
// name) is kept where the previous tree is, and named. Both with the atomic exchange
// and with the fallback rename.
func TestFileWrittenDuringRunIsKept(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		name := "exchange"
		if fallback {
			name = "rename with backup"
		}
		t.Run(name, func(t *testing.T) {
			_, in, out := stampFixture(t)
			one, key := stampedFiles(t, in, []string{"o"}, gen.File{Path: "a.txt", Data: []byte("one"), Mode: 0o644})
			two, _ := stampedFiles(t, in, []string{"o"}, gen.File{Path: "a.txt", Data: []byte("two"), Mode: 0o644},
				gen.File{Path: "c.txt", Data: []byte("floe's c"), Mode: 0o644})
			if err := writeTree(out, one, writeOptions{cacheKey: key}); err != nil {
				t.Fatal(err)
			}
			// Between the check and the swap, another program writes three files.
			intruder := func(a, b string) error {
				writeTestFiles(t, b, map[string]string{"notes.md": "mine", "sub/deep.txt": "mine too", "c.txt": "user's c"})
				if fallback {
					return safefs.ErrNoExchange
				}
				return safefs.Exchange(a, b)
			}
			err := writeTree(out, two, writeOptions{cacheKey: key, exchange: intruder})
			if err == nil {
				t.Fatal("files written during the run went unreported")
			}
			for _, want := range []string{"notes.md", "deep.txt", "c.txt", "did not write"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not name %s: %v", want, err)
				}
			}
			if got := mustRead(t, filepath.Join(out, "a.txt")); got != "two" {
				t.Errorf("the output is not the new tree: a.txt = %q", got)
			}
			if got := mustRead(t, filepath.Join(out, "c.txt")); got != "floe's c" {
				t.Errorf("c.txt = %q, want floe's new file", got)
			}
			for name, want := range map[string]string{"notes.md": "mine", "sub/deep.txt": "mine too"} {
				if got := mustRead(t, filepath.Join(out, filepath.FromSlash(name))); got != want {
					t.Errorf("%s = %q, want it back in the output", name, got)
				}
			}
			// The user's c.txt is kept where the previous tree is, and the error says where.
			kept := tmpLeftovers(t, out)
			if len(kept) != 1 || mustRead(t, filepath.Join(kept[0], "c.txt")) != "user's c" || !strings.Contains(err.Error(), kept[0]) {
				t.Errorf("the user's c.txt is not kept in the named previous tree: %v (%v)", kept, err)
			}
			// The next run refuses the output directory: it holds files floe did not write.
			if err := writeTree(out, two, writeOptions{cacheKey: key}); err == nil || !strings.Contains(err.Error(), "notes.md") {
				t.Errorf("next run: %v, want a refusal naming notes.md", err)
			}
		})
	}
}

// TestKilledFallbackSwapIsRestored: where there is no atomic exchange, a kill between
// the two renames leaves no output directory and the previous tree in a backup beside
// it; the next run puts it back before anything else (and then replaces it as usual),
// and an up-to-date check in between says "not up to date".
func TestKilledFallbackSwapIsRestored(t *testing.T) {
	root, in, out := stampFixture(t)
	options := []string{"o"}
	one, key := stampedFiles(t, in, options, gen.File{Path: "a.txt", Data: []byte("one"), Mode: 0o644})
	if err := writeTree(out, one, writeOptions{cacheKey: key}); err != nil {
		t.Fatal(err)
	}
	// The state a kill between the renames leaves: the old tree at its backup name, the
	// new one at its temporary name, no output directory.
	backup := filepath.Join(root, ".out.tmp-123"+backupSuffix)
	if err := os.Rename(out, backup); err != nil {
		t.Fatal(err)
	}
	if upToDate(out, options) {
		t.Error("a missing output directory is up to date")
	}
	// A run that fails after taking the lock (a conflicting tree) still restores it.
	broken := append(one[:len(one):len(one)], gen.File{Path: "x", Data: []byte("x"), Mode: 0o644}, gen.File{Path: "x/y", Data: []byte("y"), Mode: 0o644})
	if err := writeTree(out, broken, writeOptions{cacheKey: key}); err == nil {
		t.Fatal("a conflicting tree was written")
	}
	if got := mustRead(t, filepath.Join(out, "a.txt")); got != "one" {
		t.Errorf("the previous tree is not back: a.txt = %q", got)
	}
	if _, err := os.Lstat(backup); err == nil {
		t.Error("the backup is still there")
	}
}

// TestSidecarFilesOfOthersAreKept: floe keeps its lock and stat cache beside the output
// directory (.<dir>.lock, .<dir>.stat.json); with a custom -o those names can be taken
// by files of the user's, which floe replaced (found by the red-team review:
// `echo data > .deploy.lock; echo '{}' > .deploy.stat.json; compile p -o deploy`). It
// now refuses, naming the file, and changes nothing; its own files it reuses.
func TestSidecarFilesOfOthersAreKept(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	out := filepath.Join(dir, "deploy")
	for name, body := range map[string]string{".deploy.lock": "data\n", ".deploy.stat.json": "{}\n"} {
		writeTestFiles(t, dir, map[string]string{name: body})
		code, o := runMain(t, "compile", prod, "-o", out)
		if code != 1 || !strings.Contains(o, name) || !strings.Contains(o, "not floe's") {
			t.Errorf("%s of the user's: exit %d, want 1 naming it\n%s", name, code, o)
		}
		if got := mustRead(t, filepath.Join(dir, name)); got != body {
			t.Errorf("%s was overwritten: %q", name, got)
		}
		if _, err := os.Lstat(out); err == nil {
			t.Errorf("%s of the user's: the output was written", name)
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // floe's own lock and stat cache are reused
		if code, o := runMain(t, "compile", prod, "-o", out, "--force"); code != 0 {
			t.Fatalf("compile: exit %d\n%s", code, o)
		}
	}
	if code, o := runMain(t, "compile", prod, "-o", out); code != 0 || !strings.Contains(o, "up to date") {
		t.Errorf("with floe's own sidecar files: exit %d, want up to date\n%s", code, o)
	}
}
