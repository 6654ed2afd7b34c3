package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/floe-dev/floe/codegen/gen"
)

// writeTree replaces dir with exactly files, atomically: the tree is written to a
// temporary directory beside dir and swapped into place with one rename(2) exchange,
// so a crash at any point leaves either the old tree or the new one, whole. Files whose
// bytes did not change keep their modification time. A lock beside dir serializes
// concurrent runs.
//
// When cacheKey is not empty, the stat cache of the up-to-date check is written for the
// new tree, under the lock: from the files' stats taken before the swap, so an edit
// made after it can never be recorded as floe's own.
func writeTree(dir string, files []gen.File, cacheKey string) error {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, describe(err))
	}
	if st, err := os.Lstat(dir); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("output directory %s is a symbolic link; floe does not write through links", dir)
	} else if err == nil && !st.IsDir() {
		return fmt.Errorf("output path %s exists and is not a directory", dir)
	}
	unlock, err := lock(filepath.Join(parent, "."+filepath.Base(dir)+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	// A run killed mid-write leaves its temporary tree behind; under the lock no other
	// writer is active, so every leftover can go.
	if stale, _ := filepath.Glob(filepath.Join(parent, "."+filepath.Base(dir)+".tmp-*")); len(stale) > 0 {
		for _, s := range stale {
			_ = os.RemoveAll(s)
		}
	}

	_ = os.Remove(statCachePath(dir)) // describes the tree about to be replaced

	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("create temporary directory in %s: %w", parent, describe(err))
	}
	defer os.RemoveAll(tmp)
	if err := writeFiles(dir, tmp, files); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("prepare output: %w", describe(err))
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	var stats map[string]fileStat
	if cacheKey != "" {
		stats, _ = collectStats(tmp) // renaming the directory leaves its files' stats as they are
	}
	done := func() error {
		if err := syncDir(parent); err != nil {
			return err
		}
		if stats != nil {
			writeStatCache(dir, cacheKey, stats)
		}
		return nil
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("move output into %s: %w", dir, describe(err))
		}
		return done()
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); err != nil {
		// No atomic exchange on this file system: fall back to two renames.
		old := tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replace %s: %w", dir, describe(err))
		}
		if err := os.Rename(tmp, dir); err != nil {
			_ = os.Rename(old, dir)
			return fmt.Errorf("replace %s: %w", dir, describe(err))
		}
		_ = os.RemoveAll(old)
		return done()
	}
	// tmp now holds the previous tree; the deferred RemoveAll deletes it.
	return done()
}

// writeFiles writes files under tmp, several at a time (each is fsynced, and the
// waits overlap). Unchanged bytes keep the modification time of their copy in dir, so
// make-style tools see no change. The error reported is the first in file order.
func writeFiles(dir, tmp string, files []gen.File) error {
	made := map[string]bool{}
	for _, f := range files {
		d := filepath.Dir(filepath.Join(tmp, filepath.FromSlash(f.Path)))
		if made[d] {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, describe(err))
		}
		made[d] = true
	}
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(4, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = writeOne(dir, tmp, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("write %s: %w", files[i].Path, describe(err))
		}
	}
	return nil
}

func writeOne(dir, tmp string, f gen.File) error {
	target := filepath.Join(tmp, filepath.FromSlash(f.Path))
	if err := writeFileSync(target, f.Data, f.Mode); err != nil {
		return err
	}
	old := filepath.Join(dir, filepath.FromSlash(f.Path))
	if st, err := os.Lstat(old); err == nil && st.Mode().IsRegular() && st.Size() == int64(len(f.Data)) {
		if b, err := os.ReadFile(old); err == nil && bytes.Equal(b, f.Data) {
			_ = os.Chtimes(target, st.ModTime(), st.ModTime())
		}
	}
	return nil
}

func writeFileSync(name string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, describe(err))
	}
	defer d.Close()
	_ = d.Sync() // best effort: some file systems refuse fsync on directories
	return nil
}

func lock(name string) (func(), error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, describe(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", name, describe(err))
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// describe turns common OS errors into plain words.
func describe(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return errors.New("no space left on the device")
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return errors.New("permission denied (read-only or not writable)")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkTree compares files with dir and prints what differs; exit 1 when anything does.
func checkTree(e *env, dir string, files []gen.File) error {
	var diffs []string
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err != nil:
			diffs = append(diffs, fmt.Sprintf("missing: %s", f.Path))
		case !bytes.Equal(got, f.Data):
			diffs = append(diffs, fmt.Sprintf("differs: %s\n%s", f.Path, lineDiff(got, f.Data)))
		}
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if !want[filepath.ToSlash(rel)] {
			diffs = append(diffs, "extra: "+filepath.ToSlash(rel))
		}
		return nil
	})
	if len(diffs) == 0 {
		fmt.Fprintf(e.stdout, "%s is up to date\n", dir)
		return nil
	}
	slices.Sort(diffs)
	fmt.Fprintf(e.stderr, "%s is out of date:\n%s\n", dir, strings.Join(diffs, "\n"))
	return silentExit(ExitInput)
}

// lineDiff shows the first differing lines (on disk "-", would write "+").
func lineDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 10; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "  line %d:\n  - %s\n  + %s\n", i+1, gl, wl)
			shown++
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
