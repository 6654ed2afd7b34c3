package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/floe-dev/floe/internal/synth"
)

// dagsterLoadTarget is the target for loading the definitions of 1,000 models.
const dagsterLoadTarget = 3 * time.Second

// dagsterNote says what the Dagster rows time, and what runs untimed before them.
const dagsterNote = `dagster load N models: whole ` + "`dagster definitions validate -f definitions.py`" + ` processes
in the compiled product's target/floe/ (Dagster loads the code location in-process: imports,
floe_runtime's build_definitions, the asset jobs and their snapshots), median of the runs after
one warm-up. Untimed, once before: the synthetic product with its dbt project (floe-synth -dbt),
floe compile, ` + "`dbt parse`" + ` (the runtime reads target/manifest.json at load), and the warm-up run,
which also creates the storage of a fresh DAGSTER_HOME.`

// parseSizes reads the -dagster flag: comma-separated positive sizes, "" for none.
func parseSizes(text string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(text, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive product size", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// dagsterLoad times loading the Dagster definitions of a synthetic product of n models
// written to dir: the product and its dbt project are generated, compiled with floe and
// parsed by dbt (untimed), then `dagster definitions validate` is timed. A step that
// cannot run (no Python environment, a failing command) makes the row say so instead
// of ending the bench.
func dagsterLoad(floe, venv, dir string, n, runs int) row {
	r := row{name: fmt.Sprintf("dagster load %d models", n)}
	if n == 1000 {
		r.target = dagsterLoadTarget
	}
	bin, err := filepath.Abs(filepath.Join(venv, "bin"))
	if err != nil {
		r.skipped = "skipped: " + err.Error()
		return r
	}
	dagster, dbt := filepath.Join(bin, "dagster"), filepath.Join(bin, "dbt")
	for _, exe := range []string{dagster, dbt} {
		if _, err := os.Stat(exe); err != nil {
			r.skipped = fmt.Sprintf("skipped: no %s (the Python environment is built by `bash scripts/python-env.sh`)", exe)
			return r
		}
	}
	out := filepath.Join(dir, "target", "floe")
	home := filepath.Join(dir, "dagster-home")
	if err := synth.WriteFiles(dir, append(synth.Product(n), synth.DbtProject(n)...)); err != nil {
		r.skipped = "failed: " + err.Error()
		return r
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		r.skipped = "failed: " + err.Error()
		return r
	}
	// As scripts/test-runtime.sh runs it: the venv's tools first on PATH, a DAGSTER_HOME
	// of its own. dbt must not phone home (usage statistics) while the bench runs.
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"DAGSTER_HOME="+home,
		"DBT_SEND_ANONYMOUS_USAGE_STATS=false",
		"SOURCE_DATE_EPOCH=1700000000",
	)
	prepare := []*exec.Cmd{
		exec.Command(floe, "compile", dir),
		exec.Command(dbt, "parse", "--project-dir", dir, "--profiles-dir", out),
	}
	for _, cmd := range prepare {
		cmd.Env = env
		if outb, err := cmd.CombinedOutput(); err != nil {
			r.skipped = fmt.Sprintf("failed: %s %s: %v: %s", filepath.Base(cmd.Path), cmd.Args[1], err, lastLine(outb))
			return r
		}
	}
	wall, rss, err := measureCmd(func() *exec.Cmd {
		cmd := exec.Command(dagster, "definitions", "validate", "-f", "definitions.py")
		cmd.Dir = out
		cmd.Env = env
		return cmd
	}, runs)
	if err != nil {
		// The whole output goes to stderr; the table gets its last line.
		fmt.Fprintln(os.Stderr, err)
		r.skipped = "failed: dagster definitions validate: " + lastLine([]byte(err.Error()))
		return r
	}
	r.wall, r.rss = wall, rss
	return r
}

// lastLine is the last non-empty line of a command's output, for a table cell.
func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.ReplaceAll(strings.TrimSpace(lines[len(lines)-1]), "|", "/")
}
