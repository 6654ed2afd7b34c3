// Command floe compiles data products: floe.yaml + manifest.yaml to CompiledArtifacts,
// Dagster runtime files and Helm packaging. See `floe --help`.
package main

import (
	"context"
	"os"

	"github.com/floe-dev/floe/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
