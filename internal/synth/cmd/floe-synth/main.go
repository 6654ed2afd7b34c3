// Command floe-synth writes a synthetic product (floe.yaml, domain.yaml,
// enterprise.yaml) with N transforms into DIR: floe-synth N DIR.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/floe-dev/floe/internal/synth"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: floe-synth N DIR")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "floe-synth: N must be a positive integer")
		os.Exit(2)
	}
	dir := os.Args[2]
	files := map[string][]byte{"floe.yaml": synth.Spec(n), "domain.yaml": []byte(synth.Domain), "enterprise.yaml": []byte(synth.Enterprise)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
