// Command floe compiles data products: floe.yaml + manifest.yaml to CompiledArtifacts,
// Dagster definitions and runtime, Helm packaging, and runs them locally. See
// `floe --help`. Process tuning (collector, memory limit, profile) is startup's; all the
// rest is cli's.
package main

import (
	"context"
	"os"

	"github.com/floe-dev/floe/cli"
	"github.com/floe-dev/floe/internal/startup"
)

func main() {
	os.Exit(startup.Run(startup.SettingsFrom(os.Getenv), func() int {
		return cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	}))
}
