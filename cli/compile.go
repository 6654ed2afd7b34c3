package cli

import (
	"bytes"
	"context"
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

// inputFlags are shared by every command that compiles.
type inputFlags struct {
	// spec is floe.yaml's path, from the PATH argument (see specPath).
	spec        string
	manifest    string
	format      string
	dbtManifest string
	// dumpAfter names a compiler pass whose output is printed to stderr (a hidden
	// debugging flag, --debug-dump-after).
	dumpAfter string
}

func (f *inputFlags) register(cmd *cobra.Command) {
	f.registerManifest(cmd)
	cmd.Flags().StringVar(&f.dbtManifest, "dbt-manifest", "", "dbt's manifest.json to check refs against (default: the dbt project's target/manifest.json when present)")
	cmd.Flags().StringVar(&f.format, "format", "text", "diagnostics format: "+strings.Join(diag.Formats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletions(diag.Formats...))
	_ = cmd.MarkFlagFilename("dbt-manifest", "json")
	cmd.Flags().StringVar(&f.dumpAfter, "debug-dump-after", "", "print what a compiler pass produced to stderr, literal secrets redacted ("+strings.Join(compiler.Passes(), ", ")+")")
	_ = cmd.Flags().MarkHidden("debug-dump-after")
}

func (f *inputFlags) registerManifest(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.manifest, "manifest", "", "platform manifest (default: platform.manifest in floe.yaml, relative to it)")
	_ = cmd.MarkFlagFilename("manifest", "yaml", "yml")
}

func (f *inputFlags) check() error {
	if f.format == "" {
		f.format = "text"
	}
	if !slices.Contains(diag.Formats, f.format) {
		return usageErr("--format %q: want one of %s", f.format, strings.Join(diag.Formats, ", "))
	}
	if f.dumpAfter != "" && !slices.Contains(compiler.Passes(), f.dumpAfter) {
		return usageErr("--debug-dump-after %q: want one of %s", f.dumpAfter, strings.Join(compiler.Passes(), ", "))
	}
	return nil
}

// setSpec resolves the PATH argument of cmd into f.spec.
func (f *inputFlags) setSpec(e *env, cmd string, args []string) error {
	spec, err := commandSpec(e, cmd, args)
	f.spec = spec
	return err
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

// runCompiler compiles f.spec; run sets Phase, NoSerialize and, when not zero,
// CompiledAt (the other fields come from the flags and the environment).
func runCompiler(e *env, f *inputFlags, run compiler.Options) (*compiler.Result, error) {
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
	opts := compiler.Options{
		SpecPath: f.spec, ManifestPath: manifest, ReadFile: readInput,
		OpenLarge: openLarge, ReadDir: os.ReadDir, Stat: os.Stat, DbtManifest: dbtManifest,
		CompiledAt: at, FloeVersion: Version, Orchestrators: codegen.Orchestrators(), Phase: run.Phase,
		NoSerialize: run.NoSerialize,
	}
	if run.ReadFile != nil { // floe init compiles its scaffold from memory
		opts.ReadFile, opts.OpenLarge, opts.ReadDir, opts.Stat = run.ReadFile, run.OpenLarge, run.ReadDir, run.Stat
	}
	var dump bytes.Buffer
	if f.dumpAfter != "" {
		opts.DumpAfter, opts.Dump = f.dumpAfter, &dump
	}
	res := compiler.Compile(opts)
	if dump.Len() > 0 {
		// The dump quotes the inputs: their literal secrets are redacted like diagnostics'.
		text, _ := schemas.RedactText(dump.String(), res.SecretStrings())
		for _, line := range strings.SplitAfter(text, "\n") {
			fmt.Fprint(e.stderr, terminalText(strings.TrimSuffix(line, "\n")))
			if strings.HasSuffix(line, "\n") {
				fmt.Fprintln(e.stderr)
			}
		}
	}
	return res, nil
}

// checkProduct compiles the product the PATH argument of cmd names, without writing or
// serializing anything, and reports its diagnostics in format: what the commands that
// only read a product (validate, graph, list, doctor) start with.
func checkProduct(e *env, f *inputFlags, cmd string, args []string, format string) (*compiler.Result, error) {
	if err := f.setSpec(e, cmd, args); err != nil {
		return nil, err
	}
	res, err := runCompiler(e, f, compiler.Options{NoSerialize: true})
	if err != nil {
		return nil, err
	}
	if err := report(e, res, format); err != nil {
		return nil, err
	}
	return res, nil
}

// report renders the diagnostics and returns the exit error they imply. Text is for
// people and goes to stderr (coloured on a terminal); json, sarif and github are for
// programs and go to stdout, so `floe validate --format json | jq` works.
func report(e *env, res *compiler.Result, format string) error {
	if len(res.Diags) > 0 || format != "text" {
		// Literal secrets of the inputs are redacted from the messages and quoted lines.
		diags, sources := res.Redacted()
		var b bytes.Buffer
		if err := diag.Render(&b, format, diags, sources, "floe", Version); err != nil {
			return internalErr(fmt.Errorf("render diagnostics: %w", err))
		}
		w := e.stdout
		text := b.Bytes()
		if format == "text" {
			w = e.stderr
			text = e.colorDiagnostics(w, text)
		}
		if _, err := w.Write(text); err != nil {
			return inputErr("write diagnostics: %v", err)
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
		Long: `Validate floe.yaml (PATH, a directory holding it, or the floe.yaml found in the
working directory or a parent) and its platform manifest with every check floe compile
runs, and write nothing. Made for CI and pre-commit.

Every problem is reported in one run. The dbt project beside floe.yaml is checked too: a
model file per transform and, with dbt's manifest.json (target/manifest.json after
dbt parse, or --dbt-manifest), refs that match dependsOn. Text diagnostics go to stderr;
--format json, sarif and github go to stdout.`,
		Example: `  floe validate                                   # ./floe.yaml, or the nearest one above
  floe validate examples/customer-360 --format sarif > floe.sarif
  floe validate --format github                   # annotations in a GitHub Actions log`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := checkProduct(e, &f, "validate", args, f.format)
			if err != nil {
				return err
			}
			if f.format == "text" && !e.quiet {
				fmt.Fprintf(e.stdout, "%s: %s (%d transforms)\n", showPath(f.spec), e.paint(e.stdout, "valid", styleGreen), len(res.Product.Models))
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

// artifactFormats are the values of compile's --output-format.
var artifactFormats = []string{"json", "yaml", "configmap"}

// checkFlags rejects bad flag values before anything is read (exit 2).
func (f *compileFlags) checkFlags() error {
	if !slices.Contains(artifactFormats, f.outputFormat) {
		return usageErr("--output-format %q: want json, yaml or configmap", f.outputFormat)
	}
	if err := f.inputFlags.check(); err != nil {
		return err
	}
	return checkOutputFlags(f)
}

func newCompileCmd(e *env) *cobra.Command {
	var f compileFlags
	cmd := &cobra.Command{
		Use:   "compile [PATH]",
		Short: "Compile floe.yaml and its manifest into the output directory",
		Long: `Compile floe.yaml (PATH, a directory holding it, or the floe.yaml found in the
working directory or a parent) with its platform manifest and write
compiled_artifacts.json, the Dagster definitions and runtime, profiles.yml,
schedules.json and iceberg_io.json to the output directory (default: target/floe next
to floe.yaml; dbt's own files in target/ are never touched).

The whole output is built in memory and swapped into place atomically: on any error
nothing in the output directory changes. SOURCE_DATE_EPOCH fixes compiled_at, making
two runs byte-identical. A re-run with unchanged inputs does nothing ("is up to date");
--force compiles anyway.

floe replaces only an output directory that is new, empty, or its own (every file in
it listed in the .floe-stamp.json floe wrote there). It refuses (exit 1, naming the
files) a directory holding other files, including a file you added to floe's output,
and one that is, or contains, the product directory or an input. No flag, not even
--force, overrides this; move the files away or choose another -o.

--check writes nothing and exits 1 with a diff when the output differs. It compares
everything but compiled_at (it compiles as of the artifact on disk), so right after a
plain compile it agrees with the up-to-date check. Literal secrets of the inputs are
never printed, in the diff or in diagnostics.`,
		Example: `  floe compile                                   # ./floe.yaml (or the nearest above) → target/floe/
  floe compile examples/customer-360 -o /tmp/out
  floe compile --manifest manifest.prod.yaml --output-format configmap
  floe compile --check                           # CI: is the committed output current?`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.setSpec(e, "compile", args); err != nil {
				return err
			}
			return runCompile(cmd.Context(), e, &f)
		},
	}
	f.register(cmd)
	f.registerOutput(cmd)
	cmd.Flags().BoolVar(&f.chart, "chart", false, "also write the product Helm chart and the image Dockerfile (what floe package does)")
	return cmd
}

// registerOutput adds the flags of what compile writes.
func (f *compileFlags) registerOutput(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (default: target/floe next to floe.yaml)")
	_ = cmd.MarkFlagDirname("out")
	cmd.Flags().StringVar(&f.outputFormat, "output-format", "json", "artifact format: json (compiled_artifacts.json), yaml or configmap")
	_ = cmd.RegisterFlagCompletionFunc("output-format", fixedCompletions(artifactFormats...))
	cmd.Flags().StringVar(&f.configMapName, "configmap-name", "floe-compiled-values", "ConfigMap name (--output-format configmap)")
	cmd.Flags().StringVar(&f.namespace, "namespace", "", "ConfigMap namespace (--output-format configmap)")
	cmd.Flags().BoolVar(&f.check, "check", false, "write nothing; exit 1 and show a diff (secrets redacted) when the output on disk differs in anything but compiled_at")
	cmd.Flags().BoolVar(&f.force, "force", false, "compile and write even when the output is up to date")
	cmd.Flags().StringVar(&f.imageRepository, "image-repository", "", "code-location image repository (default: the manifest's orchestrator image)")
	cmd.Flags().StringVar(&f.imageTag, "image-tag", "", "code-location image tag (default: the manifest's, else the product version)")
}

// runCompile is floe compile (and package): compile f.spec, generate, and write the
// output tree, or with --check compare it; then print the summary.
func runCompile(ctx context.Context, e *env, f *compileFlags) error {
	b, err := build(ctx, e, f)
	if err != nil || f.check {
		return err
	}
	switch {
	case f.format != "text" || e.quiet:
	case b.upToDate:
		fmt.Fprintf(e.stdout, "%s is up to date\n", showPath(b.paths.out))
	default:
		summary(e, b)
	}
	return nil
}

// built is the outcome of build.
type built struct {
	paths outputPaths
	// upToDate is set when nothing was compiled: the output on disk is current.
	upToDate bool
	// res and files are the compile and the tree written (nil when upToDate).
	res   *compiler.Result
	files []gen.File
}

// build compiles f.spec into f.out unless it is up to date (or, with f.check, compares
// it). Diagnostics are rendered; the error carries the exit code.
func build(_ context.Context, e *env, f *compileFlags) (*built, error) {
	if err := f.checkFlags(); err != nil {
		return nil, err
	}
	paths, err := resolveOutput(f.spec, f.out)
	if err != nil {
		return nil, err
	}
	b := &built{paths: paths}
	options := compileOptions(e, f, paths.out)
	ph := newPhases(e)
	// Unchanged inputs, options and compiler, and an intact output: nothing to do.
	if !f.check && !f.force && upToDate(paths.out, options) {
		b.upToDate = true
		return b, nil
	}
	ph.done("up-to-date")
	run := compiler.Options{Phase: ph.done}
	if f.check {
		// --check compares everything but compiled_at: compile as of the output's time.
		run.CompiledAt, _ = compiledAtOnDisk(paths.out)
	}
	res, err := runCompiler(e, &f.inputFlags, run)
	if err != nil {
		return nil, err
	}
	ph.done("kubernetes")
	if err := report(e, res, f.format); err != nil {
		return nil, err
	}
	b.res = res
	files, err := generate(res, paths, f)
	ph.done("generate")
	if err != nil {
		return nil, err
	}
	// The inputs as the compiler read them.
	inputs := stampInputs{Files: res.Inputs, Dirs: res.InputDirs, Absent: res.AbsentInputs}
	key, stamped := stampKey(options, inputs, res.Sources)
	if !stamped {
		key = "" // the stamp still proves the tree is floe's; it is never up to date
	}
	if files, err = withStamp(files, key, inputs); err != nil {
		return nil, internalErr(err)
	}
	ph.done("stamp")
	// The output directory must be floe's to replace (and to compare, for --check);
	// writeTree checks it again under its lock, reading only what changed since.
	proven := &provenFiles{}
	if err := checkOutput(paths.out, protectedPaths(f.spec, res.Inputs), f.check, proven); err != nil {
		return nil, inputErr("%v", err)
	}
	if f.check {
		return b, checkTree(e, paths.out, files, res.SecretStrings())
	}
	if err := writeTree(paths.out, files, writeOptions{proven: proven, cacheKey: key, waiting: lockWaiting(e, paths.out, f.format)}); err != nil {
		return nil, inputErr("%v", err)
	}
	ph.done("write")
	b.files = files
	return b, nil
}

// generate runs the generators on a compiled product, in memory.
func generate(res *compiler.Result, paths outputPaths, f *compileFlags) ([]gen.File, error) {
	files, err := codegen.Generate(res.Product, codegen.Options{
		Options: gen.Options{ProjectDir: paths.productFromOut, OutputDir: paths.outInProduct,
			Time:  parseTime(res.Product.Artifacts.Metadata.CompiledAt),
			Chart: f.chart, ImageRepository: f.imageRepository, ImageTag: f.imageTag,
			ImageExclude: inProduct(paths.spec, res.Declarations)},
		ArtifactFormat: f.outputFormat, ConfigMapName: f.configMapName, Namespace: f.namespace,
	})
	var inputErr *helm.InputError
	if errors.As(err, &inputErr) {
		return nil, &exitError{code: ExitInput, msg: err.Error()}
	}
	// A flag's value the generated files cannot hold (-o, for the Dockerfile).
	var optErr *gen.OptionError
	if errors.As(err, &optErr) {
		return nil, usageErr("-o %q: %v", paths.out, optErr)
	}
	if err != nil {
		return nil, internalErr(err)
	}
	return files, nil
}

func newPackageCmd(e *env) *cobra.Command {
	f := compileFlags{chart: true}
	cmd := &cobra.Command{
		Use:   "package [PATH]",
		Short: "Compile and package the product's Helm chart and image Dockerfile",
		Long: `Compile floe.yaml like floe compile (same flags), and also write the product's Helm
chart: the unpacked chart under helm/floe-<product>/, a reproducible
helm/floe-<product>-<version>.tgz (byte-identical for the same inputs and
SOURCE_DATE_EPOCH) and the Dockerfile of the code-location image. The chart is linted
strictly, rendered for the dev, staging and prod overlays and every object decoded
strictly into Kubernetes API types before anything is written.

An output directory inside the product is named in the Dockerfile; one with a line break
or other control character, * ? [ \, surrounding white space or a leading ! cannot be, and is refused.`,
		Example: `  floe package examples/customer-360 --manifest examples/customer-360/manifest.prod.yaml
  floe package --image-repository ghcr.io/acme/shop --image-tag 1.2.0`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.setSpec(e, "package", args); err != nil {
				return err
			}
			return runCompile(cmd.Context(), e, &f)
		},
	}
	f.register(cmd)
	f.registerOutput(cmd)
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

// summary prints what a compile wrote (-v: every file).
func summary(e *env, b *built) {
	res := b.res
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
	if e.verbose {
		for _, f := range b.files {
			fmt.Fprintf(e.stdout, "  %s\n", showPath(filepath.Join(b.paths.out, filepath.FromSlash(f.Path))))
		}
	}
	fmt.Fprintf(e.stdout, "wrote %d files to %s\n", len(b.files), showPath(b.paths.out))
}
