package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/codegen/airflow"
	"github.com/floe-dev/floe/codegen/dagster"
	"github.com/floe-dev/floe/compiler"
)

func newRunCmd(e *env) *cobra.Command {
	f := compileFlags{inputFlags: inputFlags{format: "text"}, outputFormat: "json", configMapName: "floe-compiled-values"}
	var selects []string
	cmd := &cobra.Command{
		Use:   "run [PATH]",
		Short: "Compile the product and materialize it on this machine",
		Long: `Compile the product (like floe compile; nothing happens when it is up to date), then
materialize its assets on this machine with the pinned Python runtime: dbt parse, each
dbt step on DuckDB, every table published to the Iceberg catalog the manifest names
(by default a SQLite catalog and a file warehouse under target/floe-local/), then each
partition of the partitioned Python assets.

It prints one line per model or asset with its rows and time, a table of the Iceberg
tables at the end and, when a run fails, the failing model, its dbt error and its SQL
file, last. Dagster's and dbt's own log go to target/floe-local/logs/ (-v prints them
as they come).

Runs are recorded in the product's Dagster instance, target/floe-local/dagster_home,
which floe dev shares: the UI shows every run floe run made.

The Python runtime is found, in order: $FLOE_VENV (a virtualenv you provide); the
.venv of the floe checkout holding the product or the working directory (built with
scripts/python-env.sh); a per-user cache (~/.cache/floe/runtime-<pins> on Linux,
~/Library/Caches/floe on macOS, %LocalAppData%\floe on Windows; $FLOE_CACHE_DIR
overrides it). It is installed on first use from PyPI (Python 3.11 on PATH, or
$FLOE_PYTHON).

--select takes dbt's selection words: asset names, +name with everything it depends
on, name+ with everything that depends on it; separate them with spaces or commas,
or repeat --select.

floe run runs Dagster products. A product orchestrated by Airflow is compiled, then
refused (exit 2) with where its DAG is: Airflow runs it (docs/airflow.md).`,
		Example: `  floe run                                  # ./floe.yaml, or the nearest one above
  floe run examples/customer-360
  floe run --select mart_daily_orders       # one model (its inputs are read from Iceberg)
  floe run --select '+mart_daily_orders'    # the model and everything upstream
  floe run -v                               # with Dagster's and dbt's own log`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.setSpec(e, "run", args); err != nil {
				return err
			}
			return runRun(cmd.Context(), e, &f, selects)
		},
	}
	f.registerManifest(cmd)
	cmd.Flags().StringArrayVarP(&selects, "select", "s", nil, "materialize only these assets (dbt-style: name, +name, name+)")
	_ = cmd.RegisterFlagCompletionFunc("select", completeTransforms(e, &f.inputFlags))
	return cmd
}

// completeTransforms completes transform names of the product the command would use.
func completeTransforms(e *env, f *inputFlags) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if err := f.setSpec(e, "run", args); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		res, err := runCompiler(e, f, compiler.Options{NoSerialize: true})
		if err != nil || res.Product == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, m := range res.Product.Models {
			names = append(names, m.Name, "+"+m.Name, m.Name+"+")
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// runEvent is one line of the runtime's progress (floe_runtime.local.progress_event and
// floe_runtime.__main__): type says which fields are set.
type runEvent struct {
	Type      string       `json:"type"`
	Name      string       `json:"name"`
	Seconds   *float64     `json:"seconds"`
	Step      string       `json:"step"`
	Time      float64      `json:"time"`
	OK        bool         `json:"ok"`
	Asset     string       `json:"asset"`
	Kind      string       `json:"kind"`
	Partition *string      `json:"partition"`
	Rows      *int64       `json:"rows"`
	TableRows *int64       `json:"table_rows"`
	Table     *string      `json:"table"`
	Check     string       `json:"check"`
	Passed    bool         `json:"passed"`
	RunID     string       `json:"run_id"`
	Node      string       `json:"node"`
	Resource  string       `json:"resource"`
	File      *string      `json:"file"`
	Message   string       `json:"message"`
	Usage     bool         `json:"usage"`
	Runs      int          `json:"runs"`
	Tables    []tableEvent `json:"tables"`
}

type tableEvent struct {
	Name      string `json:"name"`
	Rows      int64  `json:"rows"`
	Snapshots int    `json:"snapshots"`
}

// runRun is floe run.
func runRun(ctx context.Context, e *env, f *compileFlags, selects []string) error {
	start := e.now()
	b, err := build(ctx, e, f)
	if err != nil {
		return err
	}
	if !e.quiet {
		if b.upToDate {
			fmt.Fprintf(e.stdout, "%s is up to date\n", showPath(b.paths.out))
		} else {
			p := b.res.Product
			fmt.Fprintf(e.stdout, "compiled %s %s: %d transforms into %s\n", p.Name, p.Version, len(p.Models), b.paths.out)
		}
	}
	if err := requireDagster(e, b, "run"); err != nil {
		return err
	}
	local := localDir(f.spec)
	logs := filepath.Join(local, "logs")
	if err := ensureOwnDirs(filepath.Dir(f.spec), logs, dagsterHome(f.spec)); err != nil {
		return inputErr("%v", err)
	}
	logPath := filepath.Join(logs, "run-"+start.UTC().Format("20060102-150405")+".log")
	logFile, err := createLog(logPath)
	if err != nil {
		return inputErr("%v", err)
	}
	defer logFile.Close()
	rt, err := ensureRuntime(ctx, e, f.spec, logFile)
	if err != nil {
		return err
	}
	if err := ensureDagsterYAML(dagsterHome(f.spec)); err != nil {
		return inputErr("%v", err)
	}
	out, err := filepath.Abs(b.paths.out)
	if err != nil {
		return inputErr("%v", err)
	}
	args := []string{"-m", "floe_runtime", "materialize", out, "--events"}
	for _, s := range selects {
		args = append(args, "--select", s)
	}
	cmd := exec.Command(rt.python(), args...)
	cmd.Env, err = runtimeEnv(e, f.spec, out)
	if err != nil {
		return inputErr("%v", err)
	}
	cmd.Dir, _ = filepath.Abs(local)
	var log io.Writer = logFile
	if e.verbose {
		log = io.MultiWriter(logFile, e.stderr)
	}
	cmd.Stderr = log
	events, err := cmd.StdoutPipe()
	if err != nil {
		return internalErr(err)
	}
	// Ctrl-C reaches the runtime from the terminal; floe waits for it to stop.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return inputErr("start %s: %v", showPath(rt.python()), err)
	}
	var interrupted atomic.Bool
	go func() {
		for sig := range sigs {
			interrupted.Store(true)
			// A terminal's Ctrl-C reached the runtime too (same process group); any
			// other signal is passed on.
			if sig != os.Interrupt {
				_ = cmd.Process.Signal(interruptSignal)
			}
		}
	}()
	r := newRunReport(e, f.spec)
	r.read(events)
	waitErr := cmd.Wait()
	logFile.Close()
	return r.finish(waitErr, interrupted.Load(), logPath, e.now().Sub(start))
}

// requireDagster refuses a product floe run and floe dev cannot run: one whose
// orchestrator is not Dagster. That is a usage error (exit 2): the product compiled, and
// its output is written; these commands are not for it.
func requireDagster(e *env, b *built, command string) error {
	out := relToWd(e, b.paths.out)
	switch o := compiledOrchestrator(b); o {
	case dagster.Generator.Name():
		if !isFile(filepath.Join(b.paths.out, dagster.DefinitionsFile)) {
			return inputErr("floe %s runs Dagster products; %s has no %s", command, out, dagster.DefinitionsFile)
		}
		return nil
	case airflow.Generator.Name():
		return usageErr("floe %s runs Dagster products on this machine; this product is orchestrated by Airflow "+
			"(plugins.orchestrator.type: airflow): floe compile wrote its DAG to %s; run it with Airflow "+
			"(python -m floe_airflow prepare, then airflow dags test; see docs/airflow.md)",
			command, filepath.Join(out, airflow.DAGFile))
	default:
		return usageErr("floe %s runs Dagster products on this machine; this product is orchestrated by %s "+
			"(deploy what floe compile wrote to %s)", command, o, out)
	}
}

// compiledOrchestrator is the orchestrator the output in b is for: the compiler's, else
// (the output was up to date, nothing was compiled) the one whose generated entry file
// the output holds.
func compiledOrchestrator(b *built) string {
	if b.res != nil && b.res.Product != nil {
		return b.res.Product.Orchestrator
	}
	if isFile(filepath.Join(b.paths.out, airflow.DAGFile)) && !isFile(filepath.Join(b.paths.out, dagster.DefinitionsFile)) {
		return airflow.Generator.Name()
	}
	return dagster.Generator.Name()
}

// runtimeEnv is the environment of the runtime's process: the user's, with the
// compiled output importable, the product's DAGSTER_HOME, unbuffered output and, when
// the log goes to a file, no colour codes in it.
func runtimeEnv(e *env, spec, out string) ([]string, error) {
	home, err := filepath.Abs(dagsterHome(spec))
	if err != nil {
		return nil, err
	}
	set := map[string]string{
		"PYTHONPATH":        out,
		"DAGSTER_HOME":      home,
		"PYTHONUNBUFFERED":  "1",
		"DBT_VERSION_CHECK": "false",
	}
	// dbt writes logs/dbt.log into the project unless told otherwise: keep it under
	// target/floe-local/logs/ with floe's own logs.
	if e.getenv("DBT_LOG_PATH") == "" {
		set["DBT_LOG_PATH"] = filepath.Join(filepath.Dir(home), "logs", "dbt")
	}
	if !e.verbose || !e.colorOn(e.stderr) {
		set["NO_COLOR"] = "1"
		set["DBT_USE_COLORS"] = "false"
	}
	var envs []string
	for _, kv := range e.environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			envs = append(envs, kv)
		}
	}
	for k, v := range set {
		envs = append(envs, k+"="+v)
	}
	return envs, nil
}

// ensureOwnDirs creates each directory of dirs below product (with its parents),
// refusing to create anything through a symbolic link below product's target/: floe
// writes only where it made the directories.
func ensureOwnDirs(product string, dirs ...string) error {
	for _, dir := range dirs {
		rel, err := filepath.Rel(product, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("%s is not inside the product directory", showPath(dir))
		}
		cur := product
		for i, part := range strings.Split(rel, string(filepath.Separator)) {
			cur = filepath.Join(cur, part)
			st, err := os.Lstat(cur)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
					return err
				}
				continue
			case err != nil:
				return err
			}
			// target/ itself is dbt's: a link there is the user's choice and is followed.
			if st.Mode()&fs.ModeSymlink != 0 && i == 0 && part == "target" {
				continue
			}
			if !st.IsDir() {
				return fmt.Errorf("%s is %s, not a directory; floe does not write through links", showPath(cur), describeMode(st.Mode()))
			}
		}
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	if m&fs.ModeSymlink != 0 {
		return "a symbolic link"
	}
	return "a file"
}

// createLog creates a new run log (never replacing a file, never through a link).
func createLog(path string) (*os.File, error) {
	for i := 0; ; i++ {
		p := path
		if i > 0 {
			p = strings.TrimSuffix(path, ".log") + fmt.Sprintf("-%d.log", i)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil || !errors.Is(err, fs.ErrExist) || i > 100 {
			return f, err
		}
	}
}

// dagsterYAML is the instance configuration floe writes into a product's DAGSTER_HOME
// when there is none: Dagster's defaults (SQLite storage in the directory) without the
// telemetry banner. It is yours to edit: floe never replaces it.
const dagsterYAML = `# Dagster instance of this product's local runs (floe run, floe dev), written by floe
# when there was none; floe never changes it. Storage: SQLite files in this directory.
# https://docs.dagster.io/deployment/oss/dagster-yaml
telemetry:
  enabled: false
`

func ensureDagsterYAML(home string) error {
	err := writeNewFile(filepath.Join(home, "dagster.yaml"), []byte(dagsterYAML), 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	return err
}

// runReport prints floe run's progress from the runtime's events.
type runReport struct {
	e          *env
	spec       string
	stepStart  map[string]float64
	pending    map[string][]runEvent // step -> assets materialized, printed at its end
	checks     map[string][2]int     // step -> passed, failed
	assets     int
	models     int
	failedStep []string
	failures   []runEvent
	tables     []tableEvent
	errMsg     string
	usage      bool
	runs       int
	done       bool
}

func newRunReport(e *env, spec string) *runReport {
	return &runReport{e: e, spec: spec, stepStart: map[string]float64{}, checks: map[string][2]int{},
		pending: map[string][]runEvent{}}
}

// read consumes the event stream until it ends. A line that is not an event (the
// runtime never writes one) is passed to stderr rather than lost.
func (r *runReport) read(events io.Reader) {
	sc := bufio.NewScanner(events)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var ev runEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Type == "" {
			fmt.Fprintf(r.e.stderr, "%s\n", sc.Text())
			continue
		}
		r.event(ev)
	}
	_, _ = io.Copy(io.Discard, events)
}

const nameWidth = 32

func (r *runReport) event(ev runEvent) {
	e := r.e
	w := e.stdout
	switch ev.Type {
	case "phase":
		if !e.quiet && ev.Seconds != nil {
			fmt.Fprintf(w, "  %s %-*s %19s %s\n", e.paint(w, "✓", styleGreen), nameWidth, ev.Name, "", secs(*ev.Seconds))
		}
	case "step_start":
		r.stepStart[ev.Step] = ev.Time
	case "asset":
		r.assets++
		if ev.Kind == "model" {
			r.models++
		}
		// Printed when the step ends, with the step's time for an asset that has none.
		r.pending[ev.Step] = append(r.pending[ev.Step], ev)
	case "check":
		c := r.checks[ev.Step]
		if ev.Passed {
			c[0]++
		} else {
			c[1]++
		}
		r.checks[ev.Step] = c
	case "step_end":
		r.stepEnd(ev)
	case "failure":
		r.failures = append(r.failures, ev)
	case "tables":
		r.tables = ev.Tables
	case "done":
		r.done, r.runs = true, ev.Runs
	case "error":
		r.errMsg, r.usage = ev.Message, ev.Usage
	}
}

// stepEnd prints a finished step: a line per asset it materialized (rows, time) and,
// for a step of several assets or with checks, the step's own line.
func (r *runReport) stepEnd(ev runEvent) {
	e := r.e
	w := e.stdout
	assets := r.pending[ev.Step]
	delete(r.pending, ev.Step)
	if !ev.OK {
		r.failedStep = append(r.failedStep, ev.Step)
	}
	took := ""
	if t0, ok := r.stepStart[ev.Step]; ok && ev.Time >= t0 {
		took = secs(ev.Time - t0)
	}
	if !e.quiet {
		for _, a := range assets {
			name := a.Asset
			if a.Partition != nil {
				name += "[" + *a.Partition + "]"
			}
			rows := "-"
			if a.Rows != nil {
				rows = fmt.Sprintf("%d rows", *a.Rows)
			}
			t := took
			if a.Seconds != nil {
				t = secs(*a.Seconds)
			}
			fmt.Fprintf(w, "  %s %-*s %-6s %12s %s\n", e.paint(w, "✓", styleGreen), nameWidth, name, a.Kind, rows, t)
		}
	}
	c := r.checks[ev.Step]
	checks := ""
	if c[0]+c[1] > 0 {
		checks = fmt.Sprintf(", %d of %d checks passed", c[0], c[0]+c[1])
	}
	switch {
	case !ev.OK:
		fmt.Fprintf(w, "  %s step %s failed after %s%s\n", e.paint(w, "✗", styleRed), ev.Step, took, checks)
	case e.quiet || (len(assets) < 2 && checks == ""):
	default:
		fmt.Fprintf(w, "    %s\n", e.paint(w, fmt.Sprintf("step %s done in %s%s", ev.Step, took, checks), styleDim))
	}
}

func secs(s float64) string {
	return roundDuration(time.Duration(s * float64(time.Second)))
}

// finish prints the summary (or the failure, last) and returns the exit error.
func (r *runReport) finish(waitErr error, interrupted bool, logPath string, took time.Duration) error {
	e := r.e
	w := e.stdout
	logShown := relToWd(e, logPath)
	switch {
	case r.usage:
		return usageErr("%s", r.errMsg)
	case waitErr == nil && r.done:
		if e.quiet {
			return nil
		}
		if len(r.tables) > 0 {
			width := len("ICEBERG TABLE")
			for _, t := range r.tables {
				width = max(width, len(t.Name))
			}
			fmt.Fprintf(w, "\n  %-*s  %8s  %9s\n", width, "ICEBERG TABLE", "ROWS", "SNAPSHOTS")
			for _, t := range r.tables {
				fmt.Fprintf(w, "  %-*s  %8d  %9d\n", width, t.Name, t.Rows, t.Snapshots)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s %d %s (%d dbt %s) in %d %s, %s\n", e.paint(w, "materialized", styleGreen),
			r.assets, plural(r.assets, "asset", "assets"), r.models, plural(r.models, "model", "models"),
			r.runs, plural(r.runs, "run", "runs"), roundDuration(took))
		fmt.Fprintf(w, "runs are kept in %s; browse them with: floe dev%s\n", relToWd(e, dagsterHome(r.spec)), devArg(e, r.spec))
		fmt.Fprintf(w, "log: %s\n", logShown)
		return nil
	}
	// Failed: the log first, the failure last, where the eye lands.
	fmt.Fprintf(e.stderr, "full log: %s\n", logShown)
	if interrupted {
		return inputErr("interrupted")
	}
	if len(r.failures) == 0 {
		msg := r.errMsg
		if msg == "" {
			msg = fmt.Sprintf("the Python runtime failed (%v); the end of its log:\n%s", waitErr, tail(logPath, 25))
		}
		return inputErr("%s", msg)
	}
	product := filepath.Dir(r.spec)
	for _, f := range r.failures {
		what := f.Node
		if f.Resource != "" {
			what += " (" + f.Resource + ")"
		}
		fmt.Fprintf(e.stderr, "\n%s %s failed in step %s\n", e.paint(e.stderr, "✗", styleRed), e.paint(e.stderr, what, styleBold), f.Step)
		if f.File != nil && *f.File != "" {
			fmt.Fprintf(e.stderr, "  %s\n", e.paint(e.stderr, relToWd(e, filepath.Join(product, filepath.FromSlash(*f.File))), styleCyan))
		}
		for _, line := range strings.Split(strings.TrimRight(f.Message, "\n"), "\n") {
			fmt.Fprintf(e.stderr, "  %s\n", line)
		}
	}
	return silentExit(ExitInput)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// devArg is the PATH argument floe dev needs from the working directory ("" when the
// product is found from there).
func devArg(e *env, spec string) string {
	if found, err := specPath(e, nil); err == nil {
		if a, err1 := filepath.Abs(found); err1 == nil {
			if b, err2 := filepath.Abs(spec); err2 == nil && a == b {
				return ""
			}
		}
	}
	return " " + relToWd(e, filepath.Dir(spec))
}

// tail is the last n lines of a file (for a runtime that failed without saying why).
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
