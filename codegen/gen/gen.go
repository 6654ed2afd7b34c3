// Package gen holds the small types every generator in codegen shares: the in-memory
// file a generator returns and the options it is given. It imports nothing of floe's
// but schemas, so codegen and its sub-packages can all depend on it.
package gen

import (
	"io/fs"
	"time"
)

// File is one generated file, held in memory until the CLI writes the whole tree.
type File struct {
	// Path is slash-separated and relative to the output directory (never absolute, never "..").
	Path string
	// Data is the file's exact content.
	Data []byte
	// Mode is the permission bits (0o644 when zero).
	Mode fs.FileMode
}

// Options are what generators need beyond the compiled product.
type Options struct {
	// ProjectDir is the product directory (the dbt project) relative to the output
	// directory, slash-separated (for the default output target/floe this is "../..").
	ProjectDir string
	// OutputDir is the output directory relative to the product directory,
	// slash-separated ("target/floe" by default), or "" when it lies outside it.
	OutputDir string
	// Time is the timestamp for anything that must carry one (archive entries): the
	// artifact's compiled_at, so SOURCE_DATE_EPOCH makes output reproducible.
	Time time.Time
	// ImageRepository and ImageTag override the manifest's image when non-empty (flags).
	ImageRepository string
	ImageTag        string
	// Chart asks for the packaged product Helm chart (floe package / compile --chart).
	Chart bool
	// ImageExclude are files of the product directory (slash-separated, relative to it)
	// the image's build context leaves out: floe.yaml and the manifests, which may hold
	// literal secrets and which nothing in the image reads.
	ImageExclude []string
}
