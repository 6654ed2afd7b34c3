// Package airflowtmpl embeds floe's Airflow runtime: the floe_airflow Python package
// (emitted next to every generated DAG file, each file behind the generated-file header
// that codegen adds), the DAG file's text/template, the Airflow image's Dockerfile
// template and the pinned requirements that image installs. The package's sources here
// are hand-written and carry no header.
package airflowtmpl

import (
	"embed"
	"io/fs"
)

// files holds the Python package and the templates. all: keeps files whose names start
// with "_" (floe_airflow/__init__.py, __main__.py), which go:embed drops otherwise.
//
//go:embed all:floe_airflow dag.py.tmpl Dockerfile.tmpl requirements-airflow.txt
var files embed.FS

// PackageDir is the directory of the Airflow runtime package inside Package().
const PackageDir = "floe_airflow"

// Package returns the embedded files; the Python package is under PackageDir.
func Package() fs.FS { return files }

func read(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil { // cannot happen: the file is embedded above
		panic(err)
	}
	return b
}

// DAGTemplate returns the text/template source of the generated DAG file.
func DAGTemplate() []byte { return read("dag.py.tmpl") }

// DockerfileTemplate returns the text/template source of the Airflow image's Dockerfile.
func DockerfileTemplate() []byte { return read("Dockerfile.tmpl") }

// Requirements returns the pinned packages of the Airflow image (a byte-for-byte copy of
// the repository root's requirements-airflow.txt, kept equal by a test in codegen/airflow).
func Requirements() []byte { return read("requirements-airflow.txt") }
