package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// floeResult is how a floe process ended.
type floeResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
	killed         string // why the watchdog killed it ("" when it ended by itself)
	state          *os.ProcessState
}

// rssCap is the resident memory past which the watchdog kills a floe process: a run
// that reads a device or a growing file without a limit gets there in well under a
// second, a normal small compile never does.
const rssCap = 512 << 20

// runFloeCmd runs cmd (floe) with a watchdog: it is killed after limit, or as soon as
// its resident memory passes rssCap (where /proc tells, i.e. on Linux), so a hang or
// an unbounded read fails the test instead of hanging it or exhausting the machine.
func runFloeCmd(t *testing.T, cmd *exec.Cmd, limit time.Duration) floeResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start floe: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var killed string
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-deadline:
			killed = fmt.Sprintf("still running after %s", limit)
			_ = cmd.Process.Kill()
		case <-tick.C:
			if rss := residentBytes(cmd.Process.Pid); rss > rssCap && killed == "" {
				killed = fmt.Sprintf("resident memory passed %d MiB", rss>>20)
				_ = cmd.Process.Kill()
			}
		}
	}
	return floeResult{code: exitCode(err), stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start), killed: killed, state: cmd.ProcessState}
}

// residentBytes is a process's resident memory from /proc (0 where there is none).
func residentBytes(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// floeCmd is `floe args...` run in dir: the test binary as testscript's "floe"
// command (on $PATH while the tests run), with SOURCE_DATE_EPOCH fixed.
func floeCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("floe")
	if err != nil {
		t.Fatalf("the floe command is not on $PATH (set up by testscript.Main): %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	return cmd
}

// runFloe runs floe in dir and fails the test when it hangs or balloons.
func runFloe(t *testing.T, dir string, args ...string) floeResult {
	t.Helper()
	r := runFloeCmd(t, floeCmd(t, dir, args...), 20*time.Second)
	if r.killed != "" {
		t.Fatalf("floe %s: killed: %s\nstderr: %s", strings.Join(args, " "), r.killed, r.stderr)
	}
	return r
}

// smallProduct writes a one-transform product (prod/floe.yaml, manifest.yaml) under root.
func smallProduct(t *testing.T, root string) {
	t.Helper()
	writeTestFiles(t, root, map[string]string{
		"prod/floe.yaml": "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: shop, version: 1.2.3}\n" +
			"platform: {manifest: ../manifest.yaml}\ntransforms:\n  - name: stg_orders\n",
		"manifest.yaml": "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: shop-platform, version: 1.0.0, owner: me}\n" +
			"plugins:\n  compute: {type: duckdb, config: {path: target/x.duckdb}}\n  orchestrator: {type: dagster}\n",
	})
}

func writeTestFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tmpLeftovers lists floe's temporary names beside out.
func tmpLeftovers(t *testing.T, out string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".*tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
