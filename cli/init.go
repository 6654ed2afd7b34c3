package cli

import (
	"bytes"
	"embed"
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
	"testing/fstest"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/codegen"
	"github.com/floe-dev/floe/compiler"
)

// scaffold is the product floe init writes: files ending in .tmpl are templates (the
// suffix is dropped), "gitignore" becomes ".gitignore".
//
//go:embed all:scaffold
var scaffold embed.FS

// productName is the pattern of metadata.name in floe.yaml (the floe-spec schema).
var productName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// yaml11Words are plain scalars a YAML 1.1 reader would not read as a string.
var yaml11Words = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// scaffoldView is what the templates see.
type scaffoldView struct {
	Name, NameYAML, DbtName         string
	Orchestrator, OrchestratorTitle string
	Dagster                         bool
}

type initFlags struct {
	name, orchestrator string
	add                bool
}

func newInitCmd(e *env) *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new data product that compiles and runs as is",
		Long: `Create a data product in DIR (default: the working directory): floe.yaml with three
transforms, a local manifest.yaml (DuckDB and a SQLite-backed Iceberg catalog under
target/floe-local/), a dbt project (dbt_project.yml, two CSV seeds, three models wired
by ref() and dependsOn, with tests), a .gitignore and a README of next steps. It
compiles and runs as is: cd DIR && floe run.

The product is named after DIR unless --name says otherwise (lower case letters,
digits and dashes, starting with a letter). --orchestrator picks the orchestrator
among those floe has a generator for.

DIR must be new or empty (a .git directory alone counts as empty). --add writes into a
non-empty directory: each file of the scaffold that is not there yet is added and
every existing file is kept as it is (and listed); it refuses a directory that already
holds floe.yaml or dbt_project.yml. floe init never replaces a file and never writes
through a symbolic link inside DIR: nothing is written when it would have to.`,
		Example: `  floe init shop                  # ./shop/, product "shop"
  floe init --name orders-daily .  # here, in an empty directory
  floe init --add .                # into an existing repository (keeps its README.md)`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) > 0 {
				dir = args[0]
			}
			return runInit(e, dir, f)
		},
	}
	cmd.Flags().StringVar(&f.name, "name", "", "product name (default: DIR's name, lower-cased, other characters turned into dashes)")
	cmd.Flags().StringVar(&f.orchestrator, "orchestrator", "dagster", "orchestrator: "+strings.Join(codegen.Orchestrators(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("orchestrator", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return codegen.Orchestrators(), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.Flags().BoolVar(&f.add, "add", false, "add the scaffold's files to a non-empty directory, keeping every existing file")
	return cmd
}

// defaultName derives a product name from a directory name: "My Shop_2" → "my-shop-2".
func defaultName(dir string) string {
	base := strings.ToLower(filepath.Base(dir))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}

// scaffoldFile is one file floe init writes.
type scaffoldFile struct {
	path string // slash-separated, relative to DIR
	data []byte
}

// renderScaffold renders the scaffold for v, in path order.
func renderScaffold(v scaffoldView) ([]scaffoldFile, error) {
	var files []scaffoldFile
	err := fs.WalkDir(scaffold, "scaffold", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := scaffold.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "scaffold/")
		if strings.HasSuffix(rel, ".tmpl") {
			rel = strings.TrimSuffix(rel, ".tmpl")
			t, err := template.New(rel).Option("missingkey=error").Parse(string(data))
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := t.Execute(&b, v); err != nil {
				return err
			}
			data = b.Bytes()
		}
		if rel == "gitignore" {
			rel = ".gitignore"
		}
		files = append(files, scaffoldFile{path: rel, data: data})
		return nil
	})
	slices.SortFunc(files, func(a, b scaffoldFile) int { return strings.Compare(a.path, b.path) })
	return files, err
}

func runInit(e *env, dir string, f initFlags) error {
	if strings.ContainsRune(dir, 0) {
		return usageErr("DIR %q: a path cannot contain a NUL character", dir)
	}
	name := f.name
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return inputErr("%v", err)
		}
		name = defaultName(abs)
		if !productName.MatchString(name) {
			return usageErr("cannot name the product after %s; give a name with --name (lower case letters, digits and dashes, starting with a letter)", showPath(filepath.Base(abs)))
		}
	} else if !productName.MatchString(name) {
		return usageErr("--name %q: want lower case letters, digits and dashes, starting with a letter", name)
	}
	if !slices.Contains(codegen.Orchestrators(), f.orchestrator) {
		return usageErr("--orchestrator %q: floe generates for %s", f.orchestrator, strings.Join(codegen.Orchestrators(), ", "))
	}
	v := scaffoldView{Name: name, NameYAML: name, DbtName: strings.ReplaceAll(name, "-", "_"),
		Orchestrator: f.orchestrator, OrchestratorTitle: title(f.orchestrator), Dagster: f.orchestrator == "dagster"}
	if slices.Contains(yaml11Words, name) {
		v.NameYAML = `"` + name + `"`
	}
	files, err := renderScaffold(v)
	if err != nil {
		return internalErr(fmt.Errorf("render the scaffold: %w", err))
	}
	// The scaffold must compile as it will be written; a name that makes it fail (too
	// long for Kubernetes, say) is refused before anything is written.
	if err := checkScaffold(e, files); err != nil {
		return err
	}
	todo, kept, err := planInit(dir, files, f.add)
	if err != nil {
		return err
	}
	for _, sf := range todo {
		p := filepath.Join(dir, filepath.FromSlash(sf.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return inputErr("create %s: %v", showPath(filepath.Dir(p)), describe(err))
		}
		if err := writeNewFile(p, sf.data, 0o644); err != nil {
			return inputErr("create %s: %v", showPath(p), describe(err))
		}
	}
	if e.quiet {
		return nil
	}
	w := e.stdout
	fmt.Fprintf(w, "created the data product %s in %s (%d files)\n", e.paint(w, name, styleBold), relToWd(e, dir), len(todo))
	if e.verbose {
		for _, sf := range todo {
			fmt.Fprintf(w, "  %s\n", sf.path)
		}
	}
	for _, k := range kept {
		fmt.Fprintf(w, "  kept your %s (not replaced)\n", k)
	}
	fmt.Fprintln(w, "next:")
	if rel := relToWd(e, dir); rel != "." {
		fmt.Fprintf(w, "  cd %s\n", rel)
	}
	fmt.Fprintln(w, "  floe validate    # every check, nothing written")
	if v.Dagster {
		fmt.Fprintln(w, "  floe run         # build every table locally (installs the Python runtime on first use)")
		fmt.Fprintln(w, "  floe dev         # Dagster's UI, re-compiled on every change")
	} else {
		fmt.Fprintln(w, "  floe compile     # write the orchestrator's files to target/floe/")
	}
	return nil
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkScaffold compiles the rendered scaffold from memory.
func checkScaffold(e *env, files []scaffoldFile) error {
	mem := fstest.MapFS{}
	for _, f := range files {
		mem[f.path] = &fstest.MapFile{Data: f.data, Mode: 0o644, ModTime: time.Unix(0, 0)}
	}
	read := func(name string) ([]byte, error) { return fs.ReadFile(mem, memPath(name)) }
	res, err := runCompiler(e, &inputFlags{spec: specFile, format: "text"}, compiler.Options{
		NoSerialize: true,
		ReadFile:    read,
		OpenLarge: func(name string) (io.ReadCloser, error) {
			f, err := mem.Open(memPath(name))
			if err != nil {
				return nil, err
			}
			return f, nil
		},
		ReadDir: func(name string) ([]fs.DirEntry, error) { return fs.ReadDir(mem, memPath(name)) },
		Stat:    func(name string) (fs.FileInfo, error) { return fs.Stat(mem, memPath(name)) },
	})
	if err != nil {
		return err
	}
	if res.Diags.HasErrors() || res.Internal {
		_ = report(e, res, "text")
		return usageErr("the new product would not compile with these options (see above)")
	}
	return nil
}

// memPath turns a compiler path into an fs.FS path.
func memPath(name string) string {
	p := path.Clean(filepath.ToSlash(name))
	return strings.TrimPrefix(p, "./")
}

// planInit decides what to write into dir: every scaffold file (dir new or empty), or
// with add the ones not there yet (kept lists the others). Nothing on the way may be a
// link or a non-directory; nothing is written when anything is wrong.
func planInit(dir string, files []scaffoldFile, add bool) (todo []scaffoldFile, kept []string, err error) {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return files, nil, nil
	case err != nil:
		return nil, nil, inputErr("%s: %v", showPath(dir), describe(err))
	case st.Mode()&fs.ModeSymlink != 0:
		if target, err := os.Stat(dir); err != nil || !target.IsDir() {
			return nil, nil, inputErr("%s is a symbolic link to no directory", showPath(dir))
		}
	case !st.IsDir():
		return nil, nil, inputErr("%s is not a directory", showPath(dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, inputErr("%s: %v", showPath(dir), describe(err))
	}
	var present []string
	for _, en := range entries {
		if en.Name() != ".git" {
			present = append(present, en.Name())
		}
	}
	if len(present) == 0 {
		return files, nil, nil
	}
	if !add {
		return nil, nil, inputErr("%s is not empty (%s); floe init writes into a new or empty directory, or adds to this one with --add (keeping every file)",
			showPath(dir), strings.Join(firstFew(present, 4), ", "))
	}
	for _, marker := range []string{specFile, "dbt_project.yml"} {
		if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
			return nil, nil, inputErr("%s already holds %s: it is a product or a dbt project already, which floe init does not change", showPath(dir), marker)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		// Every directory on the way must be a real directory (or not there yet).
		parts := strings.Split(f.path, "/")
		cur := dir
		for _, part := range parts[:len(parts)-1] {
			cur = filepath.Join(cur, part)
			st, err := os.Lstat(cur)
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				return nil, nil, inputErr("%s: %v", showPath(cur), describe(err))
			}
			if !st.IsDir() {
				return nil, nil, inputErr("%s is %s, not a directory; floe init does not write through links", showPath(cur), describeMode(st.Mode()))
			}
		}
		if _, err := os.Lstat(p); err == nil {
			kept = append(kept, f.path)
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, inputErr("%s: %v", showPath(p), describe(err))
		}
		todo = append(todo, f)
	}
	return todo, kept, nil
}
