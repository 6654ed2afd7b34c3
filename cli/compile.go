package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/codegen"
	"github.com/floe-dev/floe/codegen/artifact"
	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/codegen/helm"
	"github.com/floe-dev/floe/compiler"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/safefs"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/schemas/k8scheck"
)

// inputFlags are shared by compile, validate and graph.
type inputFlags struct {
	manifest    string
	format      string
	dbtManifest string
}

func (f *inputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.manifest, "manifest", "", "platform manifest (default: platform.manifest in floe.yaml, relative to it)")
	cmd.Flags().StringVar(&f.dbtManifest, "dbt-manifest", "", "dbt's manifest.json to check refs against (default: the dbt project's target/manifest.json when present)")
	cmd.Flags().StringVar(&f.format, "format", "text", "diagnostics format: text, json, sarif or github")
}

func (f *inputFlags) check() error {
	if !slices.Contains(diag.Formats, f.format) {
		return usageErr("--format %q: want one of %s", f.format, strings.Join(diag.Formats, ", "))
	}
	return nil
}

// specPath turns the PATH argument into floe.yaml's path: no argument means
// ./floe.yaml, a directory means DIR/floe.yaml.
func specPath(args []string) string {
	p := "floe.yaml"
	if len(args) > 0 {
		p = args[0]
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, "floe.yaml")
	}
	return filepath.Clean(p)
}

// maxSourceDateEpoch is the last second of year 9999, the last an RFC 3339 time holds.
const maxSourceDateEpoch = 253402300799

// compiledAt is SOURCE_DATE_EPOCH (UTC) when set, else now.
func compiledAt(e *env) (time.Time, error) {
	if s := e.getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, usageErr("SOURCE_DATE_EPOCH=%q is not a non-negative integer", s)
		}
		if n > maxSourceDateEpoch { // compiled_at is an RFC 3339 time: a four-digit year
			return time.Time{}, usageErr("SOURCE_DATE_EPOCH=%q is out of range: at most %d (9999-12-31T23:59:59Z)", s, maxSourceDateEpoch)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return e.now().UTC(), nil
}

// readInput reads an input (floe.yaml, a manifest): a regular file only, never
// blocking on a FIFO, and never more than the input size limit.
func readInput(name string) ([]byte, error) {
	return safefs.ReadFile(name, parse.MaxFileBytes)
}

// openLarge opens a big input (dbt's manifest.json) for streaming: a regular file only,
// never blocking on a FIFO.
func openLarge(name string) (io.ReadCloser, error) {
	f, _, err := safefs.Open(name, true)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// runCompiler compiles floe.yaml; run sets Phase, NoSerialize and, when not zero,
// CompiledAt (the other fields come from the flags and the environment).
func runCompiler(e *env, args []string, f *inputFlags, run compiler.Options) (*compiler.Result, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	at, err := compiledAt(e)
	if err != nil {
		return nil, err
	}
	manifest := f.manifest
	if manifest != "" {
		manifest = filepath.Clean(manifest)
	}
	if !run.CompiledAt.IsZero() {
		at = run.CompiledAt
	}
	dbtManifest := f.dbtManifest
	if dbtManifest != "" {
		dbtManifest = filepath.ToSlash(filepath.Clean(dbtManifest))
	}
	res := compiler.Compile(compiler.Options{
		SpecPath: specPath(args), ManifestPath: manifest, ReadFile: readInput,
		OpenLarge: openLarge, ReadDir: os.ReadDir, Stat: os.Stat, DbtManifest: dbtManifest,
		CompiledAt: at, FloeVersion: Version, Orchestrators: codegen.Orchestrators(), Phase: run.Phase,
		NoSerialize: run.NoSerialize,
	})
	return res, nil
}

// report renders the diagnostics and returns the exit error they imply. Text is for
// people and goes to stderr; json, sarif and github are for programs and go to stdout,
// so `floe validate --format json | jq` works.
func report(e *env, res *compiler.Result, format string) error {
	if len(res.Diags) > 0 || format != "text" {
		// Literal secrets of the inputs are redacted from the messages and quoted lines.
		diags, sources := res.Redacted()
		w := e.stdout
		if format == "text" {
			w = e.stderr
		}
		if err := diag.Render(w, format, diags, sources, "floe", Version); err != nil {
			return &exitError{code: ExitInternal, msg: fmt.Sprintf("render diagnostics: %v", err)}
		}
	}
	switch {
	case res.Internal:
		return silentExit(ExitInternal)
	case res.Diags.HasErrors():
		return silentExit(ExitInput)
	}
	return nil
}

func newValidateCmd(e *env) *cobra.Command {
	var f inputFlags
	cmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Run every check of compile and write nothing",
		Long: `Validate floe.yaml (PATH, a directory holding it, or ./floe.yaml) and its platform
manifest with every check floe compile runs, and write nothing. Made for CI.

Every problem is reported in one run. The dbt project beside floe.yaml is checked too: a
model file per transform and, with dbt's manifest.json (target/manifest.json after
dbt parse, or --dbt-manifest), refs that match dependsOn. Text diagnostics go to stderr;
--format json, sarif and github go to stdout.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runCompiler(e, args, &f, compiler.Options{NoSerialize: true})
			if err != nil {
				return err
			}
			if err := report(e, res, f.format); err != nil {
				return err
			}
			if f.format == "text" {
				fmt.Fprintf(e.stdout, "%s: valid (%d transforms)\n", showPath(specPath(args)), len(res.Product.Models))
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

type compileFlags struct {
	inputFlags
	out, outputFormat, configMapName, namespace string
	imageRepository, imageTag                   string
	check, chart, force                         bool
}

func newCompileCmd(e *env) *cobra.Command {
	var f compileFlags
	cmd := &cobra.Command{
		Use:   "compile [PATH]",
		Short: "Compile floe.yaml and its manifest into the output directory",
		Long: `Compile floe.yaml (PATH, a directory holding it, or ./floe.yaml) with its platform
manifest and write compiled_artifacts.json, the Dagster definitions and runtime,
profiles.yml, schedules.json and iceberg_io.json to the output directory
(default: target/floe next to floe.yaml; dbt's own files in target/ are never touched).

The whole output is built in memory and swapped into place atomically: on any error
nothing in the output directory changes. SOURCE_DATE_EPOCH fixes compiled_at, making
two runs byte-identical.

floe replaces only an output directory that is new, empty, or its own (every file in
it listed in the .floe-stamp.json floe wrote there). It refuses (exit 1, naming the
files) a directory holding other files, including a file you added to floe's output,
and one that is, or contains, the product directory or an input. No flag, not even
--force, overrides this; move the files away or choose another -o.

--check writes nothing and exits 1 with a diff when the output differs. It compares
everything but compiled_at (it compiles as of the artifact on disk), so right after a
plain compile it agrees with the up-to-date check. Literal secrets of the inputs are
never printed, in the diff or in diagnostics.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains([]string{"json", "yaml", "configmap"}, f.outputFormat) {
				return usageErr("--output-format %q: want json, yaml or configmap", f.outputFormat)
			}
			if err := checkOutputFlags(&f); err != nil {
				return err
			}
			spec := specPath(args)
			out := f.out
			if out == "" {
				out = filepath.Join(filepath.Dir(spec), "target", "floe")
			}
			options := compileOptions(e, &f, args, out)
			if f.dbtManifest != "" {
				// Which dbt manifest is read changes the result as any option does.
				abs, _ := filepath.Abs(f.dbtManifest)
				options = append(options, "dbt-manifest="+abs)
			}
			ph := newPhases(e)
			// Unchanged inputs, options and compiler, and an intact output: nothing to do.
			if !f.check && !f.force && upToDate(out, options) {
				if f.format == "text" {
					fmt.Fprintf(e.stdout, "%s is up to date\n", showPath(out))
				}
				return nil
			}
			ph.done("up-to-date")
			run := compiler.Options{Phase: ph.done}
			if f.check {
				// --check compares everything but compiled_at: compile as of the output's time.
				run.CompiledAt, _ = compiledAtOnDisk(out)
			}
			res, err := runCompiler(e, args, &f.inputFlags, run)
			if err != nil {
				return err
			}
			ph.done("kubernetes")
			if err := report(e, res, f.format); err != nil {
				return err
			}
			// Paths between the output and the product directory, both made absolute first
			// so a relative -o and an absolute one give the same answer.
			absOut, err1 := filepath.Abs(out)
			absProduct, err2 := filepath.Abs(filepath.Dir(spec))
			if err := errors.Join(err1, err2); err != nil {
				return &exitError{code: ExitInput, msg: err.Error()}
			}
			rel, err := filepath.Rel(absOut, absProduct)
			if err != nil {
				rel = absProduct
			}
			outInProduct, err := filepath.Rel(absProduct, absOut)
			if err != nil || outInProduct == ".." || strings.HasPrefix(outInProduct, ".."+string(filepath.Separator)) {
				outInProduct = ""
			}
			files, err := codegen.Generate(res.Product, codegen.Options{
				Options: gen.Options{ProjectDir: filepath.ToSlash(rel), OutputDir: filepath.ToSlash(outInProduct), Time: parseTime(res.Product.Artifacts.Metadata.CompiledAt),
					Chart: f.chart, ImageRepository: f.imageRepository, ImageTag: f.imageTag},
				ArtifactFormat: f.outputFormat, ConfigMapName: f.configMapName, Namespace: f.namespace,
			})
			ph.done("generate")
			var inputErr *helm.InputError
			if errors.As(err, &inputErr) {
				return &exitError{code: ExitInput, msg: err.Error()}
			}
			// A flag's value the generated files cannot hold (-o, for the Dockerfile).
			var optErr *gen.OptionError
			if errors.As(err, &optErr) {
				return usageErr("-o %q: %v", out, optErr)
			}
			if err != nil {
				return &exitError{code: ExitInternal, msg: fmt.Sprintf("internal error: %v (please report this)", err)}
			}
			// The inputs as the compiler read them.
			inputs := stampInputs{Files: res.Inputs, Dirs: res.InputDirs, Absent: res.AbsentInputs}
			key, stamped := stampKey(options, inputs, res.Sources)
			if !stamped {
				key = "" // the stamp still proves the tree is floe's; it is never up to date
			}
			if files, err = withStamp(files, key, inputs); err != nil {
				return &exitError{code: ExitInternal, msg: fmt.Sprintf("internal error: %v (please report this)", err)}
			}
			ph.done("stamp")
			// The output directory must be floe's to replace (and to compare, for --check).
			if err := checkOutput(out, protectedPaths(spec, res.Inputs)); err != nil {
				return &exitError{code: ExitInput, msg: err.Error()}
			}
			if f.check {
				return checkTree(e, out, files, res.SecretStrings())
			}
			if err := writeTree(out, files, writeOptions{cacheKey: key, waiting: lockWaiting(e, out, f.format)}); err != nil {
				return &exitError{code: ExitInput, msg: err.Error()}
			}
			ph.done("write")
			if f.format == "text" {
				summary(e, res, out, files)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (default: target/floe next to floe.yaml)")
	cmd.Flags().StringVar(&f.outputFormat, "output-format", "json", "artifact format: json (compiled_artifacts.json), yaml or configmap")
	cmd.Flags().StringVar(&f.configMapName, "configmap-name", "floe-compiled-values", "ConfigMap name (--output-format configmap)")
	cmd.Flags().StringVar(&f.namespace, "namespace", "", "ConfigMap namespace (--output-format configmap)")
	cmd.Flags().BoolVar(&f.check, "check", false, "write nothing; exit 1 and show a diff (secrets redacted) when the output on disk differs in anything but compiled_at")
	cmd.Flags().BoolVar(&f.force, "force", false, "compile and write even when the output is up to date")
	cmd.Flags().BoolVar(&f.chart, "chart", false, "also write the product Helm chart (helm/floe-<product>-<version>.tgz) and the image Dockerfile")
	cmd.Flags().StringVar(&f.imageRepository, "image-repository", "", "code-location image repository (default: the manifest's orchestrator image)")
	cmd.Flags().StringVar(&f.imageTag, "image-tag", "", "code-location image tag (default: the manifest's, else the product version)")
	return cmd
}

func newPackageCmd(e *env) *cobra.Command {
	cmd := newCompileCmd(e)
	cmd.Use = "package [PATH]"
	cmd.Short = "Compile and package the product's Helm chart (same as compile --chart)"
	cmd.Long = `Compile floe.yaml like floe compile, and also write the product's Helm chart: the
unpacked chart under helm/floe-<product>/, a reproducible helm/floe-<product>-<version>.tgz
(byte-identical for the same inputs and SOURCE_DATE_EPOCH) and the Dockerfile of the
code-location image. The chart is linted strictly, rendered for the dev, staging and prod
overlays and every object decoded strictly into Kubernetes API types before anything is written.

An output directory inside the product is named in the Dockerfile; one with a line break
or other control character, * ? [ \ or surrounding white space cannot be, and is refused.`
	if err := cmd.Flags().Set("chart", "true"); err != nil {
		panic(err) // the flag is defined just above
	}
	return cmd
}

// maxNameBytes is the longest file name Linux, macOS and Windows file systems take.
const maxNameBytes = 255

// checkOutputFlags rejects, before anything is read, flag values that cannot be written
// into the output: an output path with a NUL or a name too long (no file system takes
// them), image and ConfigMap names Kubernetes would not accept. Each is a usage error
// (exit 2). (An output directory the Dockerfile cannot name is refused when the chart is
// generated: gen.OptionError.)
func checkOutputFlags(f *compileFlags) error {
	if err := f.inputFlags.check(); err != nil { // before the up-to-date check can end the run
		return err
	}
	if strings.ContainsRune(f.out, 0) {
		return usageErr("-o %q: a path cannot contain a NUL character", f.out)
	}
	for _, name := range strings.FieldsFunc(f.out, func(r rune) bool { return r == '/' || r == filepath.Separator }) {
		if len(name) > maxNameBytes {
			return usageErr("-o %q: the name %.20q… is longer than %d bytes, which file systems refuse", f.out, name, maxNameBytes)
		}
	}
	if err := artifact.CheckConfigMapNames(f.configMapName, ""); err != nil {
		return usageErr("--configmap-name: %v", err)
	}
	if err := artifact.CheckConfigMapNames("floe", f.namespace); err != nil {
		return usageErr("--namespace: %v", err)
	}
	return checkImageFlags(f.imageRepository, f.imageTag)
}

// checkImageFlags rejects image flags Kubernetes would not accept (a usage error).
func checkImageFlags(repo, tag string) error {
	var errs []string
	if repo != "" {
		for _, e := range k8scheck.ImageRepository("--image-repository", repo) {
			errs = append(errs, e.Error())
		}
	}
	if tag != "" {
		for _, e := range k8scheck.ImageTag("--image-tag", tag) {
			errs = append(errs, e.Error())
		}
	}
	if len(errs) > 0 {
		return usageErr("%s", strings.Join(errs, "; "))
	}
	return nil
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Unix(0, 0).UTC()
	}
	return t
}

func summary(e *env, res *compiler.Result, out string, files []gen.File) {
	p := res.Product
	fmt.Fprintf(e.stdout, "compiled %s %s: %d transforms in %d layers\n", p.Name, p.Version, len(p.Models), len(p.Layers))
	for i, s := range p.Schedules.Schedules {
		state := "enabled"
		if !s.Enabled {
			state = "disabled"
		}
		var next []string
		if i < len(res.NextRuns) {
			for _, t := range res.NextRuns[i] {
				next = append(next, t.Format("2006-01-02 15:04 MST"))
			}
		}
		fmt.Fprintf(e.stdout, "schedule %s: %q %s (%s); next runs: %s\n", s.Name, s.Cron, s.Timezone, state, strings.Join(next, ", "))
	}
	fmt.Fprintf(e.stdout, "wrote %d files to %s\n", len(files), showPath(out))
}

func newGraphCmd(e *env) *cobra.Command {
	f := inputFlags{format: "text"}
	var graphFormat string
	cmd := &cobra.Command{
		Use:   "graph [PATH]",
		Short: "Print the dependency graph of the product's transforms",
		Long: `Print the transforms' dependency graph as Graphviz dot, Mermaid or JSON (with the
topological order and layers). Diagnostics, if any, go to stderr as text.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains([]string{"dot", "mermaid", "json"}, graphFormat) {
				return usageErr("--format %q: want dot, mermaid or json", graphFormat)
			}
			res, err := runCompiler(e, args, &f, compiler.Options{NoSerialize: true})
			if err != nil {
				return err
			}
			if err := report(e, res, f.format); err != nil {
				return err
			}
			b, err := renderGraph(res.Product, graphFormat)
			if err != nil {
				return &exitError{code: ExitInternal, msg: err.Error()}
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
	cmd.Flags().StringVar(&f.manifest, "manifest", "", "platform manifest (default: platform.manifest in floe.yaml, relative to it)")
	cmd.Flags().StringVar(&graphFormat, "format", "dot", "graph format: dot, mermaid or json")
	return cmd
}

func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:       "schema [" + strings.Join(schemas.SchemaNames(), "|") + "]",
		Short:     "Print a JSON Schema floe validates with (default: floe-spec)",
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: schemas.SchemaNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "floe-spec"
			if len(args) > 0 {
				name = args[0]
			}
			b, err := schemas.Schema(name)
			if err != nil {
				return usageErr("unknown schema %q; choose one of %s", name, strings.Join(schemas.SchemaNames(), ", "))
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
}
