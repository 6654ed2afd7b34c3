// Command genschemas writes schemas/*.schema.json from the Go types in package schemas.
// Run it with `go generate ./schemas`.
package main

import (
	"fmt"
	"os"

	"github.com/floe-dev/floe/schemas"
)

func main() {
	for _, f := range schemas.SchemaFiles {
		b, err := f.Generate()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(f.File, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
