package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sys/unix"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
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
// No literal secret is printed (the diff goes to CI logs): every line shown is
// redacted with the secrets the compile found in the inputs (secrets), those a
// structural read of either side of a differing file finds, and the line rules of
// schemas.RedactText.
func checkTree(e *env, dir string, files []gen.File, secrets []string) error {
	var diffs []string
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err != nil:
			diffs = append(diffs, fmt.Sprintf("missing: %s", f.Path))
		case !bytes.Equal(got, f.Data):
			known := append(slices.Clip(secrets), fileSecrets(f.Path, got)...)
			known = append(known, fileSecrets(f.Path, f.Data)...)
			diffs = append(diffs, fmt.Sprintf("differs: %s\n%s", f.Path, lineDiff(got, f.Data, known)))
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

// fileSecrets are the literal secrets a structural read of a JSON or YAML file finds
// (values under secret keys, at any depth, and secrets inside strings): what the line
// rules alone could miss, such as the items of a list under a secret key.
func fileSecrets(name string, data []byte) []string {
	var v any
	switch path.Ext(name) {
	case ".json":
		var m schemas.Map
		if json.Unmarshal(data, &m) != nil {
			return nil
		}
		v = &m
	case ".yaml", ".yml":
		if yaml.Unmarshal(data, &v) != nil {
			return nil
		}
	default:
		return nil
	}
	return schemas.SecretStrings(v)
}

// lineDiff shows the first differing lines (on disk "-", would write "+"), with every
// literal secret redacted (known, and what schemas.RedactText finds). Redaction keeps
// lines in place, so a changed secret still shows as a changed line, without its value.
func lineDiff(got, want []byte, known []string) string {
	if !utf8.Valid(got) || !utf8.Valid(want) {
		return "  (binary file; not shown)"
	}
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	gr, _ := schemas.RedactText(string(got), known)
	wr, _ := schemas.RedactText(string(want), known)
	gs, ws := strings.Split(gr, "\n"), strings.Split(wr, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 10; i++ {
		var gl, wl, gshow, wshow string
		if i < len(g) {
			gl, gshow = g[i], gs[i]
		}
		if i < len(w) {
			wl, wshow = w[i], ws[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "  line %d:\n  - %s\n  + %s\n", i+1, gshow, wshow)
			shown++
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// compiledAtOnDisk is the compiled_at of the artifact floe wrote in dir (any
// --output-format), so that --check compares everything but the compile time: right
// after a plain compile (no SOURCE_DATE_EPOCH) it agrees with the up-to-date check.
func compiledAtOnDisk(dir string) (time.Time, bool) {
	for _, name := range []string{"compiled_artifacts.json", "compiled_artifacts.yaml", "floe-compiled-values.yaml"} {
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		head := make([]byte, 64<<10) // metadata comes first in every format
		n, _ := io.ReadFull(f, head)
		f.Close()
		if m := compiledAtRe.FindSubmatch(head[:n]); m != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(m[1])); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

var compiledAtRe = regexp.MustCompile(`"?compiled_at"?\s*:\s*"?([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z)"?`)
