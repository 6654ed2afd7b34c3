package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// testEnv is an env for in-process runs that reads nothing from the process: the
// environment is vars, the clock is fixed.
func testEnv(vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		now:      func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		getenv:   func(k string) string { return vars[k] },
		environ:  func() []string { return nil },
		getwd:    func() (string, error) { return ".", nil },
		terminal: func(io.Writer) bool { return false },
		color:    "auto",
	}
	return e, &stdout, &stderr
}

// TestEveryCommandIsDocumented: every command's help has a one-line summary, a
// description and at least one example, and every flag a usage text.
func TestEveryCommandIsDocumented(t *testing.T) {
	e, _, _ := testEnv(nil)
	root := newRoot(e)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || strings.HasPrefix(c.Name(), "__") {
			return
		}
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("%s: no short description", c.CommandPath())
		}
		if strings.TrimSpace(c.Long) == "" {
			t.Errorf("%s: no long description", c.CommandPath())
		}
		if c != root && !strings.Contains(c.Example, "floe ") {
			t.Errorf("%s: no example", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s: no usage", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestEnvironmentComesFromEnv: an in-process run reads the environment through env
// only, so a test sets SOURCE_DATE_EPOCH (or NO_COLOR, FLOE_VENV …) without touching
// the process's.
func TestEnvironmentComesFromEnv(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1") // the process's: must not be read
	e, stdout, stderr := testEnv(map[string]string{"SOURCE_DATE_EPOCH": "1700000000"})
	dir := t.TempDir()
	if code := run(context.Background(), e, []string{"compile", "../examples/hello-orders", "-o", dir}); code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	b, err := readInput(dir + "/compiled_artifacts.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"compiled_at": "2023-11-14T22:13:20Z"`)) {
		t.Errorf("compiled_at is not env's SOURCE_DATE_EPOCH:\n%s", b)
	}
}
