package safefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// endless is a reader that never ends, like /dev/zero or a file that keeps growing.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

// TestReadLimitIsEnforcedWhileReading: an endless source fails as soon as it passes
// the limit, having allocated about the limit, not what the source can give.
func TestReadLimitIsEnforcedWhileReading(t *testing.T) {
	const limit = 4 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readAtMost(endless{}, 0, limit)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*limit {
		t.Errorf("allocated %d bytes reading past a %d-byte limit", got, limit)
	}
	// At the limit exactly is fine.
	b, err := readAtMost(strings.NewReader(strings.Repeat("x", limit)), limit, limit)
	if err != nil || len(b) != limit {
		t.Errorf("a file of exactly the limit: %d bytes, %v", len(b), err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("ReadFile: %q, %v", b, err)
	}
	_, err := ReadFile(p, 9)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "is larger than 9 bytes, the limit") {
		t.Errorf("over the limit: %v", err)
	}
	_, err = ReadFile(dir, 100)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "is a directory, not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}

	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink("f.yaml", link); err != nil {
		t.Skipf("cannot create symbolic links here: %v", err)
	}
	if b, err := ReadFile(link, 100); err != nil || string(b) != "0123456789" {
		t.Errorf("ReadFile follows links to inputs: %q, %v", b, err)
	}
	_, _, err = ReadFileNoFollow(link, 100)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("ReadFileNoFollow on a link: %v", err)
	}
}

// TestLock: a second lock waits, says after its patience who holds the first, and gets
// the lock once the first is released. A lock file that is a link is refused.
func TestLock(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, ".out.lock")
	unlock, err := Lock(name, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan string, 1)
	got := make(chan error, 1)
	start := time.Now()
	go func() {
		unlock2, err := Lock(name, 200*time.Millisecond, func(h string) { told <- h })
		if err == nil {
			unlock2()
		}
		got <- err
	}()
	select {
	case h := <-told:
		if time.Since(start) < 200*time.Millisecond || !strings.HasPrefix(h, "pid ") {
			t.Errorf("told %q after %s", h, time.Since(start))
		}
	case err := <-got:
		t.Fatalf("the second lock did not wait: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("never told about the wait")
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second lock was not taken after the first was released")
	}

	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(dir, ".linked.lock")
	if err := os.Symlink(victim, linked); err != nil {
		t.Skipf("cannot create symbolic links here: %v", err)
	}
	if _, err := Lock(linked, time.Second, nil); !errors.Is(err, ErrLinked) {
		t.Errorf("a linked lock file: %v, want ErrLinked", err)
	}
	hard := filepath.Join(dir, ".hard.lock")
	if err := os.Link(victim, hard); err == nil {
		if _, err := Lock(hard, time.Second, nil); !errors.Is(err, ErrLinked) {
			t.Errorf("a hard-linked lock file: %v, want ErrLinked", err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the linked file was written: %q", b)
	}
}

// TestExchange swaps two directories where the platform can, and says it cannot
// elsewhere.
func TestExchange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "name"), []byte(filepath.Base(d)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := Exchange(a, b)
	if errors.Is(err, ErrNoExchange) {
		if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
			t.Logf("no exchange on this file system: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(a, "name")); string(got) != "b" {
		t.Errorf("after the exchange a holds %q", got)
	}
}

// TestLockWritesOnlyItsOwnFile: Lock writes who holds it into its file, so it takes
// only a file that is new, empty or holds its note, never one with other data.
func TestLockWritesOnlyItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	for body, ok := range map[string]bool{"": true, "pid 12 on host\n": true, "pid 12": true, "data\n": false, "pid 1\nmore\n": false} {
		name := filepath.Join(dir, "lock")
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		unlock, err := Lock(name, time.Second, nil)
		if ok != (err == nil) || !ok && !errors.Is(err, ErrNotLockFile) {
			t.Errorf("lock file holding %q: %v, want ok=%v", body, err, ok)
		}
		if err == nil {
			unlock()
		} else if got, _ := os.ReadFile(name); string(got) != body {
			t.Errorf("lock file holding %q was written: %q", body, got)
		}
	}
}
