package compiler

import (
	"fmt"
	"testing"
	"time"

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
