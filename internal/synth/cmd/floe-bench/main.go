// Command floe-bench times whole `floe` processes on synthetic products of growing
// size: the median wall time of several runs and the peak RSS the kernel reports for
// the process (getrusage ru_maxrss, what /usr/bin/time -v prints). It also times
// loading the generated Dagster definitions of a compiled synthetic product
// (`dagster definitions validate`, see dagster.go) side by side with the stock
// dagster-dbt location and Dagster's floor, and Airflow's parse of the generated DAG
// against Cosmos' (see airflow.go). It prints a table with the targets of the
// performance issues and writes it to a file.
//
// With -baseline, every row is also timed for a second binary, the runs of the two
// interleaved (the machine's load then weighs on both alike), and the table shows both
// side by side.
//
//	floe-bench [-floe bin/floe] [-baseline OLD] [-runs 5] [-max 500000]
//	           [-out target/bench/results.md] [-venv .venv] [-dagster 1000]
//	           [-airflow-venv .cache/airflow-venv] [-airflow 100,1000,5000]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type row struct {
	name      string
	args      []string
	runs      int           // timed runs (0: the -runs flag)
	target    time.Duration // 0 = none
	targetRSS int64         // KiB, 0 = none
	wall      time.Duration
	rss       int64
	// base is the baseline binary's measurement (with -baseline).
	baseWall time.Duration
	baseRSS  int64
	// skipped, when set, is why the row has no measurement (printed in its place).
	skipped string
}

// sizes are the products compiled, with the issues' targets.
var sizes = []struct {
	n         int
	target    time.Duration
	targetRSS int64 // KiB
	runs      int
}{
	{10, 0, 0, 0},
	{100, 0, 0, 0},
	{1000, 0, 0, 0},
	{2000, 35 * time.Millisecond, 0, 0},
	{10000, 250 * time.Millisecond, 150 * 1024, 0},
	{100000, 2500 * time.Millisecond, 600 * 1024, 0},
	{500000, 0, 2 * 1024 * 1024, 3}, // time: within 5.5× the 100,000 time (below)
}

// Targets that compare rows.
const (
	versionTarget  = 5 * time.Millisecond // process start
	recompileRatio = 5.0                  // % of a cold compile, unchanged re-compile at 10,000
	bigRatio       = 5.5                  // time(500,000) / time(100,000)
)

func main() {
	if spec, ok := os.LookupEnv(writerEnv); ok {
		if err := writeInputsMain(spec); err != nil {
			fmt.Fprintln(os.Stderr, "floe-bench:", err)
			os.Exit(1)
		}
		return
	}
	floe := flag.String("floe", "bin/floe", "floe binary to time")
	baseline := flag.String("baseline", "", "a second floe binary to time side by side (interleaved runs)")
	runs := flag.Int("runs", 5, "timed runs per row (after one warm-up)")
	out := flag.String("out", "target/bench/results.md", "file to write the table to")
	maxN := flag.Int("max", 500000, "largest product size")
	venv := flag.String("venv", ".venv", "Python environment with dagster and dbt (scripts/python-env.sh)")
	dagsterSizes := flag.String("dagster", "1000", "comma-separated product sizes whose Dagster load is timed (\"\" = none)")
	airflowVenv := flag.String("airflow-venv", ".cache/airflow-venv", "Python environment with Airflow, Cosmos and dbt (scripts/airflow-env.sh)")
	airflowSizes := flag.String("airflow", "100,1000,5000", "comma-separated product sizes whose Airflow DAG parse is timed (\"\" = none)")
	flag.Parse()
	dsizes, err := parseSizes(*dagsterSizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floe-bench: -dagster:", err)
		os.Exit(2)
	}
	asizes, err := parseSizes(*airflowSizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floe-bench: -airflow:", err)
		os.Exit(2)
	}
	bins := []string{*floe}
	if *baseline != "" {
		bins = append(bins, *baseline)
	}

	work, err := os.MkdirTemp("", "floe-bench-")
	check(err)
	defer os.RemoveAll(work)
	rows := []row{{name: "floe version (process start)", args: []string{"version"}, runs: max(*runs, 20), target: versionTarget}}
	for _, s := range sizes {
		if s.n > *maxN {
			break
		}
		dir := filepath.Join(work, fmt.Sprint(s.n))
		check(writeInputs(dir, s.n, inProduct))
		// --force: a cold compile every run (otherwise the second run is "up to date").
		// Each binary writes its own output directory ({bin} below).
		rows = append(rows, row{name: fmt.Sprintf("compile %d", s.n), args: []string{"compile", "--force", dir, "-o", filepath.Join(dir, "out-{bin}")},
			target: s.target, targetRSS: s.targetRSS, runs: s.runs})
		if s.n == 10000 {
			rows = append(rows, row{name: "validate 10000", args: []string{"validate", dir}, target: 200 * time.Millisecond})
		}
		if s.n == 10000 || s.n == 100000 {
			rows = append(rows, row{name: fmt.Sprintf("re-compile %d, unchanged", s.n), args: []string{"compile", dir, "-o", filepath.Join(dir, "out-{bin}")}})
		}
	}
	for i := range rows {
		n := rows[i].runs
		if n == 0 {
			n = *runs
		}
		res := measure(bins, rows[i].args, n)
		rows[i].wall, rows[i].rss = res[0].wall, res[0].rss
		if len(res) > 1 {
			rows[i].baseWall, rows[i].baseRSS = res[1].wall, res[1].rss
		}
	}
	dagster, dagsterSummary := dagsterRows(*floe, *venv, work, dsizes, *runs)
	rows = append(rows, dagster...)
	rows = append(rows, airflowRows(*floe, work, *airflowVenv, asizes, *runs)...)
	table := render(rows, *baseline != "")
	if len(dsizes) > 0 {
		table += "\n" + dagsterSummary
	}
	table += airflowSummary(rows)
	fmt.Print(table)
	check(os.MkdirAll(filepath.Dir(*out), 0o755))
	check(os.WriteFile(*out, []byte(table), 0o644))
	fmt.Printf("\nwritten to %s\n", *out)
}

// render is the results table, then the targets that compare rows.
func render(rows []row, withBase bool) string {
	var b strings.Builder
	if withBase {
		fmt.Fprintf(&b, "| run | median wall | peak RSS | baseline wall | baseline RSS | target |\n|---|---|---|---|---|---|\n")
	} else {
		fmt.Fprintf(&b, "| run | median wall | peak RSS | target |\n|---|---|---|---|\n")
	}
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.name] = r
		if r.skipped != "" {
			if withBase {
				fmt.Fprintf(&b, "| %s | — | — | — | — | %s |\n", r.name, r.skipped)
			} else {
				fmt.Fprintf(&b, "| %s | — | — | %s |\n", r.name, r.skipped)
			}
			continue
		}
		var target []string
		if r.target > 0 {
			target = append(target, fmt.Sprintf("≤ %v", r.target))
		}
		if r.targetRSS > 0 {
			target = append(target, fmt.Sprintf("≤ %d MB", r.targetRSS/1024))
		}
		t := strings.Join(target, ", ")
		if t != "" {
			t += " — " + verdict((r.target == 0 || r.wall <= r.target) && (r.targetRSS == 0 || r.rss <= r.targetRSS))
		}
		fmt.Fprintf(&b, "| %s | %s | %d MB |", r.name, seconds(r.wall), r.rss/1024)
		if withBase {
			fmt.Fprintf(&b, " %s | %d MB |", seconds(r.baseWall), r.baseRSS/1024)
		}
		fmt.Fprintf(&b, " %s |\n", t)
	}
	b.WriteString("\n")
	if cold, ok := byName["compile 10000"]; ok {
		if warm, ok := byName["re-compile 10000, unchanged"]; ok {
			pct := 100 * warm.wall.Seconds() / cold.wall.Seconds()
			fmt.Fprintf(&b, "unchanged re-compile at 10000: %.1f %% of a cold compile (target ≤ %.0f %% — %s)\n", pct, recompileRatio, verdict(pct <= recompileRatio))
		}
	}
	if a, ok := byName["compile 10000"]; ok {
		if c, ok := byName["compile 100000"]; ok {
			ratio := c.wall.Seconds() / a.wall.Seconds()
			fmt.Fprintf(&b, "linearity: time(100,000) / time(10,000) = %.1f (target ≤ 11 — %s)\n", ratio, verdict(ratio <= 11))
		}
	}
	if a, ok := byName["compile 100000"]; ok {
		if c, ok := byName["compile 500000"]; ok {
			ratio := c.wall.Seconds() / a.wall.Seconds()
			fmt.Fprintf(&b, "big inputs: time(500,000) / time(100,000) = %.1f (target ≤ %.1f — %s)\n", ratio, bigRatio, verdict(ratio <= bigRatio))
		}
	}
	return b.String()
}

// seconds renders a wall time: milliseconds below a second.
func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// measurement is one binary's median wall time and largest peak RSS (KiB) over a row's
// runs.
type measurement struct {
	wall time.Duration
	rss  int64
}

// measure runs args with each binary once to warm up, then runs times, the binaries
// interleaved, and returns each binary's measurement. In args, {bin} is replaced by the
// binary's base name (so each writes its own output). A failing run ends the bench.
func measure(bins []string, args []string, runs int) []measurement {
	cmds := make([]func() *exec.Cmd, len(bins))
	for i, bin := range bins {
		a := make([]string, len(args))
		for k, s := range args {
			a[k] = strings.ReplaceAll(s, "{bin}", fmt.Sprintf("%d-%s", i, filepath.Base(bin)))
		}
		cmds[i] = func() *exec.Cmd {
			cmd := exec.Command(bin, a...)
			cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
			return cmd
		}
	}
	res, err := measureCmds(cmds, runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return res
}

// measureCmds runs a fresh command from each newCmd once to warm up, then runs times
// (one of each in turn), and returns each one's median wall time and largest peak RSS,
// or the first failure.
func measureCmds(newCmds []func() *exec.Cmd, runs int) ([]measurement, error) {
	walls := make([][]time.Duration, len(newCmds))
	out := make([]measurement, len(newCmds))
	for i := 0; i <= runs; i++ {
		for k, newCmd := range newCmds {
			cmd := newCmd()
			start := time.Now()
			outb, err := cmd.CombinedOutput()
			wall := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("%s %v: %w\n%s", cmd.Path, cmd.Args[1:], err, outb)
			}
			if i == 0 {
				continue
			}
			walls[k] = append(walls[k], wall)
			out[k].rss = max(out[k].rss, maxRSSKiB(cmd.ProcessState))
		}
	}
	for k := range out {
		slices.Sort(walls[k])
		out[k].wall = walls[k][len(walls[k])/2]
	}
	return out, nil
}

// measureCmd is measureCmds for one command.
func measureCmd(newCmd func() *exec.Cmd, runs int) (time.Duration, int64, error) {
	res, err := measureCmds([]func() *exec.Cmd{newCmd}, runs)
	if err != nil {
		return 0, 0, err
	}
	return res[0].wall, res[0].rss, nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// verdict is how the table marks a target: "met" or "MISSED".
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
