package cli

import (
	"bytes"
	"encoding/hex"
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

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/internal/safefs"
	"github.com/floe-dev/floe/schemas"
)

// writeOptions configure writeTree.
type writeOptions struct {
	// proven is what the check before the lock found to be floe's (checkOutput).
	proven *provenFiles
	// cacheKey, when not empty, is the stamp key the stat cache is written for.
	cacheKey string
	// waiting is called once when another run has held the lock for a second, with
	// what that run wrote about itself.
	waiting func(holder string)
	// exchange swaps two directories atomically and rename renames one: the platform's
	// (safefs.Exchange, os.Rename) unless a test injects failures.
	exchange, rename func(a, b string) error
}

// writeTree replaces dir with exactly files, atomically: the tree is written to a
// temporary directory beside dir and swapped into place with one exchange of the two
// (renameat2 on Linux, renamex_np on macOS), so a crash at any point leaves either the
// old tree or the new one, whole. Where there is no exchange, the old tree is renamed
// to a backup first and restored if the new one cannot be moved into place. Files whose
// bytes did not change keep their modification time. A lock beside dir serializes
// concurrent runs; under it, dir is checked again to be floe's own (checkOwned).
//
// When o.cacheKey is not empty, the stat cache of the up-to-date check is written for
// the new tree, under the lock: from the files' stats taken before the swap, so an
// edit made after it can never be recorded as floe's own.
//
// Every file floe creates on the way is new (O_EXCL, or a fresh temporary name) or
// opened without following links, so a link planted beside or inside the output is
// never written through.
func writeTree(dir string, files []gen.File, o writeOptions) error {
	if o.exchange == nil {
		o.exchange = safefs.Exchange
	}
	if o.rename == nil {
		o.rename = os.Rename
	}
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, describe(err))
	}
	unlock, err := safefs.Lock(lockPath(dir), time.Second, o.waiting)
	if err != nil {
		return fmt.Errorf("lock the output directory: %w", describeLock(err))
	}
	defer unlock()
	// A run killed between the two renames of the fallback swap left no output directory
	// and the previous tree in its backup: put it back before anything else.
	restoreBackup(dir, o.rename)
	// Under the lock no other writer is active: what is there now is what gets replaced.
	if err := checkOutput(dir, nil, false, o.proven); err != nil {
		return err
	}
	// A run killed mid-write leaves its temporary tree behind; under the lock every
	// leftover that is provably floe's can go.
	for _, p := range leftovers(dir) {
		_ = removeTree(p)
	}
	if err := checkStatCache(statCachePath(dir)); err != nil {
		return err
	}
	_ = os.Remove(statCachePath(dir)) // describes the tree about to be replaced (unlinks, never follows)

	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("create temporary directory in %s: %w", parent, describe(err))
	}
	// tmp holds the new files, or after the exchange the previous tree (checked below).
	keepTmp := false
	defer func() {
		if !keepTmp {
			_ = removeTree(tmp)
		}
	}()
	if err := writeFiles(dir, tmp, files, o.proven); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("prepare output: %w", describe(err))
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	var stats map[string]fileStat
	if o.cacheKey != "" {
		stats, _ = collectStats(tmp) // renaming the directory leaves its files' stats as they are
	}
	previous, err := swapIn(tmp, dir, o)
	if err != nil {
		return err
	}
	// The previous tree was checked to be floe's under the lock, but the lock does not
	// stop other programs: a file written into the output directory since then went out
	// with the previous tree. It is not floe's to delete: it goes back into the output.
	var rescueErr error
	if previous != "" {
		var kept bool
		kept, rescueErr = rescueForeign(previous, dir)
		if kept {
			keepTmp = true // what could not be moved back stays where it is, named in the error
		} else if previous != tmp {
			_ = removeTree(previous) // if this fails, the next run removes it (see leftovers)
		}
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	if stats != nil {
		writeStatCache(dir, o.cacheKey, stats)
	}
	return rescueErr
}

// swapIn puts the tree tmp at dir and returns where the previous tree is now ("" when
// there was none): tmp after an exchange, a backup beside it after the fallback.
func swapIn(tmp, dir string, o writeOptions) (string, error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := o.rename(tmp, dir); err != nil {
			return "", fmt.Errorf("move output into %s: %w", dir, describe(err))
		}
		return "", nil
	}
	err := o.exchange(tmp, dir)
	if err == nil {
		return tmp, nil
	}
	if !errors.Is(err, safefs.ErrNoExchange) {
		return "", fmt.Errorf("replace %s: %w", dir, describe(err))
	}
	// No atomic exchange here: move the old tree aside, the new one in, and the old one
	// back if that fails. The backup's name marks it as a leftover for the next run,
	// which puts it back if a kill came between the two renames (restoreBackup).
	old := tmp + backupSuffix
	if err := o.rename(dir, old); err != nil {
		return "", fmt.Errorf("replace %s: %w", dir, describe(err))
	}
	if err := o.rename(tmp, dir); err != nil {
		if rerr := o.rename(old, dir); rerr != nil {
			return "", fmt.Errorf("replace %s: %w; the previous output is in %s (restoring it failed: %v)", dir, describe(err), old, describe(rerr))
		}
		return "", fmt.Errorf("replace %s: %w", dir, describe(err))
	}
	return old, nil
}

// backupSuffix ends the name of the previous tree while the fallback swap (no atomic
// exchange) moves the new one in.
const backupSuffix = ".old"

// restoreBackup puts the previous tree back at dir when dir does not exist and a backup
// of the fallback swap, provably floe's, is beside it (the newest, if several): a run
// was killed between moving the old tree aside and the new one in.
func restoreBackup(dir string, rename func(a, b string) error) {
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	var newest string
	var newestTime time.Time
	for _, p := range leftovers(dir) {
		st, err := os.Lstat(p)
		if err != nil || !st.IsDir() || !strings.HasSuffix(p, backupSuffix) {
			continue
		}
		if newest == "" || st.ModTime().After(newestTime) {
			newest, newestTime = p, st.ModTime()
		}
	}
	if newest != "" {
		_ = rename(newest, dir)
	}
}

// rescueForeign moves every file of the previous tree (at previous) that floe did not
// write (not listed by its stamp) back into dir, at the same place. It returns an error
// naming them, and kept when some could not be moved (a file of that name is in the
// new tree, or the move failed): previous must then stay, and the error says where.
func rescueForeign(previous, dir string) (kept bool, err error) {
	foreign, _, ferr := foreignFilesUpTo(previous, maxRescued, nil)
	if ferr != nil || len(foreign) == 0 {
		return ferr != nil, describeRescue(dir, previous, nil, nil, ferr)
	}
	var moved, stuck []string
	for _, f := range foreign {
		from := filepath.Join(previous, filepath.FromSlash(f.rel))
		to := filepath.Join(dir, filepath.FromSlash(f.rel))
		if _, err := os.Lstat(to); err == nil {
			stuck = append(stuck, f.rel)
			continue
		}
		if os.MkdirAll(filepath.Dir(to), 0o755) != nil || os.Rename(from, to) != nil {
			stuck = append(stuck, f.rel)
			continue
		}
		moved = append(moved, f.rel)
	}
	// Anything left (more than maxRescued, or written after the scan) keeps the tree.
	if left, _, err := foreignFilesUpTo(previous, 1, nil); err != nil || len(left) > 0 {
		kept = true
		if len(stuck) == 0 {
			stuck = append(stuck, "…")
		}
	}
	return kept || len(stuck) > 0, describeRescue(dir, previous, moved, stuck, nil)
}

// maxRescued bounds the files rescueForeign moves back one by one.
const maxRescued = 10_000

func describeRescue(dir, previous string, moved, stuck []string, err error) error {
	if err != nil {
		return fmt.Errorf("output directory %s was replaced, but its previous tree (now %s) could not be checked for files floe did not write, so it was kept: %w",
			showPath(dir), showPath(previous), err)
	}
	if len(moved) == 0 && len(stuck) == 0 {
		return nil
	}
	msg := fmt.Sprintf("output directory %s: files floe did not write appeared in it while floe was writing it", showPath(dir))
	if len(moved) > 0 {
		msg += fmt.Sprintf("; they are back in it beside floe's new output: %s", shortList(dir, moved))
	}
	if len(stuck) > 0 {
		msg += fmt.Sprintf("; these could not be put back and are kept in %s: %s", showPath(previous), shortList(previous, stuck))
	}
	return errors.New(msg + "\nfloe replaces its output directory as a whole: keep other files out of it, move these away before the next compile")
}

// shortList names up to shownFiles of rels under dir.
func shortList(dir string, rels []string) string {
	var names []string
	for i, r := range rels {
		if i == shownFiles {
			names = append(names, fmt.Sprintf("and %d more", len(rels)-shownFiles))
			break
		}
		names = append(names, showPath(filepath.Join(dir, filepath.FromSlash(r))))
	}
	return strings.Join(names, ", ")
}

func lockPath(dir string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock")
}

// writeFiles writes files under tmp: the stamp first, so a tree left by a killed run
// already says what it holds (and can be proven floe's), then the rest several at a
// time (each is fsynced, and the waits overlap). Unchanged bytes keep the modification
// time of their copy in dir, so make-style tools see no change. The error reported is
// the first in file order.
func writeFiles(dir, tmp string, files []gen.File, proven *provenFiles) error {
	for _, f := range files {
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			return fmt.Errorf("internal error: generated path %q leaves the output directory (please report this)", f.Path)
		}
	}
	files = slices.Clone(files)
	if i := slices.IndexFunc(files, func(f gen.File) bool { return f.Path == stampFile }); i > 0 {
		files[0], files[i] = files[i], files[0]
	}
	// The stamp lists the new files' hashes: a file proven to hold those bytes already
	// keeps its modification time without being read (see writeOne).
	var hashes map[string]string
	if len(files) > 0 && files[0].Path == stampFile {
		if err := writeOne(dir, tmp, files[0], nil, ""); err != nil {
			return fmt.Errorf("write %s: %w", files[0].Path, describe(err))
		}
		var st stamp
		if json.Unmarshal(files[0].Data, &st) == nil {
			hashes = st.Files
		}
		files = files[1:]
	}
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
				errs[i] = writeOne(dir, tmp, files[i], proven, hashes[files[i].Path])
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

// writeOne writes f into tmp, with the modification time of the file it replaces in
// dir when that holds the same bytes: proven (checkOutput) to hold bytes of hash, f's
// hash from the new stamp; without a proof, read and compared.
func writeOne(dir, tmp string, f gen.File, proven *provenFiles, hash string) error {
	target := filepath.Join(tmp, filepath.FromSlash(f.Path))
	if err := writeFileSync(target, f.Data, f.Mode); err != nil {
		return err
	}
	t, ok := proven.sameAs(dir, f.Path, hash)
	if !ok { // no proof (Windows has no inode to tie one to): compare (sizes first)
		t, ok = sameBytes(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data)
	}
	if ok {
		_ = os.Chtimes(target, t, t)
	}
	return nil
}

// sameBytes reports whether the regular file name holds data, with its modification
// time. A link or anything but a regular file is not opened, let alone followed.
func sameBytes(name string, data []byte) (time.Time, bool) {
	st, err := os.Lstat(name)
	if err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return time.Time{}, false
	}
	f, info, err := safefs.Open(name, false)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(len(data))+1))
	if err != nil || !bytes.Equal(b, data) {
		return time.Time{}, false
	}
	return info.ModTime(), true
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

// describeLock says what to do about a lock file floe may not use.
func describeLock(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, safefs.ErrNotLockFile) {
		return fmt.Errorf("%s is not floe's lock file: it %w; floe keeps its lock file beside the output directory "+
			"and does not overwrite another file: move that one away, or choose another -o", showPath(pe.Path), pe.Err)
	}
	if errors.As(err, &pe) && (errors.Is(err, safefs.ErrLinked) || errors.Is(err, safefs.ErrNotRegular)) {
		return fmt.Errorf("%s %w; it is floe's lock file: remove it and run again", showPath(pe.Path), pe.Err)
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", showPath(pe.Path), describe(pe.Err))
	}
	return describe(err)
}

// checkStatCache refuses to replace a file at the stat cache's name (beside the output
// directory: .<dir>.stat.json) that is not floe's stat cache: a regular file holding
// anything but the JSON floe writes there. (A symbolic link there is replaced, never
// followed.)
func checkStatCache(name string) error {
	st, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) || err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil
	}
	if err == nil && st.Mode().IsRegular() {
		if b, _, err := safefs.ReadFileNoFollow(name, maxRecordBytes); err == nil && isStatCache(b) {
			return nil
		}
	}
	return fmt.Errorf("%s is not floe's stat cache; floe keeps its stat cache beside the output directory "+
		"and does not overwrite another file: move that one away, or choose another -o", showPath(name))
}

// isStatCache reports whether b is a stat cache as writeStatCache writes it: an object
// with a stamp key (64 hex digits) and the files' stats, nothing else.
func isStatCache(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c statCache
	if dec.Decode(&c) != nil || dec.More() || len(c.Key) != 64 || c.Files == nil {
		return false
	}
	_, err := hex.DecodeString(c.Key)
	return err == nil
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
	wantHashes := map[string]string{} // toolFile's listing: the files floe writes
	for _, f := range files {
		want[f.Path] = true
		wantHashes[f.Path] = ""
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
		if !want[filepath.ToSlash(rel)] && !(d.Type().IsRegular() && toolFile(dir, filepath.ToSlash(rel), wantHashes)) {
			diffs = append(diffs, "extra: "+filepath.ToSlash(rel))
		}
		return nil
	})
	if len(diffs) == 0 {
		fmt.Fprintf(e.stdout, "%s is up to date\n", showPath(dir))
		return nil
	}
	slices.Sort(diffs)
	fmt.Fprintf(e.stderr, "%s is out of date:\n%s\n", showPath(dir), terminalText(strings.Join(diffs, "\n")))
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
