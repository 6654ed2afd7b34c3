package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/internal/safefs"
	runtimetmpl "github.com/floe-dev/floe/templates/runtime"
)

// stampFile records, inside the output directory, what produced it: a key over the
// compiler version, the options and every input's bytes, and the hash of every file
// written. A re-run whose key matches and whose files are intact does nothing.
const stampFile = ".floe-stamp.json"

type stamp struct {
	Key    string            `json:"key"`
	Inputs []string          `json:"inputs"`
	Files  map[string]string `json:"files"`
}

// stampKey hashes the compiler version, the options and the inputs' bytes; read is nil
// to stream them from disk (no copy of a big floe.yaml in memory).
func stampKey(options []string, inputs []string, read func(string) ([]byte, error)) (string, bool) {
	h := sha256.New()
	io.WriteString(h, "floe "+Version+"\x00"+runtimetmpl.Fingerprint()+"\x00"+executableStamp()+"\x00")
	for _, o := range options {
		io.WriteString(h, o+"\x00")
	}
	for _, in := range inputs {
		io.WriteString(h, in+"\x00")
		if read == nil {
			// The stamp's input list is untrusted: only a regular file within the input
			// size limit is read (a FIFO or /dev/zero there means "not up to date").
			f, info, err := safefs.Open(in, true)
			if err != nil {
				return "", false
			}
			n, err := io.Copy(h, io.LimitReader(f, parse.MaxFileBytes+1))
			f.Close()
			if err != nil || n > parse.MaxFileBytes || info.Size() > parse.MaxFileBytes {
				return "", false
			}
		} else {
			b, err := read(in)
			if err != nil {
				return "", false
			}
			h.Write(b)
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

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
	f, _, err := safefs.Open(p, false)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// withStamp appends the stamp file to files. Every tree floe writes carries it: it is
// the proof that floe wrote the directory (checkOwned). key is empty when the inputs'
// key could not be computed; such a stamp is never up to date.
func withStamp(files []gen.File, key string, inputs []string) ([]gen.File, error) {
	st := stamp{Key: key, Inputs: inputs, Files: map[string]string{}}
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
	key, ok := stampKey(options, st.Inputs, nil)
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
		if !ok && d.Type().IsRegular() && pythonCacheOf(rel, st.Files) {
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

// compileOptions lists what besides the inputs changes the output.
func compileOptions(e *env, f *compileFlags) []string {
	// The output directory is not part of the key: the stamp lives inside it.
	spec, _ := filepath.Abs(f.spec)
	manifest := f.manifest
	if manifest != "" {
		manifest, _ = filepath.Abs(manifest)
	}
	opts := []string{"spec=" + spec, "manifest=" + manifest,
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
