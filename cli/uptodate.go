package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/compiler/dbt"
	"github.com/floe-dev/floe/internal/safefs"
	runtimetmpl "github.com/floe-dev/floe/templates/runtime"
)

// stampFile records, inside the output directory, what produced it: a key over the
// compiler version, the options and every input's bytes, and the hash of every file
// written. A re-run whose key matches and whose files are intact does nothing.
const stampFile = ".floe-stamp.json"

type stamp struct {
	Key    string   `json:"key"`
	Inputs []string `json:"inputs"`
	// Dirs and Absent: see stampInputs.
	Dirs   []string          `json:"dirs,omitempty"`
	Absent []string          `json:"absent,omitempty"`
	Files  map[string]string `json:"files"`
}

// stampInputs are what a compile read: files (by their bytes), directories whose
// listing mattered (the dbt model paths: a new model file must make the next run
// compile) and files whose absence mattered (a dbt manifest.json not written yet).
type stampInputs struct {
	Files, Dirs, Absent []string
}

// The work of one stamp key is bounded: the stamp is untrusted (a forged one listing "/"
// fifty times, or a big file three hundred times, must not make a re-run take
// minutes), and beyond any bound the answer is simply "not up to date". The bounds sit
// above what a real compile reads: floe.yaml and its manifests (64 MiB each at most),
// dbt's manifest.json (1 GiB at most) and up to dbt.MaxModelFiles model files, listed
// and read.
const (
	// maxStampEntries bounds the input files read, and the directory entries listed.
	maxStampEntries = dbt.MaxModelFiles + 10_000
	// listingSlack and listingPerFile bound the entries listed by the files read: a
	// listing holds the model files (inputs), plus what sits beside them.
	listingSlack, listingPerFile = 10_000, 4
	// maxStampDirs bounds the directories listed (dbt's model paths).
	maxStampDirs = 1000
	// maxStampBytes bounds the bytes hashed, all inputs together.
	maxStampBytes = dbt.MaxManifestBytes + 256<<20
	// maxInputBytes bounds one input: the largest is dbt's manifest.json.
	maxInputBytes = dbt.MaxManifestBytes
)

// stampBudget is what is left of the bounds above.
type stampBudget struct {
	entries, dirs int
	bytes         int64
}

func newStampBudget() *stampBudget {
	return &stampBudget{entries: maxStampEntries, dirs: maxStampDirs, bytes: maxStampBytes}
}

// stampKey hashes the compiler version, the options and the inputs: each file's bytes,
// each directory's listing, each absent file's absence. A file in sources is hashed as
// the compiler read it; any other is streamed from disk. Every path may come from an
// untrusted stamp: nothing but regular files is read, links are not followed into
// listings, a path listed twice is read once, and the whole work is bounded
// (stampBudget): false when the key cannot be computed within it.
func stampKey(options []string, in stampInputs, sources map[string][]byte) (string, bool) {
	h := sha256.New()
	io.WriteString(h, "floe "+Version+"\x00"+runtimetmpl.Fingerprint()+"\x00"+executableStamp()+"\x00")
	for _, o := range options {
		io.WriteString(h, o+"\x00")
	}
	budget := newStampBudget()
	seen := make(map[string]bool, len(in.Files)+len(in.Dirs))
	// Files first: a forged list of missing files fails before any listing, and the
	// listings may not hold more entries than the files read make plausible (model files
	// and the schema files, docs and directories beside them).
	files := 0
	for _, in := range in.Files {
		io.WriteString(h, in+"\x00")
		if seen[in] {
			io.WriteString(h, "again\x00")
			continue
		}
		seen[in] = true
		if files++; files > maxStampEntries {
			return "", false
		}
		if b, ok := sources[in]; ok {
			if budget.bytes -= int64(len(b)); budget.bytes < 0 {
				return "", false
			}
			h.Write(b)
		} else if !hashInput(h, in, budget) {
			return "", false
		}
		h.Write([]byte{0})
	}
	budget.entries = min(listingSlack+listingPerFile*files, maxStampEntries)
	for _, d := range in.Dirs {
		io.WriteString(h, "dir\x00"+d+"\x00")
		if seen["dir\x00"+d] {
			io.WriteString(h, "again\x00")
			continue
		}
		seen["dir\x00"+d] = true
		if budget.dirs--; budget.dirs < 0 || !hashListing(h, d, budget) {
			return "", false
		}
	}
	for _, a := range in.Absent {
		io.WriteString(h, "absent\x00"+a+"\x00")
		if _, err := os.Lstat(a); err == nil {
			io.WriteString(h, "present\x00")
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// hashInput streams the regular file name into h within the budget and maxInputBytes
// (a FIFO, a device, a file over a limit mean "no key").
func hashInput(h io.Writer, name string, budget *stampBudget) bool {
	f, info, err := safefs.Open(name, true)
	if err != nil {
		return false
	}
	defer f.Close()
	limit := min(int64(maxInputBytes), budget.bytes)
	if info.Size() > limit {
		return false
	}
	n, err := io.Copy(h, io.LimitReader(f, limit+1))
	budget.bytes -= n
	return err == nil && n <= limit
}

// hashListing writes the names and kinds of every entry under dir, recursively and in
// lexical order, without following links; false when the budget's entries run out. A
// directory that does not exist lists as nothing.
func hashListing(h io.Writer, dir string, budget *stampBudget) bool {
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return filepath.SkipAll
			}
			return nil
		}
		if budget.entries--; budget.entries < 0 {
			return errTooMany
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %d\x00", filepath.ToSlash(rel), d.Type())
		return nil
	})
	return err == nil
}

var errTooMany = errors.New("too many entries")

// executableStamp identifies this build of floe cheaply (path, size, modification
// time of the executable), so a rebuilt floe with the same version string recompiles.
func executableStamp() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	st, err := os.Stat(exe)
	if err != nil {
		return exe
	}
	return fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
}

// hashFile hashes the regular file p, read without following a link ("" when it
// cannot).
func hashFile(p string) string {
	h, _ := hashFileID(p)
	return h
}

// hashFileID is hashFile with the file's stats when it was opened, before its bytes were
// read (Ino -1 when there are none): a write while it is read changes them.
func hashFileID(p string) (string, fileStat) {
	f, info, err := safefs.Open(p, false)
	if err != nil {
		return "", fileStat{Ino: -1}
	}
	defer f.Close()
	id := statOf(info)
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fileStat{Ino: -1}
	}
	return hex.EncodeToString(h.Sum(nil)), id
}

func fileHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// withStamp appends the stamp file to files. Every tree floe writes carries it: it is
// the proof that floe wrote the directory (checkOwned). key is empty when the inputs'
// key could not be computed; such a stamp is never up to date.
func withStamp(files []gen.File, key string, in stampInputs) ([]gen.File, error) {
	st := stamp{Key: key, Inputs: in.Files, Dirs: in.Dirs, Absent: in.Absent, Files: map[string]string{}}
	hashes := make([]string, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		if len(f.Data) < 64<<10 {
			hashes[i] = fileHash(f.Data)
			continue
		}
		wg.Add(1)
		go func() { // the big files, at once
			defer wg.Done()
			hashes[i] = fileHash(f.Data)
		}()
	}
	wg.Wait()
	for i, f := range files {
		st.Files[f.Path] = hashes[i]
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(files, gen.File{Path: stampFile, Data: append(b, '\n'), Mode: 0o644}), nil
}

// upToDate reports whether dir was produced from the same key and is intact: every
// recorded file present with its recorded hash, and no other file.
//
// Everything it reads is untrusted (the stamp, the inputs it lists, the stat cache, the
// files): anything that is not a regular file, or is too big, means "not up to date".
func upToDate(dir string, options []string) bool {
	// A killed run's temporary tree next to the output is cleaned up by a real run.
	if len(leftovers(dir)) > 0 {
		return false
	}
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return false
	}
	b, _, err := safefs.ReadFileNoFollow(filepath.Join(dir, stampFile), maxRecordBytes)
	if err != nil {
		return false
	}
	var st stamp
	if json.Unmarshal(b, &st) != nil || len(st.Inputs) == 0 || st.Key == "" {
		return false
	}
	key, ok := stampKey(options, stampInputs{Files: st.Inputs, Dirs: st.Dirs, Absent: st.Absent}, nil)
	if !ok || key != st.Key {
		return false
	}
	cache, cachedAt := loadStatCache(dir, key)
	seen := 0
	intact := true
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == stampFile {
			return nil
		}
		want, ok := st.Files[rel]
		if !ok && d.Type().IsRegular() && toolFile(dir, rel, st.Files) {
			return nil // running the output made it; the next write drops it
		}
		if !ok || !d.Type().IsRegular() {
			intact = false
			return filepath.SkipAll
		}
		seen++
		// The same inode, size, modification and change time as right after floe wrote
		// it: the file was not touched since (ctime cannot be set back by hand). Times
		// not older than the cache itself could hide an edit within one tick of a
		// coarse clock (Git's "racily clean" files): those files are hashed.
		if info, err := d.Info(); err == nil && cache != nil {
			if c, ok := cache[rel]; ok && c == statOf(info) && c.Mtime < cachedAt && c.Ctime < cachedAt {
				return nil
			}
		}
		if hashFile(p) != want {
			intact = false
			return filepath.SkipAll
		}
		return nil
	})
	return err == nil && intact && seen == len(st.Files)
}

// compileOptions lists what besides the inputs changes the output. The output
// directory is one of them: the files name it relative to the product directory
// (definitions.py's project_dir, the Dockerfile's ARG and CMD), so an output moved or
// copied elsewhere is not up to date there. With the product's absolute path it fixes
// both relative paths generation uses.
func compileOptions(e *env, f *compileFlags, out string) []string {
	spec, _ := filepath.Abs(f.spec)
	absOut, _ := filepath.Abs(out)
	manifest := f.manifest
	if manifest != "" {
		manifest, _ = filepath.Abs(manifest)
	}
	opts := []string{"spec=" + spec, "manifest=" + manifest, "out=" + absOut,
		"output-format=" + f.outputFormat, "configmap-name=" + f.configMapName, "namespace=" + f.namespace,
		"image-repository=" + f.imageRepository, "image-tag=" + f.imageTag,
		"source-date-epoch=" + e.getenv("SOURCE_DATE_EPOCH")}
	if f.chart {
		opts = append(opts, "chart")
	}
	slices.Sort(opts)
	options := []string{strings.Join(opts, "\x00")}
	if f.dbtManifest != "" {
		// Which dbt manifest is read changes the result as any option does.
		abs, _ := filepath.Abs(f.dbtManifest)
		options = append(options, "dbt-manifest="+abs)
	}
	return options
}

// The stat cache, beside the output directory (.<dir>.stat.json, next to its lock),
// records each output file's identity right after a write, so an up-to-date check
// stats the files instead of reading and hashing megabytes of them. It is only a cache:
// when it is missing, stale or does not match, or the platform gives no inode and
// change time (Windows), the files are hashed as before.
type fileStat = safefs.FileID

type statCache struct {
	Key   string              `json:"key"`
	Files map[string]fileStat `json:"files"`
}

func statCachePath(dir string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".stat.json")
}

func statOf(info os.FileInfo) fileStat {
	id, ok := safefs.IDOf(info)
	if !ok {
		return fileStat{Ino: -1} // never equal to a recorded entry
	}
	return id
}

// collectStats records the stats of the regular files under root.
func collectStats(root string) (map[string]fileStat, error) {
	stats := map[string]fileStat{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		stats[filepath.ToSlash(rel)] = statOf(info)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stats, nil
}

// writeStatCache writes the stat cache of dir (best effort: without it, files are
// hashed). It is written to a new temporary file (O_EXCL, a fresh name) and renamed
// over the cache, which replaces whatever is there without following it.
func writeStatCache(dir, key string, stats map[string]fileStat) {
	path := statCachePath(dir)
	b, err := json.Marshal(statCache{Key: key, Files: stats})
	if err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		_ = os.Remove(f.Name())
		_ = os.Remove(path)
	}
}

// loadStatCache returns the recorded stats of dir when they were saved for key, with
// the cache file's own modification time (of the file read, not of what a link names).
func loadStatCache(dir, key string) (map[string]fileStat, int64) {
	b, info, err := safefs.ReadFileNoFollow(statCachePath(dir), maxRecordBytes)
	if err != nil {
		return nil, 0
	}
	var c statCache
	if json.Unmarshal(b, &c) != nil || c.Key != key {
		return nil, 0
	}
	return c.Files, info.ModTime().UnixNano()
}
