package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/floe-dev/floe/codegen/gen"
)

// TestStatCacheSeesStealthyEdits: an edit that keeps a file's size and puts its
// modification time back is still seen (by its change time), and a missing or stale
// cache falls back to hashing.
func TestStatCacheSeesStealthyEdits(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "floe.yaml")
	if err := os.WriteFile(in, []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "target", "floe")
	options := []string{"o"}
	key, ok := stampKey(options, stampInputs{Files: []string{in}}, nil)
	if !ok {
		t.Fatal("no key")
	}
	files, err := withStamp([]gen.File{{Path: "a.txt", Data: []byte("hello"), Mode: 0o644}, {Path: "sub/b.txt", Data: []byte("world"), Mode: 0o644}}, key, stampInputs{Files: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	write := func() {
		t.Helper()
		if err := writeTree(out, files, writeOptions{cacheKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	write()
	if !upToDate(out, options) {
		t.Fatal("fresh output not up to date")
	}
	if c, _ := loadStatCache(out, key); c == nil {
		t.Fatal("no stat cache written")
	}

	// Same size, same modification time, other bytes.
	a := filepath.Join(out, "a.txt")
	st, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a later change time
	f, err := os.OpenFile(a, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("jello"), 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(a, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if upToDate(out, options) {
		t.Error("an edit with the old size and modification time went unseen")
	}

	// Without the cache, and with a cache for another key, the files are hashed. (The
	// edited file is the user's now: floe would refuse to replace it.)
	if err := os.WriteFile(a, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	write()
	if err := os.Remove(statCachePath(out)); err != nil {
		t.Fatal(err)
	}
	if !upToDate(out, options) {
		t.Error("intact output without a stat cache is not up to date")
	}
	stats, err := collectStats(out)
	if err != nil {
		t.Fatal(err)
	}
	writeStatCache(out, "another key", stats)
	if !upToDate(out, options) {
		t.Error("intact output with a stale stat cache is not up to date")
	}
	if err := os.WriteFile(filepath.Join(out, "sub", "b.txt"), []byte("w0rld"), 0o644); err != nil {
		t.Fatal(err)
	}
	if upToDate(out, options) {
		t.Error("an edit went unseen with a stale stat cache")
	}
}

// TestStatCacheRacilyClean: an entry whose times are not older than the cache file is
// not trusted (within one tick of a coarse clock it could hide an edit): such files are
// hashed.
func TestStatCacheRacilyClean(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "floe.yaml")
	if err := os.WriteFile(in, []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "target", "floe")
	key, _ := stampKey([]string{"o"}, stampInputs{Files: []string{in}}, nil)
	files, err := withStamp([]gen.File{{Path: "a.txt", Data: []byte("hello"), Mode: 0o644}}, key, stampInputs{Files: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeTree(out, files, writeOptions{cacheKey: key}); err != nil {
		t.Fatal(err)
	}
	// An edit captured by the cache, as a coarse clock could let happen.
	if err := os.WriteFile(filepath.Join(out, "a.txt"), []byte("jello"), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err := collectStats(out)
	if err != nil {
		t.Fatal(err)
	}
	writeStatCache(out, key, stats)
	cacheFile := statCachePath(out)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(cacheFile, later, later); err != nil {
		t.Fatal(err)
	}
	if !upToDate(out, []string{"o"}) {
		t.Fatal("with the cache newer than the files the captured edit is trusted: the test sets nothing up")
	}
	// The cache no newer than the files: they are hashed, and the edit is seen.
	past := time.Unix(1, 0)
	if err := os.Chtimes(cacheFile, past, past); err != nil {
		t.Fatal(err)
	}
	if upToDate(out, []string{"o"}) {
		t.Error("a file with times not older than the stat cache was trusted")
	}
}
