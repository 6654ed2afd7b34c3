package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/floe-dev/floe/internal/safefs"
)

// floe replaces its output directory whole, so before it does, it proves the directory
// is its own: it does not exist, or holds no files, or every file in it is one the
// stamp floe wrote there lists. Nothing else (no flag) makes it replace a directory.

// maxRecordBytes caps the records floe reads back (its stamp, its stat cache).
const maxRecordBytes = 64 << 20

// shownFiles is how many offending files an error names.
const shownFiles = 5

// protected is a path the output directory must not be, or contain.
type protected struct {
	path, what string
}

// checkOutput refuses an output directory that floe must not replace: one that is a
// link or not a directory, that is or contains the product directory or an input, or
// that holds files floe did not write. It changes nothing on disk. changedOK accepts
// files the stamp lists whose bytes changed (for --check, which shows them as
// differences and writes nothing); a write refuses them.
//
// proven carries what one check learnt to the next check of the same directory (nil:
// nothing): the stats of the files whose bytes it found to be floe's. A file whose stats
// are still those is not read again (as the up-to-date check trusts its stat cache); any
// write since changes its change time or size, and the file is hashed anew.
func checkOutput(dir string, keep []protected, changedOK bool, proven *provenFiles) error {
	dir = filepath.Clean(dir)
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // nothing there to lose (and so nothing inside it either)
	case err != nil:
		return fmt.Errorf("output directory %s: %w", showPath(dir), describe(err))
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("output directory %s is a symbolic link; floe does not write through links", showPath(dir))
	case !st.IsDir():
		return fmt.Errorf("output path %s exists and is not a directory", showPath(dir))
	}
	for _, k := range keep {
		if inside(k.path, st) {
			rel := "contains"
			if same(k.path, st) {
				rel = "is"
			}
			return fmt.Errorf("output directory %s %s %s %s\n"+
				"floe replaces its output directory as a whole, so it must not hold the product or its inputs; "+
				"choose a directory of its own with -o (the default is target/floe next to floe.yaml)",
				showPath(dir), rel, k.what, showPath(k.path))
		}
	}
	return checkOwned(dir, changedOK, proven)
}

// checkOwned refuses dir when it holds files floe did not write there (or, unless
// changedOK, files of floe's that changed since).
func checkOwned(dir string, changedOK bool, proven *provenFiles) error {
	foreign, more, err := foreignFilesUpTo(dir, shownFiles, proven)
	if err != nil {
		return fmt.Errorf("output directory %s cannot be checked: %w", showPath(dir), err)
	}
	if changedOK {
		foreign = slices.DeleteFunc(foreign, func(f foreignFile) bool { return f.changed })
	}
	if len(foreign) == 0 {
		return nil
	}
	names := make([]string, len(foreign))
	for i, f := range foreign {
		names[i] = showPath(filepath.Join(dir, filepath.FromSlash(f.rel)))
		if !f.mode.IsRegular() {
			names[i] += " (" + safefs.Kind(f.mode) + ")"
		} else if f.changed {
			names[i] += " (changed since floe wrote it)"
		}
	}
	list := strings.Join(names, ", ")
	if more {
		list += " and more"
	}
	return fmt.Errorf("output directory %s holds files floe did not write: %s\n"+
		"floe replaces its output directory as a whole, and only one that is new, empty, or written by floe "+
		"(every file listed in its %s, with the bytes floe wrote), whatever the flags; move those files away, "+
		"or choose another directory with -o (a changed file of floe's is written anew once it is moved away)",
		showPath(dir), list, stampFile)
}

// foreignFile is a file in an output directory that floe did not write.
type foreignFile struct {
	rel  string // slash-separated, relative to the directory
	mode fs.FileMode
	// changed: the stamp lists the file, but its bytes are not the ones floe wrote.
	changed bool
}

// foreignFiles lists (slash-separated, relative to dir) up to shownFiles files under
// dir that floe did not write: anything but a directory, the stamp, or a regular file
// the stamp lists with the hash of its current bytes (a listed file whose bytes changed
// is reported with changed set). more is set when there are others. The stamp is read without
// following a link; links in the tree are reported, never followed.
func foreignFiles(dir string) (foreign []foreignFile, more bool, err error) {
	return foreignFilesUpTo(dir, shownFiles, nil)
}

// provenFiles are the files a check of a directory found to hold the bytes its stamp
// lists (slash-separated paths relative to the directory): their stats, and the hashes
// of those bytes.
type provenFiles struct {
	stats  map[string]fileStat
	hashes map[string]string
}

// sameAs reports whether the file rel in dir is still the one proven, holding bytes of
// hash, with its modification time: the file need not be read to know it.
func (p *provenFiles) sameAs(dir, rel, hash string) (time.Time, bool) {
	if p == nil || p.hashes[rel] != hash {
		return time.Time{}, false
	}
	st, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil || !st.Mode().IsRegular() {
		return time.Time{}, false
	}
	if id := statOf(st); id.Ino <= 0 || id != p.stats[rel] {
		return time.Time{}, false
	}
	return st.ModTime(), true
}

// foreignFilesUpTo is foreignFiles listing up to limit files; with proven, files whose
// stats proven holds are floe's without being read, and proven is replaced by what this
// walk proved.
func foreignFilesUpTo(dir string, limit int, proven *provenFiles) (foreign []foreignFile, more bool, err error) {
	var listed map[string]string
	if b, _, err := safefs.ReadFileNoFollow(filepath.Join(dir, stampFile), maxRecordBytes); err == nil {
		var st stamp
		if json.Unmarshal(b, &st) == nil {
			listed = st.Files
		}
	}
	// The walk finds the files; those the stamp lists are hashed after it, on every CPU
	// (a compile's output is a few large files). found keeps the walk's order; the walk
	// stops once more than limit files are foreign whatever the hashes say.
	type entry struct {
		foreignFile
		path   string
		listed bool // a regular file the stamp lists: floe's if its bytes hash to want
		want   string
		stat   fileStat // its stats as the walk saw them (with proven)
	}
	var found []entry
	certain := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		want, ok := listed[rel]
		e := entry{foreignFile: foreignFile{rel: rel, mode: d.Type()}, path: p}
		if d.Type().IsRegular() {
			switch {
			case rel == stampFile || !ok && toolFile(dir, rel, listed):
				return nil
			case ok:
				// Listed is not enough: a forged or stale stamp may list a file of the
				// user's, or the user may have edited floe's. Only the bytes floe wrote
				// are proven floe's.
				e.listed, e.want = true, want
				if proven != nil {
					if info, err := d.Info(); err == nil {
						e.stat = statOf(info)
					}
				}
			}
		}
		found = append(found, e)
		if !e.listed {
			if certain++; certain > limit {
				return filepath.SkipAll
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, describe(err)
	}
	mine := make([]bool, len(found))
	ids := make([]fileStat, len(found)) // the stats of the bytes hashed
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, e := range found {
		switch {
		case !e.listed:
		case proven != nil && e.stat.Ino > 0 && proven.stats[e.rel] == e.stat:
			mine[i], ids[i] = true, e.stat
		default:
			g.Go(func() error {
				h, id := hashFileID(e.path)
				mine[i], ids[i] = h == e.want, id
				return nil
			})
		}
	}
	_ = g.Wait()
	if proven != nil {
		proven.stats, proven.hashes = map[string]fileStat{}, map[string]string{}
		for i, e := range found {
			if mine[i] && ids[i].Ino > 0 {
				proven.stats[e.rel], proven.hashes[e.rel] = ids[i], e.want
			}
		}
	}
	for i, e := range found {
		if mine[i] {
			continue
		}
		if len(foreign) == limit {
			return foreign, true, nil
		}
		e.changed = e.listed
		foreign = append(foreign, e.foreignFile)
	}
	return foreign, false, nil
}

// toolFile reports whether rel is a file that the tools floe's output is made for write
// into it when they run, not data of the user's: Python's bytecode cache of a module
// floe wrote (pythonCacheOf) and dbt's anonymous user id (dbtUserFile). floe treats them
// as its own: they do not keep a directory from being floe's, nor the output from being
// up to date, and the next write drops them.
func toolFile(dir, rel string, listed map[string]string) bool {
	return pythonCacheOf(rel, listed) || rel == dbtUserFileName && isDbtUserFile(filepath.Join(dir, rel))
}

// dbtUserFileName is the file dbt writes into its profiles directory (floe's output
// directory, where profiles.yml is) unless usage statistics are off: `id: <uuid>`.
const dbtUserFileName = ".user.yml"

// dbtUserFile matches the whole of the file dbt writes there.
var dbtUserFile = regexp.MustCompile(`^id: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\r?\n?$`)

// isDbtUserFile reports whether the regular file name holds what dbt writes into
// .user.yml, and nothing else (a file of the user's by that name is not dbt's).
func isDbtUserFile(name string) bool {
	b, _, err := safefs.ReadFileNoFollow(name, 256)
	return err == nil && dbtUserFile.Match(b)
}

// pythonCacheOf reports whether rel is Python's bytecode cache of a module floe wrote
// (dir/__pycache__/name.cpython-312.pyc for a listed dir/name.py): running the output
// (dagster dev, the runtime tests) creates these, and they are floe's as much as the
// module is.
func pythonCacheOf(rel string, listed map[string]string) bool {
	dir, name := path.Split(rel)
	if path.Base(dir) != "__pycache__" || !strings.HasSuffix(name, ".pyc") {
		return false
	}
	module, _, _ := strings.Cut(name, ".")
	_, ok := listed[path.Join(path.Dir(path.Clean(dir)), module+".py")]
	return ok
}

// inside reports whether the directory dirSt is p or one of p's ancestors, on the
// path as written and on the path its links resolve to (deleting either ancestor
// would delete p, or the link naming it).
func inside(p string, dirSt fs.FileInfo) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	paths := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		paths = append(paths, real)
	}
	for _, a := range paths {
		for {
			if same(a, dirSt) {
				return true
			}
			up := filepath.Dir(a)
			if up == a {
				break
			}
			a = up
		}
	}
	return false
}

// same reports whether path names the file dirSt describes.
func same(path string, dirSt fs.FileInfo) bool {
	st, err := os.Stat(path)
	return err == nil && os.SameFile(st, dirSt)
}

// leftovers lists what floe's killed or failed runs left beside dir that is safe to
// remove: temporary and backup trees (".<dir>.tmp-*") that hold only files their own
// stamp lists (whatever their bytes: a killed run's may be half-written), and temporary stat caches (".<dir>.stat.json.tmp-*"). Anything else by
// those names (a link, a tree with other files) is left alone.
func leftovers(dir string) []string {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	entries, _ := os.ReadDir(parent)
	var out []string
	for _, e := range entries {
		p := filepath.Join(parent, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "."+base+".tmp-") && e.IsDir():
			// A killed run may have left a file half-written: in a tree by floe's
			// temporary name, a file its stamp lists is floe's whatever its bytes.
			if foreign, _, err := foreignFiles(p); err == nil && !slices.ContainsFunc(foreign, func(f foreignFile) bool { return !f.changed }) {
				out = append(out, p)
			}
		case strings.HasPrefix(e.Name(), "."+base+".stat.json.tmp-") && e.Type().IsRegular():
			out = append(out, p)
		}
	}
	return out
}

// removeTree deletes a tree floe owns. Its stamp goes last, so a removal cut short (a
// killed run) leaves a tree that still proves itself floe's and is removed by the next
// run (see leftovers). Directories in it that are read-only (a user's chmod 0555 on the
// output) would stop the removal and leave the tree behind for ever, so they are made
// writable first; links are removed, never followed.
func removeTree(p string) error {
	if err := removeAllBut(p, stampFile); err != nil {
		_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if d != nil && d.IsDir() {
				_ = os.Chmod(q, 0o700) // before WalkDir reads it
			}
			return nil
		})
		if err := removeAllBut(p, stampFile); err != nil {
			return err
		}
	}
	return os.RemoveAll(p)
}

// removeAllBut removes everything in the directory p but its entry keep.
func removeAllBut(p, keep string) error {
	entries, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != keep {
			if err := os.RemoveAll(filepath.Join(p, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// showPath quotes a path that holds anything but printable characters, so a hostile
// file name cannot write control sequences to the terminal.
func showPath(p string) string {
	if q := strconv.Quote(p); q[1:len(q)-1] != p {
		return q
	}
	return p
}

// terminalText is s with every control character but line breaks and tabs written as
// an escape (\x1b, \u0085): text floe prints (messages, summaries) holds paths and
// values of the user's, and a file name must not be able to send control sequences to
// the terminal.
func terminalText(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError)
}

// protectedPaths lists what an output directory must not be or contain: the product
// directory and every input the compiler read.
func protectedPaths(spec string, inputs []string) []protected {
	product := filepath.Dir(spec)
	if abs, err := filepath.Abs(product); err == nil && product == "." {
		product = abs // "contains the product directory ." would say little
	}
	keep := []protected{{path: product, what: "the product directory"}}
	for _, in := range inputs {
		keep = append(keep, protected{path: in, what: "the input"})
	}
	return keep
}

// lockWaiting tells the user, once, that another run holds the output's lock (not in
// the json and sarif formats, whose stderr is for machines).
func lockWaiting(e *env, out, format string) func(string) {
	if format == "json" || format == "sarif" {
		return nil
	}
	return func(holder string) {
		fmt.Fprintf(e.stderr, "floe: waiting for another floe run to finish writing %s (%s)\n", showPath(out), holder)
	}
}
