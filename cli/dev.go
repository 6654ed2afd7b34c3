package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/internal/safefs"
)

// devFlags are floe dev's own flags.
type devFlags struct {
	host     string
	port     int
	interval time.Duration
}

func newDevCmd(e *env) *cobra.Command {
	f := compileFlags{inputFlags: inputFlags{format: "text"}, outputFormat: "json", configMapName: "floe-compiled-values"}
	var d devFlags
	cmd := &cobra.Command{
		Use:   "dev [PATH]",
		Short: "Start the Dagster UI on the product and re-compile on every change",
		Long: `Compile the product, run dbt parse, and start Dagster's UI and daemon on it
(dagster dev, with the pinned runtime floe run uses) at http://127.0.0.1:3000.

The UI uses the product's Dagster instance, target/floe-local/dagster_home, which
floe run shares: it shows every run floe run made, and runs started in the UI land
there too. Nothing is written outside the product's target/.

floe dev watches floe.yaml, its manifests and every file of the product directory (the
dbt project, Python assets) by their modification times. After a change (debounced) it
re-compiles, runs dbt parse again and reloads the code location. A change that does not
compile is reported with its diagnostics and the last good output stays in place
(and in the UI) until it is fixed.

Ctrl-C stops Dagster's webserver, daemon and code servers (the whole process group)
and floe dev. Dagster's own log goes to target/floe-local/logs/ (-v prints it).

floe dev serves Dagster products; one orchestrated by Airflow is compiled, then
refused (exit 2), as by floe run.

Dagster 1.13 names dg dev as dagster dev's successor; dg needs a dg project
(pyproject.toml with [tool.dg]) and is not in floe's pins, while floe's output is a
plain definitions file, which dagster dev serves as is.`,
		Example: `  floe dev                         # ./floe.yaml, or the nearest one above
  floe dev examples/customer-360 --port 3001
  floe dev -v                      # with Dagster's own log`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if d.port < 0 || d.port > 65535 {
				return usageErr("--port %d: want 0 (any free port) to 65535", d.port)
			}
			if d.interval < 50*time.Millisecond {
				return usageErr("--poll %s: want at least 50ms", d.interval)
			}
			if err := f.setSpec(e, "dev", args); err != nil {
				return err
			}
			return runDev(cmd.Context(), e, &f, d)
		},
	}
	f.registerManifest(cmd)
	cmd.Flags().StringVar(&d.host, "host", "127.0.0.1", "address the UI listens on")
	cmd.Flags().IntVarP(&d.port, "port", "p", 3000, "port the UI listens on (0: any free port)")
	cmd.Flags().DurationVar(&d.interval, "poll", 500*time.Millisecond, "how often the product's files are checked for changes")
	return cmd
}

// devServer is a running dagster dev.
type devServer struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

func runDev(ctx context.Context, e *env, f *compileFlags, d devFlags) error {
	start := e.now()
	if b, err := build(ctx, e, f); err == nil {
		if err := requireDagster(e, b, "dev"); err != nil {
			return err
		}
	} else {
		// A product that does not compile now but compiled before is served as it was.
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != ExitInput || !isFile(filepath.Join(defaultOut(f.spec), "definitions.py")) {
			return err
		}
		fmt.Fprintf(e.stderr, "floe: serving the last good output in %s until the errors above are fixed\n", defaultOut(f.spec))
	}
	out, err := filepath.Abs(defaultOut(f.spec))
	if err != nil {
		return inputErr("%v", err)
	}
	local := localDir(f.spec)
	logs := filepath.Join(local, "logs")
	if err := ensureOwnDirs(filepath.Dir(f.spec), logs, dagsterHome(f.spec)); err != nil {
		return inputErr("%v", err)
	}
	logFile, err := createLog(filepath.Join(logs, "dev-"+start.UTC().Format("20060102-150405")+".log"))
	if err != nil {
		return inputErr("%v", err)
	}
	defer logFile.Close()
	var log io.Writer = logFile
	if e.verbose {
		log = io.MultiWriter(logFile, e.stderr)
	}
	rt, err := ensureRuntime(ctx, e, f.spec, logFile)
	if err != nil {
		return err
	}
	home := dagsterHome(f.spec)
	if err := ensureDagsterYAML(home); err != nil {
		return inputErr("%v", err)
	}
	environ, err := runtimeEnv(e, f.spec, out)
	if err != nil {
		return inputErr("%v", err)
	}
	if err := prepareDbt(ctx, rt, out, environ, log); err != nil {
		fmt.Fprintf(e.stderr, "floe: dbt parse failed (the UI shows the code location's error):\n%s\n", err)
	}
	port := d.port
	if port == 0 {
		if port, err = freePort(d.host); err != nil {
			return inputErr("no free port on %s: %v", d.host, err)
		}
	} else if ln, err := net.Listen("tcp", net.JoinHostPort(d.host, strconv.Itoa(port))); err != nil {
		return inputErr("cannot listen on %s:%d (%v); pass another --port, or --port 0 for any free one", d.host, port, netReason(err))
	} else {
		ln.Close()
	}

	// Signals from here on stop the server in order instead of killing floe alone.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)

	srv, err := startDagsterDev(rt, out, home, environ, d.host, port, log)
	if err != nil {
		return inputErr("start dagster dev: %v", err)
	}
	defer srv.stop(e)
	stopWait := e.progress(start, "starting Dagster")
	err = srv.waitReady(ctx, sigs, 3*time.Minute)
	stopWait()
	if errors.Is(err, errInterrupted) {
		fmt.Fprintln(e.stderr, "floe: stopping Dagster…")
		return nil
	}
	if err != nil {
		return inputErr("%v; its log: %s\n%s", err, relToWd(e, logFile.Name()), tail(logFile.Name(), 20))
	}
	fmt.Fprintf(e.stdout, "%s %s (instance %s; Ctrl-C stops it)\n", e.paint(e.stdout, "Dagster UI:", styleBold), srv.url, relToWd(e, home))
	if !e.quiet {
		fmt.Fprintf(e.stdout, "watching %s for changes\n", relToWd(e, filepath.Dir(f.spec)))
	}

	w := newWatcher(f.spec)
	w.inputs = stampedInputs(out)
	w.snapshot()
	ticker := time.NewTicker(d.interval)
	defer ticker.Stop()
	var pendingSince time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sigs:
			fmt.Fprintln(e.stderr, "floe: stopping Dagster…")
			return nil
		case err := <-srv.done:
			return inputErr("dagster dev exited (%v); its log: %s\n%s", err, relToWd(e, logFile.Name()), tail(logFile.Name(), 20))
		case <-ticker.C:
		}
		changed := w.changed()
		switch {
		case len(changed) > 0:
			// Debounce: wait until the files stop changing for one more interval.
			if pendingSince.IsZero() && !e.quiet {
				fmt.Fprintf(e.stdout, "change: %s\n", strings.Join(firstFew(changed, 3), ", "))
			}
			pendingSince = e.now()
			continue
		case pendingSince.IsZero():
			continue
		}
		pendingSince = time.Time{}
		devRebuild(ctx, e, f, rt, out, environ, log, srv)
		w.inputs = stampedInputs(out) // a new parent manifest is watched from now on
		w.snapshot()
	}
}

// devRebuild re-compiles, re-parses and reloads the code location after a change.
func devRebuild(ctx context.Context, e *env, f *compileFlags, rt pyRuntime, out string, environ []string, log io.Writer, srv *devServer) {
	t0 := e.now()
	b, err := build(ctx, e, f)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.msg != "" {
			fmt.Fprintf(e.stderr, "floe: %s\n", ee.msg)
		}
		fmt.Fprintf(e.stderr, "%s the last good output stays in place until this is fixed\n", e.paint(e.stderr, "floe: not recompiled:", styleYellow))
		return
	}
	what := "up to date"
	if !b.upToDate {
		what = fmt.Sprintf("recompiled %s (%d transforms)", b.res.Product.Name, len(b.res.Product.Models))
	}
	if err := prepareDbt(ctx, rt, out, environ, log); err != nil {
		fmt.Fprintf(e.stderr, "floe: dbt parse failed:\n%s\n", err)
	}
	if err := srv.reload(ctx); err != nil {
		fmt.Fprintf(e.stderr, "floe: %s; the code location was not reloaded: %v\n", what, err)
		return
	}
	fmt.Fprintf(e.stdout, "%s %s; code location reloaded in %s\n", e.paint(e.stdout, "✓", styleGreen), what, roundDuration(e.now().Sub(t0)))
}

// firstFew is the first n of items, and how many more there are.
func firstFew(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clip(items[:n]), fmt.Sprintf("and %d more", len(items)-n))
}

// prepareDbt runs `python -m floe_runtime prepare` (dbt parse: the code location reads
// dbt's manifest.json).
func prepareDbt(ctx context.Context, rt pyRuntime, out string, environ []string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, rt.python(), "-m", "floe_runtime", "prepare", out)
	cmd.Env = environ
	cmd.Dir = filepath.Dir(out)
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(log, &buf)
	cmd.Stderr = io.MultiWriter(log, &buf)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v\n%s", err, strings.TrimSpace(buf.String()))
	}
	return nil
}

func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startDagsterDev starts `dagster dev -f definitions.py` in its own process group,
// with the product's DAGSTER_HOME as working directory (so Dagster writes nowhere else).
func startDagsterDev(rt pyRuntime, out, home string, environ []string, host string, port int, log io.Writer) (*devServer, error) {
	absHome, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(rt.python(), "-m", "dagster", "dev", "-f", filepath.Join(out, "definitions.py"),
		"-h", host, "-p", strconv.Itoa(port))
	cmd.Env = environ
	cmd.Dir = absHome
	cmd.Stdout, cmd.Stderr = log, log
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &devServer{cmd: cmd, url: "http://" + net.JoinHostPort(host, strconv.Itoa(port)), done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

// errInterrupted is waitReady's error when the user stopped floe dev meanwhile.
var errInterrupted = errors.New("interrupted")

// waitReady waits until the webserver answers GraphQL.
func (s *devServer) waitReady(ctx context.Context, sigs <-chan os.Signal, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		if _, err := checkDagster(ctx, client, s.url); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Dagster webserver did not answer at %s within %s", s.url, patience)
		}
		select {
		case err := <-s.done:
			s.done <- err // stop() waits on it too
			return fmt.Errorf("dagster dev exited before its webserver answered (%v)", err)
		case <-sigs:
			return errInterrupted
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// reload asks the webserver to reload every code location (GraphQL reloadWorkspace).
func (s *devServer) reload(ctx context.Context) error {
	body := `{"query":"mutation { reloadWorkspace { __typename ... on PythonError { message } } }"}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("the webserver does not answer (%s)", netReason(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Data struct {
			Reload struct {
				Typename string `json:"__typename"`
				Message  string `json:"message"`
			} `json:"reloadWorkspace"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
		return fmt.Errorf("reloadWorkspace answered HTTP %d", resp.StatusCode)
	}
	if out.Data.Reload.Typename == "PythonError" {
		return errors.New(out.Data.Reload.Message)
	}
	return nil
}

// stop interrupts the whole process group (webserver, daemon, code servers), waits for
// it to end, and kills what is left after a grace period.
func (s *devServer) stop(e *env) {
	_ = signalGroup(s.cmd, interruptSignal)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(e.stderr, "floe: Dagster did not stop within 30s; killing it")
		_ = signalGroup(s.cmd, killSignal)
		<-s.done
	}
	// The leader is gone; a child it left behind is not.
	for i := 0; i < 50 && groupAlive(s.cmd); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if groupAlive(s.cmd) {
		_ = signalGroup(s.cmd, killSignal)
	}
}

// watcher polls the modification times and sizes of a product's files: floe.yaml, the
// inputs the last compile read (manifests, outside the product too) and every file
// under the product directory but build output, dependencies and hidden directories.
// Polling needs no dependency and behaves the same on every platform and file system
// (network and container mounts drop inotify events); a product's few hundred files
// cost well under a millisecond per poll.
type watcher struct {
	spec   string
	inputs []string
	last   map[string]fileState
}

type fileState struct {
	size int64
	mod  time.Time
}

// skipDirs are never watched: build output, dependencies, caches, version control.
var skipDirs = map[string]bool{"target": true, "logs": true, "dbt_packages": true, "dbt_modules": true,
	"__pycache__": true, "node_modules": true, "venv": true}

// maxWatched bounds a poll: a product directory that is a whole home directory must not
// make floe dev walk it twice a second.
const maxWatched = 20000

func newWatcher(spec string) *watcher { return &watcher{spec: spec} }

// stampedInputs are the inputs the stamp in out lists (the last compile's floe.yaml and
// manifests), nil when there is no readable stamp.
func stampedInputs(out string) []string {
	b, _, err := safefs.ReadFileNoFollow(filepath.Join(out, stampFile), maxRecordBytes)
	if err != nil {
		return nil
	}
	var st stamp
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	return st.Inputs
}

func (w *watcher) scan() map[string]fileState {
	files := map[string]fileState{}
	add := func(p string, info fs.FileInfo) {
		files[p] = fileState{size: info.Size(), mod: info.ModTime()}
	}
	root := filepath.Dir(w.spec)
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != root && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if len(files) >= maxWatched {
			return filepath.SkipAll
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			add(p, info)
		}
		return nil
	})
	for _, in := range append([]string{w.spec}, w.inputs...) {
		if info, err := os.Stat(in); err == nil {
			add(in, info)
		}
	}
	return files
}

func (w *watcher) snapshot() { w.last = w.scan() }

// changed lists the files added, removed or modified since the last poll.
func (w *watcher) changed() []string {
	now := w.scan()
	var diff []string
	for p, s := range now {
		if old, ok := w.last[p]; !ok || old != s {
			diff = append(diff, p)
		}
	}
	for p := range w.last {
		if _, ok := now[p]; !ok {
			diff = append(diff, p)
		}
	}
	w.last = now
	slices.Sort(diff)
	return diff
}
