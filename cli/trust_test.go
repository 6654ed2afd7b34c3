package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/internal/safefs"
)

// TestNoWritesThroughLinks plants a symbolic link at every name floe creates beside or
// inside its output (the stat cache and its temporary file, a temporary tree, the lock,
// the stamp): the files they name never change, and floe says why it refuses.
func TestNoWritesThroughLinks(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	writeTestFiles(t, root, map[string]string{"victim.txt": "precious\n", "victimdir/keep.txt": "keep\n"})
	link := func(target, name string) {
		t.Helper()
		_ = os.Remove(filepath.Join(root, name))
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skipf("cannot create symbolic links here: %v", err)
		}
	}
	intact := func(when string) {
		t.Helper()
		if got := mustRead(t, filepath.Join(root, "victim.txt")); got != "precious\n" {
			t.Fatalf("%s: the file a link named was written: %.60q…", when, got)
		}
		if got := mustRead(t, filepath.Join(root, "victimdir", "keep.txt")); got != "keep\n" {
			t.Fatalf("%s: a file in the directory a link named changed: %q", when, got)
		}
	}

	// The stat cache, its temporary file and a temporary tree: written around, never through.
	link("victim.txt", ".out.stat.json.tmp")
	link("victim.txt", ".out.stat.json")
	link("victimdir", ".out.tmp-planted")
	for _, args := range [][]string{{"compile", "prod", "-o", "out"}, {"compile", "prod", "-o", "out", "--force"}} {
		if r := runFloe(t, root, args...); r.code != 0 {
			t.Fatalf("floe %v: exit %d\n%s", args, r.code, r.stderr)
		}
		intact(strings.Join(args, " "))
	}
	if st, err := os.Lstat(filepath.Join(root, ".out.stat.json")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("the stat cache was not put in place of the link: %v", err)
	}

	// The lock file: a link there is refused, not followed; a dangling one would have a
	// plain create make the file it names.
	for _, target := range []string{"created-by-floe", "victim.txt"} {
		link(target, ".out.lock")
		r := runFloe(t, root, "compile", "prod", "-o", "out", "--force")
		if r.code != ExitInput || !strings.Contains(r.stderr, "is a symbolic link; floe does not write through links") ||
			!strings.Contains(r.stderr, "remove it") {
			t.Errorf("lock file linked to %s: exit %d, want %d and a message saying so:\n%s", target, r.code, ExitInput, r.stderr)
		}
		intact("lock file linked to " + target)
	}
	if _, err := os.Lstat(filepath.Join(root, "created-by-floe")); err == nil {
		t.Error("a dangling link at the lock file made floe create the file it names")
	}
	// A hard link: floe writes who holds the lock into the lock file, so it refuses one
	// that is another file too.
	_ = os.Remove(filepath.Join(root, ".out.lock"))
	if err := os.Link(filepath.Join(root, "victim.txt"), filepath.Join(root, ".out.lock")); err == nil {
		r := runFloe(t, root, "compile", "prod", "-o", "out", "--force")
		if r.code != ExitInput || !strings.Contains(r.stderr, "has other hard links") {
			t.Errorf("hard-linked lock file: exit %d, want %d and a message saying so:\n%s", r.code, ExitInput, r.stderr)
		}
		intact("hard-linked lock file")
		_ = os.Remove(filepath.Join(root, ".out.lock"))
	}

	// Inside the output: a link in place of floe's stamp is not floe's.
	link("../victim.txt", filepath.Join("out", stampFile))
	r := runFloe(t, root, "compile", "prod", "-o", "out", "--force")
	if r.code != ExitInput || !strings.Contains(r.stderr, stampFile+" (a symbolic link)") {
		t.Errorf("linked stamp: exit %d, want %d naming the link:\n%s", r.code, ExitInput, r.stderr)
	}
	intact("linked stamp")
}

// TestLeftoverNamesFloeDidNotWrite: a directory by the name of floe's temporary trees
// that holds a file floe did not write is left alone, and does not stop the up-to-date
// check from working; one that its stamp proves floe's (a killed run's) is removed.
func TestLeftoverNamesFloeDidNotWrite(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	writeTestFiles(t, root, map[string]string{
		".out.tmp-mine/notes.md":            "mine\n",
		".out.tmp-killed/" + stampFile:      `{"files": {"sub/a.txt": ""}}`,
		".out.tmp-killed/sub/a.txt":         "a",
		".out.tmp-killed.old/" + stampFile:  "{",
		".out.tmp-killed.old/empty/.keep/x": "",
	})
	if err := os.Remove(filepath.Join(root, ".out.tmp-killed.old/empty/.keep/x")); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"wrote", "is up to date"} {
		r := runFloe(t, root, "compile", "prod", "-o", "out")
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("run %d: exit %d, want 0 and %q:\n%s%s", i+1, r.code, want, r.stdout, r.stderr)
		}
	}
	if got := mustRead(t, filepath.Join(root, ".out.tmp-mine", "notes.md")); got != "mine\n" {
		t.Errorf("a file floe did not write changed: %q", got)
	}
	for _, gone := range []string{".out.tmp-killed", ".out.tmp-killed.old"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("floe's own leftover %s was not removed", gone)
		}
	}
}

// TestLockWaitSaysWho: a run that waits for another's lock says so after a second, and
// names the holder (the pid and host it wrote into the lock file).
func TestLockWaitSaysWho(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	unlock, err := safefs.Lock(filepath.Join(root, ".out.lock"), time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(2500*time.Millisecond, unlock)
	defer release.Stop()
	r := runFloeCmd(t, floeCmd(t, root, "compile", "prod", "-o", "out"), time.Minute)
	if r.killed != "" || r.code != 0 {
		t.Fatalf("exit %d (%s):\n%s", r.code, r.killed, r.stderr)
	}
	want := fmt.Sprintf("floe: waiting for another floe run to finish writing out (pid %d on ", os.Getpid())
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say who holds the lock; want %q in:\n%s", want, r.stderr)
	}
	if n := strings.Count(r.stderr, "waiting for"); n != 1 {
		t.Errorf("said it waits %d times, want once", n)
	}
}

// TestKilledLockHolderNeverBlocks: the lock of a killed run dies with it; the next
// run takes the lock at once.
func TestKilledLockHolderNeverBlocks(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	holder := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	holder.Env = append(os.Environ(), "FLOE_TEST_HOLD_LOCK="+filepath.Join(root, ".out.lock"))
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		_ = holder.Process.Kill()
		t.Fatalf("the helper did not take the lock: %q", line)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	r := runFloe(t, root, "compile", "prod", "-o", "out")
	if r.code != 0 || strings.Contains(r.stderr, "waiting") {
		t.Errorf("after the holder was killed: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestHelperHoldLock is not a test: TestKilledLockHolderNeverBlocks runs it in a child
// process that takes a lock and waits to be killed.
func TestHelperHoldLock(t *testing.T) {
	name := os.Getenv("FLOE_TEST_HOLD_LOCK")
	if name == "" {
		t.Skip("helper process of TestKilledLockHolderNeverBlocks")
	}
	if _, err := safefs.Lock(name, time.Hour, nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(1)
}

// stampFixture makes a directory holding an input (in, floe.yaml) for stampedFiles, and
// names the output directory beside it (out, not created).
func stampFixture(t *testing.T) (root, in, out string) {
	t.Helper()
	root = t.TempDir()
	in = filepath.Join(root, "floe.yaml")
	if err := os.WriteFile(in, []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, in, filepath.Join(root, "out")
}

// stampedFiles returns files with a stamp over the input in for options.
func stampedFiles(t *testing.T, in string, options []string, files ...gen.File) ([]gen.File, string) {
	t.Helper()
	key, ok := stampKey(options, stampInputs{Files: []string{in}}, nil)
	if !ok {
		t.Fatal("no key")
	}
	out, err := withStamp(files, key, stampInputs{Files: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	return out, key
}

// TestFailedWritesLeaveNothing injects failures into writeTree: a write failing part
// way, and the rename-with-backup path (taken where there is no atomic exchange) with
// its second rename failing. Each time the previous tree stays whole, no temporary
// tree is left, and the next good run's output is up to date.
func TestFailedWritesLeaveNothing(t *testing.T) {
	_, in, out := stampFixture(t)
	options := []string{"o"}
	one, key := stampedFiles(t, in, options, gen.File{Path: "a.txt", Data: []byte("one"), Mode: 0o644}, gen.File{Path: "sub/b.txt", Data: []byte("b"), Mode: 0o644})
	two, _ := stampedFiles(t, in, options, gen.File{Path: "a.txt", Data: []byte("two"), Mode: 0o644})
	check := func(when string, want map[string]string) {
		t.Helper()
		if got := tree(t, out); !sameTree(got, want) {
			t.Errorf("%s: the output is not the expected whole tree (%d files)", when, len(got))
		}
		if left := tmpLeftovers(t, out); len(left) > 0 {
			t.Errorf("%s: left behind: %v", when, left)
		}
	}
	if err := writeTree(out, one, writeOptions{cacheKey: key}); err != nil {
		t.Fatal(err)
	}
	treeOne := tree(t, out)

	// A file and a directory of one name: the write fails part way.
	broken := append(one[:len(one):len(one)], gen.File{Path: "x", Data: []byte("x"), Mode: 0o644}, gen.File{Path: "x/y", Data: []byte("y"), Mode: 0o644})
	if err := writeTree(out, broken, writeOptions{cacheKey: key}); err == nil {
		t.Fatal("a conflicting tree was written")
	}
	check("failed write", treeOne)

	noExchange := func(a, b string) error { return safefs.ErrNoExchange }
	calls := 0
	secondFails := func(a, b string) error {
		if calls++; calls == 2 {
			return errors.New("injected failure")
		}
		return os.Rename(a, b)
	}
	err := writeTree(out, two, writeOptions{cacheKey: key, exchange: noExchange, rename: secondFails})
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("failed rename: got %v", err)
	}
	check("failed rename (old tree restored)", treeOne)
	firstFails := func(a, b string) error { return errors.New("injected failure") }
	if err := writeTree(out, two, writeOptions{cacheKey: key, exchange: noExchange, rename: firstFails}); err == nil {
		t.Fatal("failed first rename not reported")
	}
	check("failed first rename", treeOne)

	if err := writeTree(out, two, writeOptions{cacheKey: key, exchange: noExchange}); err != nil {
		t.Fatal(err)
	}
	check("rename with backup", map[string]string{"a.txt": fileHash([]byte("two")), stampFile: stampHash(two[len(two)-1].Data)})
	if !upToDate(out, options) {
		t.Error("the output of the good run after failures is not up to date")
	}
}

// TestProvenStatsDoNotHideAnEdit: the check under the lock reads again every file whose
// stats changed since the check before it (writeOptions.proven): a file of floe's edited
// in between, or a file added, is refused and stays as it is.
func TestProvenStatsDoNotHideAnEdit(t *testing.T) {
	_, in, out := stampFixture(t)
	one, key := stampedFiles(t, in, []string{"o"}, gen.File{Path: "a.txt", Data: []byte("one"), Mode: 0o644})
	if err := writeTree(out, one, writeOptions{cacheKey: key}); err != nil {
		t.Fatal(err)
	}
	proven := &provenFiles{}
	if err := checkOutput(out, nil, false, proven); err != nil {
		t.Fatal(err)
	}
	if len(proven.stats) != 1 {
		t.Fatalf("proven = %v, want a.txt alone", proven.stats)
	}
	if err := checkOutput(out, nil, false, proven); err != nil {
		t.Fatalf("an unchanged tree is refused on its proven stats: %v", err)
	}
	edit := filepath.Join(out, "a.txt")
	if err := os.WriteFile(edit, []byte("mine, longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeTree(out, one, writeOptions{cacheKey: key, proven: proven})
	if err == nil || !strings.Contains(err.Error(), "changed since floe wrote it") {
		t.Fatalf("an edit after the first check: got %v, want it refused as changed", err)
	}
	if got := mustRead(t, edit); got != "mine, longer" {
		t.Errorf("the edited file is now %q", got)
	}
}

// TestUnchangedFilesKeepTheirTime: a compile that rewrites the output keeps the
// modification time of every file whose bytes did not change (tools that watch the
// output, make, rsync see no change), and a file whose bytes changed gets a new one.
func TestUnchangedFilesKeepTheirTime(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	if r := runFloe(t, root, "compile", "prod"); r.code != 0 {
		t.Fatalf("compile: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(root, "prod", "target", "floe")
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, name := range []string{"profiles.yml", "compiled_artifacts.json"} {
		if err := os.Chtimes(filepath.Join(out, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A second transform: the artifact changes, the dbt profile does not.
	spec := filepath.Join(root, "prod", "floe.yaml")
	writeTestFiles(t, root, map[string]string{"prod/floe.yaml": mustRead(t, spec) + "  - name: stg_customers\n"})
	if r := runFloe(t, root, "compile", "prod"); r.code != 0 {
		t.Fatalf("second compile: exit %d\n%s", r.code, r.stderr)
	}
	for name, keeps := range map[string]bool{"profiles.yml": true, "compiled_artifacts.json": false} {
		st, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.ModTime().Equal(old); got != keeps {
			t.Errorf("%s: modification time %v kept = %v, want %v", name, st.ModTime(), got, keeps)
		}
	}
}
