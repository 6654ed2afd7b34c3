package cli

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// cliReference renders docs/cli.md from the commands themselves: what --help says,
// in one page, so the docs cannot drift from the binary.
func cliReference() []byte {
	e, _, _ := testEnv(nil)
	root := newRoot(e)
	var b bytes.Buffer
	b.WriteString("<!-- Generated from floe's commands by `go test ./cli -run TestCLIReference -update`; do not edit. -->\n")
	b.WriteString("# floe command reference\n\n")
	b.WriteString("Every command's `--help`, in one page. Start with [getting-started.md](getting-started.md).\n\n")
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, c := range root.Commands() {
		if !documented(c) {
			continue
		}
		fmt.Fprintf(&b, "| [`floe %s`](#floe-%s) | %s |\n", strings.ReplaceAll(c.Use, "|", "\\|"), c.Name(), c.Short)
	}
	b.WriteString("\nGlobal flags (every command):\n\n```text\n")
	b.WriteString(root.PersistentFlags().FlagUsagesWrapped(100))
	b.WriteString("```\n")
	for _, c := range root.Commands() {
		if !documented(c) {
			continue
		}
		fmt.Fprintf(&b, "\n## floe %s\n\n%s\n\n```text\n%s\n```\n", c.Name(), c.Short, strings.TrimSpace(c.Long))
		if subs := c.Commands(); len(subs) > 0 {
			b.WriteString("\nSubcommands: ")
			var names []string
			for _, s := range subs {
				names = append(names, "`"+s.Name()+"`")
			}
			b.WriteString(strings.Join(names, ", ") + ".\n")
		}
		fmt.Fprintf(&b, "\nUsage: `floe %s`\n\nExamples:\n\n```sh\n%s\n```\n", c.Use, strings.TrimRight(dedent(c.Example), "\n"))
		if flags := c.LocalFlags().FlagUsagesWrapped(100); flags != "" {
			fmt.Fprintf(&b, "\nFlags:\n\n```text\n%s```\n", flags)
		}
	}
	return b.Bytes()
}

func documented(c *cobra.Command) bool {
	return !c.Hidden && c.Name() != "help" && !strings.HasPrefix(c.Name(), "__")
}

var leadingSpaces = regexp.MustCompile(`(?m)^  `)

func dedent(s string) string { return leadingSpaces.ReplaceAllString(s, "") }

// TestCLIReference keeps docs/cli.md equal to what the commands' help says
// (-update rewrites it).
func TestCLIReference(t *testing.T) {
	want := cliReference()
	const path = "../docs/cli.md"
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate: go test ./cli -run TestCLIReference -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/cli.md is stale; regenerate it: go test ./cli -run TestCLIReference -update")
	}
}
