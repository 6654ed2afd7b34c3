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
	"syscall"

	"github.com/floe-dev/floe/codegen/gen"
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
			f, err := os.Open(in)
			if err != nil {
				return "", false
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
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

func fileHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// withStamp appends the stamp file to files.
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
func upToDate(dir string, options []string) bool {
	// A killed run's temporary tree next to the output is cleaned up by a real run.
	clean := filepath.Clean(dir)
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(clean), "."+filepath.Base(clean)+".tmp-*")); len(stale) > 0 {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil {
		return false
	}
	var st stamp
	if json.Unmarshal(b, &st) != nil || len(st.Inputs) == 0 {
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
		data, err := os.ReadFile(p)
		if err != nil || fileHash(data) != want {
			intact = false
			return filepath.SkipAll
		}
		return nil
	})
	return err == nil && intact && seen == len(st.Files)
}

// compileOptions lists what besides the inputs changes the output.
func compileOptions(e *env, f *compileFlags, args []string) []string {
	// The output directory is not part of the key: the stamp lives inside it.
	spec, _ := filepath.Abs(specPath(args))
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
	return []string{strings.Join(opts, "\x00")}
}

// The stat cache, beside the output directory (.<dir>.stat.json, next to its lock),
// records each output file's identity right after a write, so an up-to-date check
// stats the files instead of reading and hashing megabytes of them. It is only a cache:
// when it is missing, stale or does not match, the files are hashed as before.
type fileStat struct {
	Ino, Size, Mtime, Ctime int64
}

type statCache struct {
	Key   string              `json:"key"`
	Files map[string]fileStat `json:"files"`
}

func statCachePath(dir string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".stat.json")
}

func statOf(info os.FileInfo) fileStat {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{Ino: -1} // never equal to a recorded entry
	}
	return fileStat{Ino: int64(st.Ino), Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano()}
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

// writeStatCache writes the stat cache of dir (best effort: without it, files are hashed).
func writeStatCache(dir, key string, stats map[string]fileStat) {
	path := statCachePath(dir)
	b, err := json.Marshal(statCache{Key: key, Files: stats})
	if err != nil {
		return
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, b, 0o644) != nil || os.Rename(tmp, path) != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(path)
	}
}

// loadStatCache returns the recorded stats of dir when they were saved for key, with
// the cache file's own modification time.
func loadStatCache(dir, key string) (map[string]fileStat, int64) {
	path := statCachePath(dir)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0
	}
	var c statCache
	if json.Unmarshal(b, &c) != nil || c.Key != key {
		return nil, 0
	}
	return c.Files, info.ModTime().UnixNano()
}
