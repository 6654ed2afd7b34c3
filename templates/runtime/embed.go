// Package runtime embeds floe's Dagster runtime: the floe_runtime Python package, emitted
// next to every generated definitions.py (each file behind the generated-file header that
// codegen adds, only its _stamp.py rewritten with the compiler's version), and the
// definitions.py text/template. The sources here are hand-written and carry no header.
package runtime

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
)

// files holds the Python package and the template. all: keeps files whose names start
// with "_" (floe_runtime/__init__.py, _stamp.py), which go:embed drops otherwise.
//
//go:embed all:floe_runtime definitions.py.tmpl
var files embed.FS

// PackageDir is the directory of the runtime package inside Package().
const PackageDir = "floe_runtime"

// StampFile is the package file codegen rewrites with the compiler's version stamp.
const StampFile = "floe_runtime/_stamp.py"

// Package returns the embedded files; the Python package is under PackageDir.
func Package() fs.FS { return files }

// DefinitionsTemplate returns the text/template source of definitions.py.
func DefinitionsTemplate() []byte {
	b, err := files.ReadFile("definitions.py.tmpl")
	if err != nil { // cannot happen: the file is embedded above
		panic(err)
	}
	return b
}

// Fingerprint is a SHA-256 over every embedded file (path and bytes, in path order).
// It changes whenever the runtime or the definitions.py template changes, even within
// one floe version, so a "still up to date?" check can include it.
func Fingerprint() string {
	h := sha256.New()
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
