// Command floe-bench times whole `floe` processes on synthetic products of growing
// size: the median wall time of several runs and the peak RSS the kernel reports for
// the process (getrusage ru_maxrss, what /usr/bin/time -v prints). It prints a table
// with the targets of the performance issue and writes it to a file.
//
//	floe-bench [-floe bin/floe] [-runs 5] [-out target/bench/results.md]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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
}

func main() {
	floe := flag.String("floe", "bin/floe", "floe binary to time")
	runs := flag.Int("runs", 5, "timed runs per row (after one warm-up)")
	out := flag.String("out", "target/bench/results.md", "file to write the table to")
	max := flag.Int("max", 100000, "largest product size")
	flag.Parse()

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
	var b strings.Builder
	fmt.Fprintf(&b, "| run | median wall | peak RSS | target |\n|---|---|---|---|\n")
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.name] = r
		target := ""
		if r.target > 0 {
			ok := r.wall <= r.target && (r.targetRSS == 0 || r.rss <= r.targetRSS)
			mark := "met"
			if !ok {
				mark = "MISSED"
			}
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
			fmt.Fprintf(&b, "\nunchanged re-compile at %s: %.1f %% of a cold compile (target ≤ 10 %%)", n, 100*warm.wall.Seconds()/cold.wall.Seconds())
		}
	}
	b.WriteString("\n")
	if a, ok := byName["compile 10000"]; ok {
		if c, ok := byName["compile 100000"]; ok {
			fmt.Fprintf(&b, "\nlinearity: time(100,000) / time(10,000) = %.1f (target ≤ 11)\n", c.wall.Seconds()/a.wall.Seconds())
		}
	}
	fmt.Print(b.String())
	check(os.MkdirAll(filepath.Dir(*out), 0o755))
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
	fmt.Printf("\nwritten to %s\n", *out)
}

// measure runs the command once to warm up, then runs times, and returns the median
// wall time and the largest peak RSS (KiB).
func measure(bin string, args []string, runs int) (time.Duration, int64) {
	var walls []time.Duration
	var rss int64
	for i := 0; i <= runs; i++ {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		start := time.Now()
		outb, err := cmd.CombinedOutput()
		wall := time.Since(start)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s %v: %v\n%s", bin, args, err, outb)
			os.Exit(1)
		}
		if i == 0 {
			continue
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss)
		}
	}
	slices.Sort(walls)
	return walls[len(walls)/2], rss
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
