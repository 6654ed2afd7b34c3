package compiler

import (
	"fmt"
	"testing"
	"time"

	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
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

// BenchmarkPasses times the front passes separately on the synthetic spec.
func BenchmarkPasses(b *testing.B) {
	for _, n := range benchSizes {
		src := synth.Spec(n)
		b.Run(fmt.Sprintf("parse/transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if f, d := parse.Parse("floe.yaml", src); f == nil {
					b.Fatal(d)
				}
			}
		})
		b.Run(fmt.Sprintf("validate/transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				f, _ := parse.Parse("floe.yaml", src)
				b.StartTimer()
				if s, d := validate.ValidateSpec(f); s == nil {
					b.Fatal(d)
				}
			}
		})
		f, _ := parse.Parse("floe.yaml", src)
		s, _ := validate.ValidateSpec(f)
		b.Run(fmt.Sprintf("graph/transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, d := graph.Build(s.File, s.Spec, nil); d.HasErrors() {
					b.Fatal(d)
				}
			}
		})
	}
}
