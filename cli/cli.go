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
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/codegen"
	"github.com/floe-dev/floe/internal/startup"
	"github.com/floe-dev/floe/schemas"
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

// defaultMemoryLimit is the soft heap limit of a run (see Main).
const defaultMemoryLimit = 480 << 20

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, args...)}
}

// silentExit ends with code after output was already rendered.
func silentExit(code int) error { return &exitError{code: code} }

const exitHelp = `Exit codes:
  0  success (warnings may have been printed)
  1  the inputs have errors (or --check found differences)
  2  usage error (bad flags or arguments)
  3  internal error in floe (please report it)`

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
}

// Main runs floe with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "floe: internal error: %v (please report this)\n", r)
			if os.Getenv("FLOE_DEBUG") != "" {
				fmt.Fprintf(stderr, "%s\n", debug.Stack())
			}
			code = ExitInternal
		}
	}()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, getenv: os.Getenv}
	// A soft heap limit: the GC works harder near it instead of letting a 100,000-transform
	// compile's heap double. Override with GOMEMLIMIT.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	// With the heap capped by the limit above, a lazier GC (GOGC=200) is safe: small and
	// mid-size compiles spend less time collecting (10k transforms: −12 % wall).
	// (internal/startup switched the collector off while packages initialized.)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	} else {
		debug.SetGCPercent(startup.GCPercent())
	}
	// FLOE_CPUPROFILE=FILE writes a CPU profile of the run (for `make bench` analysis).
	if prof := os.Getenv("FLOE_CPUPROFILE"); prof != "" {
		if f, err := os.Create(prof); err == nil {
			defer f.Close() // runs after StopCPUProfile flushed the profile
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "floe: %s\n", terminalText(ee.msg))
		}
		return ee.code
	}
	// Cobra's own errors are flag and argument errors.
	fmt.Fprintf(stderr, "floe: %s\n", terminalText(err.Error()))
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", terminalText(commandPath(root, args)))
	return ExitUsage
}

func commandPath(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil && c != nil {
		return c.CommandPath()
	}
	return root.Name()
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "floe",
		Short: "Compile data products (floe.yaml + manifest.yaml) into runnable Dagster, dbt, Iceberg and Helm outputs",
		Long: `floe compiles a data product: floe.yaml (what the data engineers build) and the
platform's manifest.yaml (how the platform runs it) into compiled_artifacts.json,
Dagster definitions, dbt profiles, schedules, Iceberg IO configuration and Helm values.

` + exitHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetVersionTemplate("floe {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
	root.AddCommand(newCompileCmd(e), newPackageCmd(e), newValidateCmd(e), newDoctorCmd(e), newGraphCmd(e), newSchemaCmd(e), newVersionCmd(e))
	root.SetOut(e.stdout) // before the completion command is made: it keeps the writer
	root.SetErr(e.stderr)
	strictHelpAndCompletion(root)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%s", err) })
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

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print floe's version and the contract version it writes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(e.stdout, "floe %s (CompiledArtifacts contract %s)\n", Version, schemas.ContractVersion)
			for _, g := range codegen.Registered() {
				fmt.Fprintf(e.stdout, "generator %s %s (contract %s)\n", g.Name(), g.Version(), g.ContractVersion())
			}
			return nil
		},
	}
}
