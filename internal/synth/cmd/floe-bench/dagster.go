package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/floe-dev/floe/internal/synth"
)

// The targets of floe's Dagster load, relative to the two locations it is timed with.
const (
	// floorFactor bounds floe's load by Dagster's floor (bare AssetSpecs) times this.
	floorFactor = 1.3
	// stockSpeedup is how many times faster than the stock dagster-dbt location it loads.
	stockSpeedup = 2.5
)

// dagsterNote says what the Dagster rows time, and what runs untimed before them.
const dagsterNote = "dagster load: whole `dagster definitions validate -f <file>` processes (Dagster loads the\n" +
	"code location in-process: imports, the definitions, the asset jobs and their snapshots),\n" +
	"median of the runs after one warm-up (which writes Python's bytecode caches); the\n" +
	"locations of one size run in turn (run 1 of each, run 2 of each, …), so that a busy\n" +
	"machine slows them alike. Per size, three locations of the same synthetic product:\n" +
	"floe's definitions.py (target/floe/); the stock location a dagster-dbt user would write\n" +
	"(`@dbt_assets(manifest=…)`, one asset job, a schedule); and Dagster's floor, the same\n" +
	"assets and dependencies as bare `AssetSpec`s.\n" +
	"floe's target is the lower of 1.3× the floor and the stock time / 2.5. Untimed, once\n" +
	"before: the product with its dbt project (floe-synth -dbt), floe compile, `dbt parse`."

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

// location is one code location whose load is timed.
type location struct {
	label string // in the row name
	dir   string // where dagster runs
	file  string // -f
}

// dagsterRows times loading the Dagster definitions of synthetic products of each
// size (written under work) and returns their rows and the lines comparing floe's
// load with the floor's and stock's. A step that cannot run (no Python environment,
// a failing command) makes the rows say so instead of ending the bench.
func dagsterRows(floe, venv, work string, sizes []int, runs int) ([]row, string) {
	if len(sizes) == 0 {
		return nil, ""
	}
	var rows []row
	var summary strings.Builder
	summary.WriteString(dagsterNote + "\n")
	bin, err := filepath.Abs(filepath.Join(venv, "bin"))
	if err != nil {
		return []row{{name: "dagster load", skipped: "skipped: " + err.Error()}}, summary.String()
	}
	dagster, dbt := filepath.Join(bin, "dagster"), filepath.Join(bin, "dbt")
	for _, exe := range []string{dagster, dbt} {
		if _, err := os.Stat(exe); err != nil {
			skipped := fmt.Sprintf("skipped: no %s (the Python environment is built by `bash scripts/python-env.sh`)", exe)
			return []row{{name: "dagster load", skipped: skipped}}, summary.String()
		}
	}
	home := filepath.Join(work, "dagster-home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return []row{{name: "dagster load", skipped: "failed: " + err.Error()}}, summary.String()
	}
	// As scripts/test-runtime.sh runs it: the venv's tools first on PATH, a DAGSTER_HOME
	// of its own. dbt must not phone home (usage statistics) while the bench runs.
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"DAGSTER_HOME="+home,
		"DBT_SEND_ANONYMOUS_USAGE_STATS=false",
		"SOURCE_DATE_EPOCH=1700000000",
		// Python's bytecode caches as users have them: written by the warm-up run (a
		// PYTHONDONTWRITEBYTECODE inherited from a container would make every run compile
		// each location's sources again; the code-location image compiles floe's at build).
		"PYTHONDONTWRITEBYTECODE=",
	)
	for i, n := range sizes {
		dir := filepath.Join(work, fmt.Sprintf("dagster-%d", n))
		name := fmt.Sprintf("dagster load %d models", n)
		if err := prepareProduct(floe, dbt, dir, n, env); err != nil {
			rows = append(rows, row{name: name, skipped: "failed: " + err.Error()})
			continue
		}
		locations := []location{
			{"floe", filepath.Join(dir, "target", "floe"), "definitions.py"},
			{"stock dagster-dbt", dir, synth.StockLocation},
			{"floor, bare AssetSpecs", dir, synth.FloorLocation},
		}
		if i == 0 {
			locations = append(locations, location{"empty location", dir, synth.EmptyLocation})
		}
		measured, cpu := measureLocations(dagster, env, locations, runs)
		own, stock, floor := &measured[0], measured[1], measured[2]
		if own.skipped == "" && stock.skipped == "" && floor.skipped == "" {
			own.target = min(time.Duration(floorFactor*float64(floor.wall)), time.Duration(float64(stock.wall)/stockSpeedup)).Round(time.Millisecond)
			toFloor := own.wall.Seconds() / floor.wall.Seconds()
			fromStock := stock.wall.Seconds() / own.wall.Seconds()
			fmt.Fprintf(&summary, "\n%d models: floe %.2f s = %.2f× the floor (target ≤ %.1f — %s), %.2f× faster than stock (target ≥ %.1f — %s); CPU time (user+sys) floe %.2f s, floor %.2f s, stock %.2f s",
				n, own.wall.Seconds(), toFloor, floorFactor, verdict(toFloor <= floorFactor), fromStock, stockSpeedup, verdict(fromStock >= stockSpeedup),
				cpu[0].Seconds(), cpu[2].Seconds(), cpu[1].Seconds())
		}
		for k := range measured {
			measured[k].name = name + ": " + locations[k].label
			if locations[k].label == "empty location" {
				measured[k].name = "dagster load: empty location"
			}
		}
		rows = append(rows, measured...)
	}
	summary.WriteString("\n")
	return rows, summary.String()
}

// prepareProduct writes the synthetic product of n models with its dbt project and the
// stock, floor and empty locations into dir, compiles it and runs dbt parse.
func prepareProduct(floe, dbt, dir string, n int, env []string) error {
	if err := writeInputs(dir, n, inProduct, inDbt, inLocations); err != nil {
		return err
	}
	out := filepath.Join(dir, "target", "floe")
	for _, cmd := range []*exec.Cmd{
		exec.Command(floe, "compile", dir),
		exec.Command(dbt, "parse", "--project-dir", dir, "--profiles-dir", out),
	} {
		cmd.Env = env
		if outb, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v: %s", filepath.Base(cmd.Path), cmd.Args[1], err, lastLine(outb))
		}
	}
	return nil
}

// measureLocations loads each location once to warm up (Python's bytecode caches,
// the storage of a fresh DAGSTER_HOME), then runs times in turn, and returns a row
// per location with the median wall time and the largest peak RSS, and each
// location's median CPU time (user+sys: less swayed than wall time by other work on a
// shared machine). A location that fails once gets a row saying so and is not run again.
func measureLocations(dagster string, env []string, locations []location, runs int) ([]row, []time.Duration) {
	rows := make([]row, len(locations))
	walls := make([][]time.Duration, len(locations))
	cpus := make([][]time.Duration, len(locations))
	for i := 0; i <= runs; i++ {
		for k, loc := range locations {
			if rows[k].skipped != "" {
				continue
			}
			cmd := exec.Command(dagster, "definitions", "validate", "-f", loc.file)
			cmd.Dir, cmd.Env = loc.dir, env
			start := time.Now()
			outb, err := cmd.CombinedOutput()
			wall := time.Since(start)
			if err != nil {
				// The whole output goes to stderr; the table gets its last line.
				fmt.Fprintf(os.Stderr, "dagster definitions validate -f %s: %v\n%s\n", loc.file, err, outb)
				rows[k].skipped = "failed: dagster definitions validate: " + lastLine(outb)
				continue
			}
			if i == 0 {
				continue
			}
			walls[k] = append(walls[k], wall)
			cpus[k] = append(cpus[k], cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			rows[k].rss = max(rows[k].rss, maxRSSKiB(cmd.ProcessState))
		}
	}
	cpu := make([]time.Duration, len(locations))
	for k := range rows {
		if rows[k].skipped == "" {
			slices.Sort(walls[k])
			slices.Sort(cpus[k])
			rows[k].wall = walls[k][len(walls[k])/2]
			cpu[k] = cpus[k][len(cpus[k])/2]
		}
	}
	return rows, cpu
}

// lastLine is the last non-empty line of a command's output, for a table cell.
func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.ReplaceAll(strings.TrimSpace(lines[len(lines)-1]), "|", "/")
}
