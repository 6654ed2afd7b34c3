package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/floe-dev/floe/internal/safefs"
	helmchart "github.com/floe-dev/floe/templates/helm"
)

// pyRuntime is the Python environment floe run and floe dev use: a virtualenv with
// floe's pinned runtime (requirements-runtime.txt: Dagster, dagster-webserver,
// dagster-dbt, dbt-duckdb, PyIceberg).
type pyRuntime struct {
	// dir is the virtualenv.
	dir string
	// origin says where it was found: "FLOE_VENV", "checkout" or "cache".
	origin string
}

// python is the virtualenv's interpreter.
func (r pyRuntime) python() string { return venvBin(r.dir, "python") }

// venvBin is an executable of the virtualenv dir.
func venvBin(dir, name string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(dir, "Scripts", name+".exe")
	}
	return filepath.Join(dir, "bin", name)
}

// pinnedPackages names the pins a user recognizes, for progress lines.
func pinnedPackages() string {
	want := map[string]bool{"dagster": true, "dbt-duckdb": true, "pyiceberg[sql-sqlite,pyarrow]": true}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(helmchart.RuntimeRequirements()))
	for sc.Scan() {
		name, version, ok := strings.Cut(strings.TrimSpace(sc.Text()), "==")
		if ok && want[name] {
			out = append(out, strings.TrimSuffix(name, "[sql-sqlite,pyarrow]")+" "+version)
		}
	}
	return strings.Join(out, ", ")
}

// findRuntime locates the Python runtime without installing anything:
//
//  1. $FLOE_VENV, when set: a virtualenv the user (or a test) provides, used as is;
//  2. a floe checkout holding the product or the working directory (go.mod of
//     github.com/floe-dev/floe, scripts/python-env.sh): its .venv, which
//     scripts/python-env.sh builds and keeps in step with the repository's pins;
//  3. the per-user cache: <cache>/floe/runtime-<hash of the pins>, where <cache> is
//     $FLOE_CACHE_DIR, else the platform's user cache directory ($XDG_CACHE_HOME or
//     ~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows).
//
// ready reports whether it is installed and matches the pins; checkout is the
// checkout's root in case 2.
func findRuntime(e *env, spec string) (r pyRuntime, ready bool, checkout string, err error) {
	if v := e.getenv("FLOE_VENV"); v != "" {
		r = pyRuntime{dir: v, origin: "FLOE_VENV"}
		if !isFile(r.python()) {
			return r, false, "", inputErr("FLOE_VENV=%s has no %s; point it at a virtualenv with floe's runtime, or unset it", showPath(v), showPath(r.python()))
		}
		return r, true, "", nil
	}
	starts := []string{filepath.Dir(spec)}
	if wd, err := e.getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, start := range starts {
		if root := findCheckout(start); root != "" {
			r = pyRuntime{dir: filepath.Join(root, ".venv"), origin: "checkout"}
			return r, checkoutVenvReady(root), root, nil
		}
	}
	cache, err := userCacheDir(e)
	if err != nil {
		return r, false, "", inputErr("no cache directory for floe's Python runtime (%v); set FLOE_CACHE_DIR or FLOE_VENV", err)
	}
	r = pyRuntime{dir: filepath.Join(cache, "floe", "runtime-"+requirementsHash()[:12]), origin: "cache"}
	return r, cacheVenvReady(r), "", nil
}

// findCheckout returns the floe checkout holding dir ("" for none).
func findCheckout(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; {
		if isFile(filepath.Join(d, "scripts", "python-env.sh")) && isFile(filepath.Join(d, "requirements-runtime.txt")) {
			if b, err := safefs.ReadFile(filepath.Join(d, "go.mod"), 1<<20); err == nil {
				first, _, _ := strings.Cut(string(b), "\n")
				if strings.TrimSpace(first) == "module github.com/floe-dev/floe" {
					return d
				}
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// checkoutVenvReady mirrors scripts/python-env.sh's up-to-date test: .venv's stamp is the
// SHA-256 of its three requirement files, concatenated. When the formula and the script
// part ways, floe just runs the script each time (it is idempotent).
func checkoutVenvReady(root string) bool {
	var all []byte
	for _, f := range []string{"requirements-runtime.txt", "templates/helm/requirements-kubernetes.txt", "requirements-test.txt"} {
		b, err := safefs.ReadFile(filepath.Join(root, filepath.FromSlash(f)), 1<<20)
		if err != nil {
			return false
		}
		all = append(all, b...)
	}
	sum := sha256.Sum256(all)
	stamp, err := safefs.ReadFile(filepath.Join(root, ".venv", ".floe-requirements.sha256"), 1<<10)
	return err == nil && strings.TrimSpace(string(stamp)) == hex.EncodeToString(sum[:]) && isFile(venvBin(filepath.Join(root, ".venv"), "python"))
}

// requirementsHash is the SHA-256 of the pins floe installs into the cache.
func requirementsHash() string {
	sum := sha256.Sum256(helmchart.RuntimeRequirements())
	return hex.EncodeToString(sum[:])
}

// cacheStamp is written into a cache virtualenv after a complete install.
const cacheStamp = ".floe-runtime-ready"

// cacheMarker is written into a cache virtualenv before anything else: it proves the
// directory is floe's, so an interrupted install may be removed and started again.
const cacheMarker = ".floe-runtime"

func cacheVenvReady(r pyRuntime) bool {
	b, _, err := safefs.ReadFileNoFollow(filepath.Join(r.dir, cacheStamp), 1<<10)
	return err == nil && strings.TrimSpace(string(b)) == requirementsHash() && isFile(r.python())
}

// userCacheDir is os.UserCacheDir with the environment read through e, and
// $FLOE_CACHE_DIR first.
func userCacheDir(e *env) (string, error) {
	if d := e.getenv("FLOE_CACHE_DIR"); d != "" {
		return filepath.Abs(d)
	}
	switch runtime.GOOS {
	case "windows":
		if d := e.getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		if h := e.getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Caches"), nil
		}
		return "", errors.New("$HOME is not set")
	}
	if d := e.getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if h := e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache"), nil
	}
	return "", errors.New("neither $XDG_CACHE_HOME nor $HOME is set")
}

// ensureRuntime finds the runtime and installs it when it is missing or stale, with a
// progress line on stderr (the installer's own output goes to log).
func ensureRuntime(ctx context.Context, e *env, spec string, log io.Writer) (pyRuntime, error) {
	r, ready, checkout, err := findRuntime(e, spec)
	if err != nil || ready {
		return r, err
	}
	start := e.now()
	var what string
	var cmd *exec.Cmd
	switch r.origin {
	case "checkout":
		what = fmt.Sprintf("installing the pinned Python runtime (%s) into %s with scripts/python-env.sh", pinnedPackages(), relToWd(e, r.dir))
		cmd = exec.CommandContext(ctx, "bash", filepath.Join(checkout, "scripts", "python-env.sh"))
		cmd.Dir = checkout
	case "cache":
		what = fmt.Sprintf("installing the pinned Python runtime (%s) into %s", pinnedPackages(), showPath(r.dir))
	}
	fmt.Fprintf(e.stderr, "floe: %s: first run only, a few minutes…\n", what)
	stop := e.progress(start, "installing the Python runtime")
	if cmd != nil {
		cmd.Env = e.environ()
		cmd.Stdout, cmd.Stderr = log, log
		err = cmd.Run()
		if err == nil && !isFile(r.python()) {
			err = fmt.Errorf("scripts/python-env.sh made no %s", r.python())
		}
	} else {
		err = installCacheRuntime(ctx, e, r, log)
	}
	stop()
	if err != nil {
		return r, inputErr("could not install the Python runtime: %v", err)
	}
	fmt.Fprintf(e.stderr, "floe: Python runtime ready in %s\n", roundDuration(e.now().Sub(start)))
	return r, nil
}

// installCacheRuntime creates the cache virtualenv r and installs the pins into it. A
// lock beside it keeps two floe processes from installing at once; an install that was
// interrupted (a marker but no stamp) is removed first. The virtualenv is built in
// place: its scripts name their interpreter by absolute path, so it cannot be moved.
func installCacheRuntime(ctx context.Context, e *env, r pyRuntime, log io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(r.dir), 0o755); err != nil {
		return err
	}
	unlock, err := safefs.Lock(r.dir+".lock", 30*time.Minute, func(holder string) {
		fmt.Fprintf(e.stderr, "floe: waiting for another floe installing the runtime (%s)\n", holder)
	})
	if err != nil {
		return err
	}
	defer unlock()
	if cacheVenvReady(r) { // the other floe finished it
		return nil
	}
	if st, err := os.Lstat(r.dir); err == nil {
		// Only a directory floe began remove; anything else is the user's.
		if !st.IsDir() || !isFileNoFollow(filepath.Join(r.dir, cacheMarker)) {
			return fmt.Errorf("%s exists and is not floe's; remove it or set FLOE_CACHE_DIR", showPath(r.dir))
		}
		if err := os.RemoveAll(r.dir); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Mkdir(r.dir, 0o755); err != nil {
		return err
	}
	if err := writeNewFile(filepath.Join(r.dir, cacheMarker), []byte("floe runtime virtualenv\n"), 0o644); err != nil {
		return err
	}
	py, err := findPython(e)
	if err != nil {
		return err
	}
	reqs := filepath.Join(r.dir, "requirements-runtime.txt")
	if err := writeNewFile(reqs, helmchart.RuntimeRequirements(), 0o644); err != nil {
		return err
	}
	steps := [][]string{
		{py, "-m", "venv", r.dir},
		{r.python(), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", "-r", reqs},
		{r.python(), "-m", "pip", "check"},
	}
	for _, s := range steps {
		cmd := exec.CommandContext(ctx, s[0], s[1:]...)
		cmd.Env = e.environ()
		cmd.Stdout, cmd.Stderr = log, log
		fmt.Fprintf(log, "$ %s\n", strings.Join(s, " "))
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(s[:min(len(s), 4)], " "), err)
		}
	}
	return writeNewFile(filepath.Join(r.dir, cacheStamp), []byte(requirementsHash()+"\n"), 0o644)
}

// findPython is the interpreter a cache virtualenv is made with: $FLOE_PYTHON, else
// python3.11, else python3 on PATH (the pins are tested on 3.11).
func findPython(e *env) (string, error) {
	if p := e.getenv("FLOE_PYTHON"); p != "" {
		return p, nil
	}
	for _, name := range []string{"python3.11", "python3", "python"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no python3.11 or python3 on PATH; install Python 3.11, or set FLOE_PYTHON")
}

func isFileNoFollow(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.Mode().IsRegular()
}

// writeNewFile creates name with data; it never replaces a file and never writes
// through a link (O_EXCL fails on any existing name, a link included).
func writeNewFile(name string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progress shows, on a terminal, what is running and for how long, on one line that
// the next output replaces; stop clears it.
func (e *env) progress(start time.Time, what string) (stop func()) {
	if e.quiet || e.terminal == nil || !e.terminal(e.stderr) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			fmt.Fprintf(e.stderr, "\r\x1b[2K%s %s… %s", e.paint(e.stderr, "floe:", styleDim), what, roundDuration(e.now().Sub(start)))
			select {
			case <-done:
				fmt.Fprint(e.stderr, "\r\x1b[2K")
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// roundDuration shows d as people read it: 850ms, 4.2s, 2m05s.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
