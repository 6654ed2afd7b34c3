// Command floe-bench times whole `floe` processes on synthetic products of growing
// size: the median wall time of several runs and the peak RSS the kernel reports for
// the process (getrusage ru_maxrss, what /usr/bin/time -v prints). It also times
// loading the generated Dagster definitions of a compiled synthetic product
// (`dagster definitions validate`, see dagster.go) and Airflow's parse of the generated
// DAG against Cosmos' (see airflow.go). It prints a table with the targets of the
// performance issue and writes it to a file.
//
//	floe-bench [-floe bin/floe] [-runs 5] [-out target/bench/results.md]
//	           [-venv .venv] [-dagster 1000]
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

	"github.com/floe-dev/floe/internal/synth"
)

type row struct {
	name      string
	args      []string
	target    time.Duration
	targetRSS int64 // KiB, 0 = none
	wall      time.Duration
	rss       int64
	// skipped, when set, is why the row has no measurement (printed in its place).
	skipped string
}

func main() {
	floe := flag.String("floe", "bin/floe", "floe binary to time")
	runs := flag.Int("runs", 5, "timed runs per row (after one warm-up)")
	out := flag.String("out", "target/bench/results.md", "file to write the table to")
	max := flag.Int("max", 100000, "largest product size")
	venv := flag.String("venv", ".venv", "Python environment with dagster and dbt (scripts/python-env.sh)")
	dagsterSizes := flag.String("dagster", "1000", "comma-separated product sizes whose Dagster load is timed (\"\" = none)")
	flag.Parse()
	sizes, err := parseSizes(*dagsterSizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floe-bench: -dagster:", err)
		os.Exit(2)
	}

	work, err := os.MkdirTemp("", "floe-bench-")
	check(err)
	defer os.RemoveAll(work)
	var rows []row
	for _, n := range []int{10, 100, 1000, 10000, 100000} {
		if n > *max {
			break
		}
		dir := filepath.Join(work, fmt.Sprint(n))
		check(os.MkdirAll(dir, 0o755))
		for name, b := range map[string][]byte{"floe.yaml": synth.Spec(n), "domain.yaml": []byte(synth.Domain), "enterprise.yaml": []byte(synth.Enterprise)} {
			check(os.WriteFile(filepath.Join(dir, name), b, 0o644))
		}
		// --force: a cold compile every run (otherwise the second run is "up to date").
		r := row{name: fmt.Sprintf("compile %d", n), args: []string{"compile", "--force", dir, "-o", filepath.Join(dir, "out")}}
		switch n {
		case 10000:
			r.target, r.targetRSS = 250*time.Millisecond, 150*1024
		case 100000:
			r.target, r.targetRSS = 2500*time.Millisecond, 600*1024
		}
		rows = append(rows, r)
		if n == 10000 {
			rows = append(rows, row{name: "validate 10000", args: []string{"validate", dir}, target: 200 * time.Millisecond})
		}
		if n >= 10000 {
			rows = append(rows, row{name: fmt.Sprintf("re-compile %d, unchanged", n), args: []string{"compile", dir, "-o", filepath.Join(dir, "out")}})
		}
	}
	for i := range rows {
		rows[i].wall, rows[i].rss = measure(*floe, rows[i].args, *runs)
	}
	dagster, dagsterSummary := dagsterRows(*floe, *venv, work, sizes, *runs)
	rows = append(rows, dagster...)
	rows = append(rows, airflowRows(*floe, work, *runs)...)
	var b strings.Builder
	fmt.Fprintf(&b, "| run | median wall | peak RSS | target |\n|---|---|---|---|\n")
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.name] = r
		if r.skipped != "" {
			fmt.Fprintf(&b, "| %s | — | — | %s |\n", r.name, r.skipped)
			continue
		}
		target := ""
		if r.target > 0 {
			ok := r.wall <= r.target && (r.targetRSS == 0 || r.rss <= r.targetRSS)
			mark := verdict(ok)
			target = fmt.Sprintf("≤ %v", r.target)
			if r.targetRSS > 0 {
				target += fmt.Sprintf(", ≤ %d MB", r.targetRSS/1024)
			}
			target += " — " + mark
		}
		fmt.Fprintf(&b, "| %s | %.3f s | %d MB | %s |\n", r.name, r.wall.Seconds(), r.rss/1024, target)
	}
	for _, n := range []string{"10000", "100000"} {
		cold, ok1 := byName["compile "+n]
		warm, ok2 := byName["re-compile "+n+", unchanged"]
		if ok1 && ok2 {
			pct := 100 * warm.wall.Seconds() / cold.wall.Seconds()
			fmt.Fprintf(&b, "\nunchanged re-compile at %s: %.1f %% of a cold compile (target ≤ 10 %% — %s)", n, pct, verdict(pct <= 10))
		}
	}
	b.WriteString("\n")
	if a, ok := byName["compile 10000"]; ok {
		if c, ok := byName["compile 100000"]; ok {
			ratio := c.wall.Seconds() / a.wall.Seconds()
			fmt.Fprintf(&b, "\nlinearity: time(100,000) / time(10,000) = %.1f (target ≤ 11 — %s)\n", ratio, verdict(ratio <= 11))
		}
	}
	if len(sizes) > 0 {
		b.WriteString("\n" + dagsterSummary)
	}
	b.WriteString(airflowSummary(rows))
	fmt.Print(b.String())
	check(os.MkdirAll(filepath.Dir(*out), 0o755))
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
	fmt.Printf("\nwritten to %s\n", *out)
}

// measure runs the command once to warm up, then runs times, and returns the median
// wall time and the largest peak RSS (KiB). A failing run ends the bench.
func measure(bin string, args []string, runs int) (time.Duration, int64) {
	wall, rss, err := measureCmd(func() *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		return cmd
	}, runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return wall, rss
}

// measureCmd runs a fresh command from newCmd once to warm up, then runs times, and
// returns the median wall time and the largest peak RSS (KiB), or the first failure.
func measureCmd(newCmd func() *exec.Cmd, runs int) (time.Duration, int64, error) {
	var walls []time.Duration
	var rss int64
	for i := 0; i <= runs; i++ {
		cmd := newCmd()
		start := time.Now()
		outb, err := cmd.CombinedOutput()
		wall := time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%s %v: %w\n%s", cmd.Path, cmd.Args[1:], err, outb)
		}
		if i == 0 {
			continue
		}
		walls = append(walls, wall)
		rss = max(rss, maxRSSKiB(cmd.ProcessState))
	}
	slices.Sort(walls)
	return walls[len(walls)/2], rss, nil
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
