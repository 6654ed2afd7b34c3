package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// specFile is the name of a product's spec.
const specFile = "floe.yaml"

// specPath turns the PATH argument into floe.yaml's path. A file is itself, a
// directory means DIR/floe.yaml. With no argument floe.yaml is searched for in the
// working directory and then in each parent up to the file system's root, as git and
// dbt search for their projects; the path returned is relative to the working
// directory ("../floe.yaml") so diagnostics name it as the user would.
func specPath(e *env, args []string) (string, error) {
	if len(args) > 0 && args[0] != "" {
		p := args[0]
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, specFile)
		}
		return filepath.Clean(p), nil
	}
	wd, err := e.getwd()
	if err != nil {
		return specFile, nil // the compiler reports that floe.yaml cannot be read
	}
	rel := "."
	for dir := wd; ; {
		// Only a regular file (or a link to one) counts: a directory named floe.yaml
		// does not stop the search, and a FIFO is never opened by the search.
		if st, err := os.Stat(filepath.Join(dir, specFile)); err == nil && st.Mode().IsRegular() {
			return filepath.Join(rel, specFile), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
		rel = filepath.Join(rel, "..")
	}
	return "", inputErr("no %s in %s or any parent directory; create a product with `floe init`, or name one: floe %s PATH",
		specFile, showPath(wd), "<command>")
}

// commandSpec is specPath with the command's name in the "not found" message.
func commandSpec(e *env, cmd string, args []string) (string, error) {
	spec, err := specPath(e, args)
	var ee *exitError
	if errors.As(err, &ee) {
		ee.msg = strings.Replace(ee.msg, "<command>", cmd, 1)
	}
	return spec, err
}

// outputPaths are the paths a compile writes to and names in generated files.
type outputPaths struct {
	// spec is floe.yaml's path as given (or found).
	spec string
	// out is the output directory as the user gave it (or target/floe next to floe.yaml).
	out string
	// productFromOut is the product directory relative to the output directory,
	// slash-separated (definitions.py finds the dbt project through it).
	productFromOut string
	// outInProduct is the output directory relative to the product directory when it
	// lies inside it ("" otherwise; the Dockerfile names it).
	outInProduct string
}

// defaultOut is the output directory of a product: target/floe next to floe.yaml.
func defaultOut(spec string) string {
	return filepath.Join(filepath.Dir(spec), "target", "floe")
}

// resolveOutput computes the output paths of spec written to out ("" for the default).
// Both directories are made absolute first, so a relative -o and an absolute one give
// the same answer.
//
// The default output's parent, target/ in the product directory, must not be a link:
// floe creates the output, its lock and its stat cache there, and would otherwise write
// wherever the link points. (An -o path is the user's choice, links included; the
// output directory itself is never a link, see checkOutput.)
func resolveOutput(spec, out string) (outputPaths, error) {
	if out == "" {
		out = defaultOut(spec)
		parent := filepath.Dir(out)
		if st, err := os.Lstat(parent); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return outputPaths{}, inputErr("%s is a symbolic link; floe does not write its default output (%s), lock and stat cache through a link it did not make: "+
				"remove the link (floe creates the directory), or choose the output directory with -o", showPath(parent), showPath(out))
		}
	}
	p := outputPaths{spec: spec, out: out}
	absOut, err1 := filepath.Abs(out)
	absProduct, err2 := filepath.Abs(filepath.Dir(spec))
	if err := errors.Join(err1, err2); err != nil {
		return p, inputErr("%v", err)
	}
	rel, err := filepath.Rel(absOut, absProduct)
	if err != nil {
		rel = absProduct
	}
	p.productFromOut = filepath.ToSlash(rel)
	in, err := filepath.Rel(absProduct, absOut)
	if err == nil && in != ".." && !strings.HasPrefix(in, ".."+string(filepath.Separator)) {
		p.outInProduct = filepath.ToSlash(in)
	}
	return p, nil
}

// localDir is the directory of a product's local runs: Dagster's instance (runs,
// event logs, schedules), the run logs, and by the default manifest the DuckDB file,
// the Iceberg catalog and its warehouse. It is under target/, which dbt and floe own
// and git ignores.
func localDir(spec string) string {
	return filepath.Join(filepath.Dir(spec), "target", "floe-local")
}

// dagsterHome is the product's DAGSTER_HOME, shared by floe run and floe dev so the UI
// shows the runs floe run made.
func dagsterHome(spec string) string {
	return filepath.Join(localDir(spec), "dagster_home")
}

// relToWd shows p relative to the working directory when that is shorter, so advice
// names paths as the user would type them where they stand.
func relToWd(e *env, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return showPath(p)
	}
	wd, err := e.getwd()
	if err != nil {
		return showPath(abs)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || len(rel) >= len(abs) {
		return showPath(abs)
	}
	return showPath(rel)
}

// inProduct returns the files among names that lie inside the product directory (the
// directory of spec), relative to it and slash-separated, sorted: the image's build
// context leaves floe.yaml and the manifests there out (they may hold literal secrets).
func inProduct(spec string, names []string) []string {
	product, err := filepath.Abs(filepath.Dir(spec))
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range names {
		abs, err := filepath.Abs(n)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(product, abs)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			continue
		}
		out = append(out, filepath.ToSlash(rel))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
