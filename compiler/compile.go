// Package compiler is the driver: it runs the passes in order over floe.yaml and its
// manifest chain, all in memory, and returns the compiled product with every
// diagnostic of the run. It never writes: the CLI does, after the generators succeed.
//
// The passes, and why each comes where it does, are the table below (passes). Every
// pass after validate runs over what passed validation (broken values are null and
// what depends on them is skipped), so one run reports every problem; lowering runs
// only when there is none.
package compiler

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/floe-dev/floe/compiler/govern"
	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// Options configure one compile.
type Options struct {
	// SpecPath is floe.yaml's path (as shown in diagnostics).
	SpecPath string
	// ManifestPath overrides platform.manifest when non-empty.
	ManifestPath string
	// ReadFile reads an input file.
	ReadFile func(name string) ([]byte, error)
	// CompiledAt is the artifact's compiled_at.
	CompiledAt time.Time
	// FloeVersion is this compiler's version.
	FloeVersion string
	// Orchestrators lists the orchestrator types that have a generator.
	Orchestrators []string
	// Phase, when set, is called with a pass's name as each pass ends (for timing whole
	// runs).
	Phase func(name string)
	// ReadDir and Stat list directories and stat files of the dbt project (both nil:
	// the dbt project is not checked).
	ReadDir func(name string) ([]fs.DirEntry, error)
	Stat    func(name string) (fs.FileInfo, error)
	// OpenLarge, when set, opens a big input for streaming (dbt's manifest.json).
	OpenLarge func(name string) (io.ReadCloser, error)
	// DbtManifest is dbt's manifest.json to check refs against ("": the project's
	// <target-path>/manifest.json when it exists).
	DbtManifest string
	// NoSerialize skips keeping the artifact's bytes (Product.ArtifactsJSON stays
	// empty): for runs that check and write nothing. The artifact is still validated.
	NoSerialize bool
	// DumpAfter names a pass (see Passes) after which what it produced is written to
	// Dump, as the Go compiler's -d=ssa/PASS/dump does: for a reader of the compiler.
	DumpAfter string
	Dump      io.Writer
}

// Result is the outcome of a compile.
type Result struct {
	// Product is nil when Diags has errors.
	Product *schemas.Product
	Diags   diag.List
	// Sources holds every input read, for quoting lines in diagnostics.
	Sources diag.Sources
	// Inputs are the files read, in reading order (floe.yaml, its manifest, parents,
	// the dbt project's files).
	Inputs []string
	// Declarations are the inputs that are floe's own: floe.yaml, its manifest and the
	// manifest's parents (they may hold literal secrets; the dbt project's files are not
	// among them).
	Declarations []string
	// InputDirs are directories whose listing is an input (the dbt model paths: a new
	// model file changes the result); AbsentInputs are files whose absence is (a
	// dbt_project.yml or manifest.json not written yet).
	InputDirs, AbsentInputs []string
	// Graph is the dependency graph (nil when the inputs did not get that far).
	Graph *graph.Graph
	// NextRuns are the next run times of each schedule, in its zone.
	NextRuns [][]time.Time
	// Internal is set when the failure is floe's fault, not the inputs' (exit 3).
	Internal bool
	// secrets are the literal secrets of each input file, found before validation
	// changed its tree (see validate.Finding and Redacted).
	secrets map[string][]validate.Finding
}

// A pass is one step of the compile: it reads what the passes it needs produced, adds
// its diagnostics, and reports whether it produced what passes after it read.
type pass struct {
	name string
	run  func(*compilation) bool
	// needs are the passes without whose output this one cannot run.
	needs []string
	// clean: it runs only when no pass before it reported an error.
	clean bool
	// dump writes what it produced, for Options.DumpAfter.
	dump func(*compilation, io.Writer) error
}

// passes is the compiler, in order.
var passes = []pass{
	// YAML → trees with positions; nothing else can run on broken YAML. floe.yaml's
	// transforms are not kept in its tree: each is handed to validate as it is decoded.
	{name: "parse", run: (*compilation).parse, dump: dumpParse},
	// JSON Schema and the rules beyond it; the passes after it may assume well-typed
	// values (what is broken is null, and listed).
	{name: "validate", run: (*compilation).validate, needs: []string{"parse"}, dump: dumpValidate},
	// The manifest and its parents, each read, parsed and validated: also when floe.yaml
	// failed, so one run reports both files' problems. Reads platform.manifest.
	{name: "manifests", run: (*compilation).manifests, dump: dumpManifests},
	// Inheritance, plugins, compute, presets, dbt profiles: needs the valid files and
	// the whole chain (a parent that could not be read leaves it incomplete).
	{name: "resolve", run: (*compilation).resolve, needs: []string{"validate", "manifests"}, dump: dumpResolve},
	// dependsOn targets, cycles, topological order: over the transforms alone.
	{name: "graph", run: (*compilation).graph, needs: []string{"validate"}, dump: dumpGraph},
	// The dbt project beside floe.yaml: a model per transform, refs = dependsOn.
	{name: "dbt", run: (*compilation).dbt, needs: []string{"validate"}, dump: dumpDbt},
	// Cron and time zone; reads the resolved orchestrator's default when resolve ran.
	{name: "schedule", run: (*compilation).schedule, needs: []string{"validate"}, dump: dumpSchedule},
	// Policies over the resolved models and the inputs' literal secrets: last among the
	// checks, as its verdicts weigh the others' output.
	{name: "govern", run: (*compilation).govern, needs: []string{"resolve"}, dump: dumpGovern},
	// CompiledArtifacts and the Product, the artifact checked against its own schema as
	// it is written: only for inputs without errors.
	{name: "lower", run: (*compilation).lower, needs: []string{"resolve", "graph", "schedule", "govern"}, clean: true, dump: dumpLower},
	// The Kubernetes constraints on what packaging will emit (names, quantities), placed
	// at the YAML values they came from.
	{name: "kubernetes", run: (*compilation).kubernetes, needs: []string{"lower"}, clean: true, dump: dumpNothing},
}

// Passes lists the names of the compiler's passes, in order (for Options.DumpAfter).
func Passes() []string {
	names := make([]string, len(passes))
	for i, p := range passes {
		names[i] = p.name
	}
	return names
}

// compilation is one run of the passes: the options, the result and what each pass
// produced for the passes after it.
type compilation struct {
	opts Options
	res  *Result

	spec       *parse.File         // parse: floe.yaml without its transforms
	transforms validate.Transforms // parse → validate: the transforms, validated as decoded
	items      []string            // parse, when dumped: each transform as decoded
	valid      *validate.Spec      // validate
	chain      validate.Chain      // manifests
	resolved   *resolve.Resolved   // resolve
	graphed    *graph.Graph        // graph
	dbtInputs  []string            // dbt
	schedules  []schemas.Schedule  // schedule
	policy     *govern.Result      // govern
	product    *schemas.Product    // lower
}

// Compile runs every pass.
func Compile(opts Options) *Result {
	c := &compilation{opts: opts, res: &Result{Sources: diag.Sources{}, secrets: map[string][]validate.Finding{}}}
	done := map[string]bool{}
	for _, p := range passes {
		runnable := !p.clean || !c.res.Diags.HasErrors()
		for _, n := range p.needs {
			runnable = runnable && done[n]
		}
		if runnable {
			done[p.name] = p.run(c)
		}
		if opts.Phase != nil {
			opts.Phase(p.name)
		}
		if p.name == opts.DumpAfter && opts.Dump != nil {
			c.dump(p, done[p.name])
		}
	}
	c.res.Diags = c.res.Diags.Sorted()
	return c.res
}

// dump writes what pass p produced (or that it did not run or produced nothing).
func (c *compilation) dump(p pass, produced bool) {
	w := c.opts.Dump
	fmt.Fprintf(w, "# after %s\n", p.name)
	if !produced {
		fmt.Fprintf(w, "# %s produced nothing (it did not run, or failed)\n", p.name)
		return
	}
	if err := p.dump(c, w); err != nil {
		fmt.Fprintf(w, "# dump failed: %v\n", err)
	}
}

// internal records a failure that is floe's fault, not the inputs'.
func (c *compilation) internal(err error) {
	c.res.Internal = true
	c.res.Diags.Add(diag.Errorf(diag.Pos{File: c.opts.SpecPath}, diag.CodeInternal, "", "internal error: %v (please report this)", err))
}

func trimPathErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
