package compiler

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/floe-dev/floe/diag"
)

// fuzzManifests is the fixed three-tier platform FuzzCompile compiles against: the
// enterprise-domain example's enterprise and domain manifests (approved plugins and
// sinks, governance, presets, inheritance).
var fuzzManifests = map[string]string{
	"sales/domain.yaml":        "../examples/enterprise-domain/sales/domain.yaml",
	"platform/enterprise.yaml": "../examples/enterprise-domain/platform/enterprise.yaml",
}

// FuzzCompile: a random floe.yaml against a fixed manifest chain never panics, never
// hangs, never ends in an internal error (exit 3), and either yields a product or
// reports an error, each diagnostic inside one of the inputs.
// Seeds: every floe.yaml of the bad-input corpus and the examples.
func FuzzCompile(f *testing.F) {
	files := map[string][]byte{}
	for name, path := range fuzzManifests {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatalf("read fixed manifest: %v", err)
		}
		files[name] = b
	}
	for _, pattern := range []string{"testdata/bad/*/floe.yaml", "../examples/*/floe.yaml", "../examples/*/*/*/floe.yaml"} {
		seeds, _ := filepath.Glob(pattern)
		for _, name := range seeds {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		read := func(name string) ([]byte, error) {
			if name == "sales/orders/floe.yaml" {
				return spec, nil
			}
			if b, ok := files[name]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("open %s: %w", name, os.ErrNotExist)
		}
		done := make(chan *Result, 1)
		go func() {
			done <- Compile(Options{SpecPath: "sales/orders/floe.yaml", ManifestPath: "sales/domain.yaml", ReadFile: read,
				CompiledAt: time.Unix(1700000000, 0), FloeVersion: "fuzz", Orchestrators: []string{"dagster"}})
		}()
		var res *Result
		select {
		case res = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("Compile did not return within 20s on %d bytes", len(spec))
		}
		if res.Internal {
			t.Fatalf("internal error: %v", res.Diags)
		}
		if res.Product == nil && !res.Diags.HasErrors() {
			t.Fatalf("no product and no error: %v", res.Diags)
		}
		if res.Product != nil && res.Diags.HasErrors() {
			t.Fatalf("a product despite errors: %v", res.Diags)
		}
		lineCount := map[string]int{}
		for name, src := range res.Sources {
			lineCount[name] = yamlLines(src)
		}
		for _, d := range res.Diags {
			lines, ok := lineCount[d.Pos.File]
			if !ok {
				t.Errorf("diagnostic about a file that was not read: %+v", d)
				continue
			}
			if d.Pos.Line < 0 || d.Pos.Line > lines {
				t.Errorf("diagnostic beyond the end of %s (%d lines): %+v", d.Pos.File, lines, d)
			}
			if !strings.HasPrefix(d.Code, "FLOE-") || d.Code == diag.CodeInternal {
				t.Errorf("bad code: %+v", d)
			}
			for _, leak := range []string{"yaml.Node", "interface {}", "map[string]", "*schemas.", "json: cannot", "reflect"} {
				if strings.Contains(d.Message, leak) {
					t.Errorf("diagnostic leaks Go internals (%q): %s", leak, d.Message)
				}
			}
		}
	})
}

// yamlLines counts lines the way YAML does: \r\n, \r, \n, NEL, LS and PS all end a line.
func yamlLines(src []byte) int {
	s := bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	n := 1
	for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(s, []byte(br))
	}
	return n
}
