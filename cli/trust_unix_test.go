//go:build unix

package cli

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func mkfifo(t *testing.T, name string) {
	t.Helper()
	_ = os.Remove(name)
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
}

// TestInputsAreRegularFiles: floe.yaml, the manifest and a parent manifest that are a
// FIFO, a device, a directory, a socket or too big get a positioned error (at 1:1, or
// where the file is named) quickly and with little memory, instead of a hang or an
// unbounded read. The runs' watchdog kills a run after 20 s or at 512 MiB resident.
func TestInputsAreRegularFiles(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	root := t.TempDir()
	smallProduct(t, root)
	spec := "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: shop, version: 1.2.3}\n" +
		"platform: {manifest: %s}\ntransforms:\n  - name: stg_orders\n"
	writeTestFiles(t, root, map[string]string{
		"fifo/placeholder": "",
		"zero/floe.yaml":   strings.Replace(spec, "%s", "../zero.yaml", 1),
		"chain/floe.yaml":  strings.Replace(spec, "%s", "domain.yaml", 1),
		"chain/domain.yaml": "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: sales, version: 1.0.0, owner: me}\nscope: domain\nparent_manifest: parent.yaml\n" +
			"plugins:\n  catalog: {type: sql, config: {uri: \"sqlite:///c.db\", warehouse: w}}\n",
	})
	mkfifo(t, filepath.Join(root, "fifo", "floe.yaml"))
	mkfifo(t, filepath.Join(root, "pipe.yaml"))
	mkfifo(t, filepath.Join(root, "chain", "parent.yaml"))
	if err := os.Symlink("/dev/zero", filepath.Join(root, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(root, "fifo", "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "adir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(filepath.Join(root, "big.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(1 << 30); err != nil { // sparse: takes no space
		t.Fatal(err)
	}
	big.Close()
	sock, err := net.Listen("unix", filepath.Join(root, "sock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"floe.yaml is a FIFO", []string{"validate", "fifo"},
			`fifo/floe.yaml:1:1: error: cannot read fifo/floe.yaml: is a named pipe, not a regular file`},
		{"floe.yaml is a FIFO (compile)", []string{"compile", "fifo"}, `fifo/floe.yaml:1:1: error: .*named pipe`},
		{"floe.yaml is a link to /dev/zero", []string{"compile", "fifo/zero.yaml"},
			`fifo/zero.yaml:1:1: error: cannot read fifo/zero.yaml: is a device, not a regular file`},
		{"--manifest is a FIFO", []string{"validate", "prod", "--manifest", "pipe.yaml"},
			`pipe.yaml:1:1: error: cannot read pipe.yaml: is a named pipe`},
		{"platform.manifest is a link to /dev/zero", []string{"compile", "zero"},
			`zero/floe.yaml:4:\d+: error: cannot read zero.yaml: is a device`},
		{"--manifest is a link to /dev/zero", []string{"compile", "prod", "--manifest", "zero.yaml"},
			`zero.yaml:1:1: error: cannot read zero.yaml: is a device`},
		{"a parent manifest is a FIFO", []string{"validate", "chain"},
			`chain/domain.yaml:5:\d+: error: cannot read chain/parent.yaml: is a named pipe`},
		{"--manifest is a directory", []string{"validate", "prod", "--manifest", "adir.yaml"},
			`adir.yaml:1:1: error: cannot read adir.yaml: is a directory`},
		{"--manifest is a socket", []string{"validate", "prod", "--manifest", "sock.yaml"},
			`sock.yaml:1:1: error: cannot read sock.yaml: is a socket`},
		{"--manifest is over the size limit", []string{"validate", "prod", "--manifest", "big.yaml"},
			`big.yaml:1:1: error: cannot read big.yaml: is larger than 64 MiB, the limit`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runFloe(t, root, c.args...)
			if r.code != ExitInput || !regexp.MustCompile(c.want).MatchString(r.stderr) {
				t.Errorf("exit %d, want %d and stderr matching %q:\n%s", r.code, ExitInput, c.want, r.stderr)
			}
			if rss := peakRSS(r.state); rss > 128<<20 {
				t.Errorf("peak resident memory %d MiB, want under 128 MiB", rss>>20)
			}
		})
	}
}

// TestStampAndCacheAreUntrusted: the stamp's input list, the stamp and the stat cache
// are data anyone could have written. A FIFO or a device there never hangs floe: the
// output is just not up to date, or (the stamp, a generated file) not floe's.
func TestStampAndCacheAreUntrusted(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	out := filepath.Join(root, "out")
	if r := runFloe(t, root, "compile", "prod", "-o", "out"); r.code != 0 {
		t.Fatalf("compile: exit %d\n%s", r.code, r.stderr)
	}

	// The stamp lists /dev/zero, a FIFO and a directory as inputs.
	mkfifo(t, filepath.Join(root, "fifo.yaml"))
	var st stamp
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(out, stampFile))), &st); err != nil {
		t.Fatal(err)
	}
	st.Inputs = append(st.Inputs, "/dev/zero", filepath.Join(root, "fifo.yaml"), root)
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(out, stampFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runFloe(t, root, "compile", "prod", "-o", "out"); r.code != 0 || !strings.Contains(r.stdout, "wrote") {
		t.Fatalf("stamp listing odd inputs: exit %d, want 0 and a new write\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The stat cache is a FIFO: the files are hashed instead.
	mkfifo(t, filepath.Join(root, ".out.stat.json"))
	if r := runFloe(t, root, "compile", "prod", "-o", "out"); r.code != 0 || !strings.Contains(r.stdout, "is up to date") {
		t.Fatalf("stat cache a FIFO: exit %d, want 0 and up to date\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A generated file is a FIFO: compile and --check refuse it by name (neither reads it).
	mkfifo(t, filepath.Join(out, "definitions.py"))
	for _, args := range [][]string{{"compile", "prod", "-o", "out"}, {"compile", "prod", "-o", "out", "--check"}} {
		r := runFloe(t, root, args...)
		if r.code != ExitInput || !strings.Contains(r.stderr, "definitions.py (a named pipe)") {
			t.Errorf("floe %v with a FIFO in the output: exit %d, want %d naming it\n%s", args, r.code, ExitInput, r.stderr)
		}
	}
	// The stamp is a FIFO.
	if err := os.Remove(filepath.Join(out, "definitions.py")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(out, stampFile))
	if r := runFloe(t, root, "compile", "prod", "-o", "out"); r.code != ExitInput || !strings.Contains(r.stderr, stampFile+" (a named pipe)") {
		t.Errorf("stamp a FIFO: exit %d, want %d naming it\n%s", r.code, ExitInput, r.stderr)
	}
}

// TestReadOnlyOutput: a read-only (0555) output directory, with a read-only directory
// inside, is replaced and leaves no temporary tree behind, and the next run is up to
// date; a read-only parent gets a clear error and nothing is created. Permissions do
// not bind root, so as root floe runs as the unprivileged user 65534.
func TestReadOnlyOutput(t *testing.T) {
	root := t.TempDir()
	asUser := func(cmd *exec.Cmd) *exec.Cmd { return cmd }
	if os.Geteuid() == 0 {
		// The user must reach the work directory and run the floe binary.
		if err := os.Chmod(filepath.Dir(root), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(root, 0o777); err != nil {
			t.Fatal(err)
		}
		bin, err := exec.LookPath("floe")
		if err != nil {
			t.Fatal(err)
		}
		copyExecutable(t, bin, filepath.Join(root, "bin", "floe"))
		asUser = func(cmd *exec.Cmd) *exec.Cmd {
			cmd.Path = filepath.Join(root, "bin", "floe")
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			return cmd
		}
		t.Log("root: floe runs as user 65534")
		probe := asUser(exec.Command("true"))
		probe.Path = "/bin/true"
		if err := probe.Run(); err != nil {
			t.Skipf("cannot run a process as another user here: %v", err)
		}
	}
	smallProduct(t, root)
	run := func(args ...string) floeResult {
		t.Helper()
		r := runFloeCmd(t, asUser(floeCmd(t, root, args...)), 60e9)
		if r.killed != "" {
			t.Fatalf("floe %v: %s", args, r.killed)
		}
		return r
	}
	out := filepath.Join(root, "out")
	if r := run("compile", "prod", "-o", "out"); r.code != 0 {
		t.Fatalf("compile: exit %d\n%s", r.code, r.stderr)
	}
	for _, d := range []string{filepath.Join(out, "floe_runtime"), out} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	if r := run("compile", "prod", "-o", "out", "--force"); r.code != 0 {
		t.Fatalf("compile over a read-only output: exit %d\n%s", r.code, r.stderr)
	}
	if left := tmpLeftovers(t, out); len(left) > 0 {
		t.Errorf("temporary trees left behind: %v", left)
	}
	if r := run("compile", "prod", "-o", "out"); r.code != 0 || !strings.Contains(r.stdout, "is up to date") {
		t.Errorf("the run after: exit %d, want up to date\n%s%s", r.code, r.stdout, r.stderr)
	}

	ro := filepath.Join(root, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	r := run("compile", "prod", "-o", "ro/out")
	if r.code != ExitInput || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("read-only parent: exit %d, want %d and a clear message\n%s", r.code, ExitInput, r.stderr)
	}
	if entries, _ := os.ReadDir(ro); len(entries) != 0 {
		t.Errorf("read-only parent: something was created: %v", entries)
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// peakRSS is a finished process's peak resident memory in bytes (ru_maxrss: KiB on
// Linux, bytes on macOS).
func peakRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) << 10
}

// TestDbtProjectOddFiles: a dbt model file that is a symbolic link is a model, as dbt
// reads it (no false "has no dbt model"); a dbt_project.yml or manifest.json that is a
// FIFO or a directory is said to be one, with the check skipped, instead of read (a
// hang) or taken silently for no dbt project.
func TestDbtProjectOddFiles(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	prod := filepath.Join(root, "prod")
	writeTestFiles(t, root, map[string]string{
		"prod/dbt_project.yml":     "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nmodel-paths: [models]\n",
		"shared/stg_orders.sql":    "select 1 as id\n",
		"prod/models/.keep":        "",
		"prod/target/.placeholder": "",
	})
	if err := os.Symlink(filepath.Join(root, "shared", "stg_orders.sql"), filepath.Join(prod, "models", "stg_orders.sql")); err != nil {
		t.Skipf("cannot make a link here: %v", err)
	}
	r := runFloe(t, root, "validate", "prod")
	if r.code != 0 || strings.Contains(r.stderr, "FLOE-E310") {
		t.Fatalf("a linked model file: exit %d, want 0 without FLOE-E310:\n%s", r.code, r.stderr)
	}

	mkfifo(t, filepath.Join(prod, "target", "manifest.json"))
	r = runFloe(t, root, "validate", "prod")
	if r.code != 0 || !regexp.MustCompile(`manifest\.json is a named pipe, not a file; the refs are not checked \[FLOE-W313\]`).MatchString(r.stderr) {
		t.Errorf("a FIFO at target/manifest.json: exit %d, want 0 and a W313 naming it:\n%s", r.code, r.stderr)
	}

	proj := filepath.Join(prod, "dbt_project.yml")
	mkfifo(t, proj)
	r = runFloe(t, root, "validate", "prod")
	if r.code != 0 || !regexp.MustCompile(`dbt_project\.yml is a named pipe, not a file; the dbt project is not checked \[FLOE-W312\]`).MatchString(r.stderr) {
		t.Errorf("a FIFO at dbt_project.yml: exit %d, want 0 and a W312 naming it:\n%s", r.code, r.stderr)
	}
	if err := os.Remove(proj); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	r = runFloe(t, root, "validate", "prod")
	if r.code != 0 || !strings.Contains(r.stderr, "dbt_project.yml is a directory, not a file") {
		t.Errorf("a directory at dbt_project.yml: exit %d, want 0 and a W312 naming it:\n%s", r.code, r.stderr)
	}
}
