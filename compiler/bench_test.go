package compiler

import (
	"fmt"
	"testing"
	"time"

	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/synth"
)

// synthRead serves a synthetic product from memory.
func synthRead(n int) func(string) ([]byte, error) {
	files := map[string][]byte{"floe.yaml": synth.Spec(n), "domain.yaml": []byte(synth.Domain), "enterprise.yaml": []byte(synth.Enterprise)}
	return func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("no file %s", name)
	}
}

// BenchmarkCompile compiles synthetic products of growing size (all passes, in memory).
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000, 100000} {
		read := synthRead(n)
		b.Run(fmt.Sprintf("transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res := Compile(Options{SpecPath: "floe.yaml", ReadFile: read, CompiledAt: time.Unix(0, 0), FloeVersion: "bench", Orchestrators: []string{"dagster"}})
				if res.Product == nil {
					b.Fatalf("compile failed: %v", res.Diags)
				}
			}
		})
	}
}

var benchSizes = []int{100, 10000, 100000}

// BenchmarkPasses times the front passes separately on the synthetic spec: parse and
// validate together (parse hands each transform to validation as it decodes it), and
// the graph.
func BenchmarkPasses(b *testing.B) {
	for _, n := range benchSizes {
		src := synth.Spec(n)
		b.Run(fmt.Sprintf("parse+validate/transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if s, d := parseSpec(src); s == nil {
					b.Fatal(d)
				}
			}
		})
		s, _ := parseSpec(src)
		b.Run(fmt.Sprintf("graph/transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, d := graph.Build(s); d.HasErrors() {
					b.Fatal(d)
				}
			}
		})
	}
}

// parseSpec parses and validates a floe.yaml as the parse and validate passes do.
func parseSpec(src []byte) (*validate.Spec, diag.List) {
	var ts validate.Transforms
	f, ds := parse.ParseList("floe.yaml", src, ts.List())
	if f == nil {
		return nil, ds
	}
	s, vds := validate.ValidateSpec(f, &ts)
	return s, append(ds, vds...)
}
