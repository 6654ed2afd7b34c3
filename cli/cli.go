// Package cli is floe's command line: cobra commands that parse flags, call the
// compiler and the generators, render diagnostics and write the output tree. It is the
// only package besides main that touches the terminal and the disk.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Version is floe's version (set at build time with -ldflags "-X ...cli.Version=...").
var Version = "0.1.0"

// Exit codes. Each means one thing.
const (
	ExitOK       = 0 // success (warnings allowed)
	ExitInput    = 1 // the inputs have errors (or --check found differences)
	ExitUsage    = 2 // the command line is wrong
	ExitInternal = 3 // floe failed: please report
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, args...)}
}

func inputErr(format string, args ...any) error {
	return &exitError{code: ExitInput, msg: fmt.Sprintf(format, args...)}
}

func internalErr(err error) error {
	return &exitError{code: ExitInternal, msg: fmt.Sprintf("internal error: %v (please report this)", err)}
}

// silentExit ends with code after output was already rendered.
func silentExit(code int) error { return &exitError{code: code} }

const exitHelp = `Exit codes:
  0  success (warnings may have been printed)
  1  the inputs have errors (or --check found differences)
  2  usage error (bad flags or arguments)
  3  internal error in floe (please report it)`

// env is everything a run takes from its process: the streams, the environment, the
// clock and the working directory. Commands read the environment only through it, so an
// in-process test controls all of it (run, below); Main fills it from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
	// environ is the environment handed to child processes (floe run, floe dev).
	environ func() []string
	// getwd is the working directory (the upward search for floe.yaml starts there).
	getwd func() (string, error)
	// terminal reports whether w is a terminal (colour, progress lines).
	terminal func(w io.Writer) bool
	// arg0 is how floe was started (advice names the same binary).
	arg0 string

	// Set from the root command's persistent flags before a command runs.
	quiet, verbose bool
	color          string // auto, always or never
}

// osEnv is the process's env.
func osEnv(stdin io.Reader, stdout, stderr io.Writer) *env {
	return &env{
		stdin: stdin, stdout: stdout, stderr: stderr,
		now: time.Now, getenv: os.Getenv, environ: os.Environ, getwd: os.Getwd,
		terminal: isTerminal, color: "auto", arg0: os.Args[0],
	}
}

// Main runs floe with args in this process's environment and returns the exit code.
// Process-wide tuning (garbage collector, memory limit, profiles) is main's business:
// see internal/startup.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, osEnv(stdin, stdout, stderr), args)
}

// run executes one command line with e and returns the exit code.
func run(ctx context.Context, e *env, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(e.stderr, "floe: internal error: %v (please report this)\n", r)
			if e.getenv("FLOE_DEBUG") != "" {
				fmt.Fprintf(e.stderr, "%s\n", debug.Stack())
			}
			code = ExitInternal
		}
	}()
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(e.stderr, "%s %s\n", e.paint(e.stderr, "floe:", styleBold), terminalText(ee.msg))
		}
		return ee.code
	}
	// Cobra's own errors are flag and argument errors.
	fmt.Fprintf(e.stderr, "floe: %s\n", terminalText(err.Error()))
	fmt.Fprintf(e.stderr, "Run '%s --help' for usage.\n", terminalText(commandPath(root, args)))
	return ExitUsage
}

func commandPath(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil && c != nil {
		return c.CommandPath()
	}
	return root.Name()
}

// Commands are listed in the order a user meets them (init, validate, compile, run,
// dev, …), not alphabetically. (cobra keeps this setting in a package variable; it is
// set once, before any command is built.)
func init() { cobra.EnableCommandSorting = false }

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "floe",
		Short: "Compile data products (floe.yaml + manifest.yaml) into runnable Dagster, dbt, Iceberg and Helm outputs",
		Long: `floe compiles a data product: floe.yaml (what the data engineers build) and the
platform's manifest.yaml (how the platform runs it) into compiled_artifacts.json,
Dagster definitions, dbt profiles, schedules, Iceberg IO configuration and Helm values,
and runs it on this machine (floe run, floe dev).

Commands that take a PATH accept floe.yaml, a directory holding one, or nothing: then
floe.yaml is searched for in the working directory and its parents, as git and dbt do.

` + exitHelp,
		Example: `  floe init shop && cd shop   # a new product that compiles and runs as is
  floe validate               # every check, nothing written (CI)
  floe run                    # compile, then materialize every asset locally
  floe dev                    # the Dagster UI, re-compiling on every change`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if e.quiet && e.verbose {
				return usageErr("--quiet and --verbose exclude each other")
			}
			switch e.color {
			case "auto", "always", "never":
			default:
				return usageErr("--color %q: want auto, always or never", e.color)
			}
			return nil
		},
	}
	root.SetVersionTemplate("floe {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
	pf := root.PersistentFlags()
	pf.BoolVarP(&e.quiet, "quiet", "q", false, "print only errors and warnings")
	pf.BoolVarP(&e.verbose, "verbose", "v", false, "print more: the files written, the orchestrator's own log (run, dev)")
	pf.StringVar(&e.color, "color", "auto", "colour the output: auto (on a terminal, unless NO_COLOR is set), always or never")
	_ = root.RegisterFlagCompletionFunc("color", fixedCompletions("auto", "always", "never"))
	root.AddCommand(newInitCmd(e), newValidateCmd(e), newCompileCmd(e), newPackageCmd(e), newRunCmd(e), newDevCmd(e),
		newListCmd(e), newGraphCmd(e), newDoctorCmd(e), newSchemaCmd(e), newVersionCmd(e))
	root.SetOut(e.stdout) // before the completion command is made: it keeps the writer
	root.SetErr(e.stderr)
	strictHelpAndCompletion(root)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
		if c.Name() == "completion" {
			describeCompletion(c)
			continue
		}
		if !strings.Contains(c.Long, "Exit codes") {
			c.Long = strings.TrimSpace(c.Long+"\n\n"+exitHelp) + "\n"
		}
	}
	return root
}

// strictHelpAndCompletion makes `floe help TOPIC` and `floe completion SHELL` usage
// errors (exit 2) for a topic or shell that does not exist; cobra's own print the help
// and exit 0.
func strictHelpAndCompletion(root *cobra.Command) {
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, _, err := c.Root().Find(args)
			if cmd == nil || err != nil {
				return usageErr("unknown help topic %q; run 'floe --help' for the commands", strings.Join(args, " "))
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	})
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.NoArgs // a runnable command's arguments are checked
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
}
