package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/codegen"
	"github.com/floe-dev/floe/schemas"
)

// versionInfo is `floe version --json`.
type versionInfo struct {
	Version         string          `json:"version"`
	ContractVersion string          `json:"contract_version"`
	GoVersion       string          `json:"go_version"`
	Platform        string          `json:"platform"`
	Generators      []generatorInfo `json:"generators"`
	Orchestrators   []string        `json:"orchestrators"`
}

type generatorInfo struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	ContractVersion string `json:"contract_version"`
}

func newVersionCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print floe's version, the contract version it writes and its generators",
		Long: `Print floe's version, the CompiledArtifacts contract version it writes, and each
generator (orchestrators and packaging) with its version and the contract it reads.
--json prints the same as one JSON object, for scripts.`,
		Example: `  floe version
  floe version --json | jq -r .contract_version`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{Version: Version, ContractVersion: schemas.ContractVersion,
				GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
				Orchestrators: codegen.Orchestrators(), Generators: []generatorInfo{}}
			for _, g := range codegen.Registered() {
				info.Generators = append(info.Generators, generatorInfo{g.Name(), g.Version(), g.ContractVersion()})
			}
			if asJSON {
				return writeJSON(e.stdout, info)
			}
			fmt.Fprintf(e.stdout, "floe %s (CompiledArtifacts contract %s)\n", Version, schemas.ContractVersion)
			for _, g := range info.Generators {
				fmt.Fprintf(e.stdout, "generator %s %s (contract %s)\n", g.Name, g.Version, g.ContractVersion)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// writeJSON writes v as indented JSON without HTML escaping (names stay readable).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return inputErr("write JSON: %v", err)
	}
	return nil
}

func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema [" + strings.Join(schemas.SchemaNames(), "|") + "]",
		Short: "Print a JSON Schema floe validates with (default: floe-spec)",
		Long: `Print one of the JSON Schemas floe validates with: floe-spec (floe.yaml), manifest,
compiled-artifacts (the contract), schedules and iceberg-io (two files floe writes).
Point an editor's YAML language server at one to get completion and checks while
typing, e.g. with a first line in floe.yaml:

  # yaml-language-server: $schema=floe-spec.schema.json`,
		Example: `  floe schema > floe-spec.schema.json
  floe schema manifest > manifest.schema.json`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: schemas.SchemaNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "floe-spec"
			if len(args) > 0 {
				name = args[0]
			}
			b, err := schemas.Schema(name)
			if err != nil {
				return usageErr("unknown schema %q; choose one of %s", name, strings.Join(schemas.SchemaNames(), ", "))
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
}

// fixedCompletions completes a flag's value from a fixed list.
func fixedCompletions(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// describeCompletion documents cobra's completion command.
func describeCompletion(c *cobra.Command) {
	c.Short = "Print the shell completion script for bash, zsh, fish or PowerShell"
	c.Long = `Print a completion script for your shell. It completes commands, flags and flag
values: the diagnostics formats (--format), the artifact and graph formats
(--output-format), schema names, orchestrators (init --orchestrator) and the product's
transforms (run --select).

  bash:       source <(floe completion bash)              # in ~/.bashrc
  zsh:        floe completion zsh > "${fpath[1]}/_floe"   # then start a new shell
  fish:       floe completion fish > ~/.config/fish/completions/floe.fish
  PowerShell: floe completion powershell | Out-String | Invoke-Expression`
	c.Example = `  source <(floe completion bash)
  floe completion zsh > "${fpath[1]}/_floe"`
	for _, sub := range c.Commands() {
		sub.Example = "  floe completion " + sub.Name()
	}
}
