// Package runtime embeds floe's Dagster runtime: the floe_runtime Python package, emitted
// byte-for-byte next to every generated definitions.py (only its _stamp.py is rewritten
// with the compiler's version), and the definitions.py text/template.
package runtime

import (
	"embed"
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
