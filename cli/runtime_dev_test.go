//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRuntimeDev (Linux: it reads the process tree from /proc) starts floe dev on a new product on a free loopback port, waits for
// Dagster's GraphQL API, changes the product (a new model, then a broken floe.yaml),
// sees the re-compiles in the UI, stops it with SIGINT and checks that no process it
// started is left.
func TestRuntimeDev(t *testing.T) {
	venv := venvOrSkip(t)
	floe := floeBinary(t)
	dir := t.TempDir()
	product := filepath.Join(dir, "shop")
	if b, err := exec.Command(floe, "init", product).CombinedOutput(); err != nil {
		t.Fatalf("floe init: %v\n%s", err, b)
	}
	before := listTree(t, product)

	cmd := exec.Command(floe, "dev", "--port", "0", "--poll", "200ms")
	cmd.Dir = filepath.Join(product, "models") // found by the upward search
	cmd.Env = append(os.Environ(), "FLOE_VENV="+venv)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if stopped {
			return
		}
		// A failed test still stops floe dev the way a user would, and then whatever
		// it left: no Dagster outlives the test.
		seen := descendants(cmd.Process.Pid)
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		for _, pid := range seen {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(re string, within time.Duration) []string {
		t.Helper()
		pattern := regexp.MustCompile(re)
		deadline := time.After(within)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("floe dev ended before printing %q; stderr:\n%s", re, stderr.String())
				}
				t.Logf("floe dev: %s", line)
				if m := pattern.FindStringSubmatch(line); m != nil {
					return m
				}
			case <-deadline:
				t.Fatalf("no %q from floe dev within %s; stderr:\n%s", re, within, stderr.String())
			}
		}
	}
	url := expect(`^Dagster UI: (http://127\.0\.0\.1:\d+) \(instance \.\./target/floe-local/dagster_home;`, 4*time.Minute)[1]
	if keys := assetKeys(t, url); !slices.Contains(keys, "mart_customer_orders") {
		t.Fatalf("assets in the UI: %v", keys)
	}
	tree := descendants(cmd.Process.Pid)
	if len(tree) < 2 {
		t.Fatalf("floe dev started %d processes; want dagster dev with its webserver and daemon", len(tree))
	}

	// A new model: floe.yaml and the SQL change; one re-compile, and the UI has it.
	writeFile(t, filepath.Join(product, "models", "stg_big_orders.sql"),
		"select * from {{ ref('stg_orders') }} where amount > 20\n")
	spec := filepath.Join(product, "floe.yaml")
	appendFile(t, spec, "  - name: stg_big_orders\n    tier: silver\n    dependsOn: [stg_orders]\n", "schedule:")
	expect(`^✓ recompiled shop \(4 transforms\); code location reloaded`, 3*time.Minute)
	waitFor(t, time.Minute, func() bool { return slices.Contains(assetKeys(t, url), "stg_big_orders") })

	// A change that does not compile: reported, and the last good output is served.
	good, _ := os.ReadFile(spec)
	writeFile(t, spec, strings.Replace(string(good), "dependsOn: [stg_orders]\n", "dependsOn: [stg_order]\n", 1))
	waitFor(t, time.Minute, func() bool { return strings.Contains(stderr.String(), "floe: not recompiled:") })
	if !strings.Contains(stderr.String(), `depends on "stg_order"`) {
		t.Errorf("the diagnostic is not shown:\n%s", stderr.String())
	}
	if !slices.Contains(assetKeys(t, url), "stg_big_orders") {
		t.Error("the UI lost the last good output")
	}

	// Ctrl-C: floe dev stops Dagster's whole process group and exits 0.
	tree = append(tree, descendants(cmd.Process.Pid)...)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("floe dev after SIGINT: %v\n%s", err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("floe dev did not stop within 90s of SIGINT")
	}
	for _, pid := range tree {
		if alive(pid) {
			t.Errorf("process %d (%s) outlived floe dev", pid, cmdline(pid))
		}
	}
	// Nothing was written outside the product's target/.
	after := listTree(t, product)
	for _, p := range after {
		if !slices.Contains(before, p) && !strings.HasPrefix(p, "target/") && p != "target" && p != "models/stg_big_orders.sql" {
			t.Errorf("floe dev wrote %s into the product", p)
		}
	}
	if _, err := os.Stat(filepath.Join(product, "target", "floe-local", "dagster_home", "dagster.yaml")); err != nil {
		t.Errorf("no product DAGSTER_HOME: %v", err)
	}
}

// descendants lists every process below pid (Linux /proc).
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	s := strings.ReplaceAll(string(bytes.TrimRight(b, "\x00")), "\x00", " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
