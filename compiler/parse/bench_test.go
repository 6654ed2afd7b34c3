package parse

import (
	"fmt"
	"testing"

	"github.com/floe-dev/floe/internal/synth"
)

// BenchmarkParse parses the synthetic floe.yaml of 10k and 100k transforms (1 MB and
// 11 MB), the sequential front of `floe compile` on a big product.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		src := synth.Spec(n)
		b.Run(fmt.Sprintf("transforms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if f, d := Parse("floe.yaml", src); f == nil {
					b.Fatal(d)
				}
			}
		})
	}
}
