package validate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/synth"
)

// TestParallelSpecAgrees checks that ValidateSpec's item-by-item parallel path gives
// the same diagnostics and the same decoded spec as the sequential one, on every
// floe.yaml of the examples and the bad-input corpus and on a synthetic product.
func TestParallelSpecAgrees(t *testing.T) {
	files, _ := filepath.Glob("../testdata/bad/*/floe.yaml")
	ex, _ := filepath.Glob("../../examples/*/floe.yaml")
	files = append(files, ex...)
	srcs := map[string][]byte{"synthetic": synth.Spec(700)}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[p] = b
	}
	run := func(name string, src []byte, min int) (any, any, bool) {
		defer func(old int) { parallelMin = old }(parallelMin)
		parallelMin = min
		f, _ := parse.Parse(name, src)
		if f == nil {
			return nil, nil, false
		}
		s, ds := ValidateSpec(f)
		var spec any
		if s != nil {
			spec = s.Spec
		}
		return spec, ds.Sorted(), true
	}
	var compared, withErrors int
	for name, src := range srcs {
		seqSpec, seqDiags, ok := run(name, src, 1<<30)
		if !ok {
			continue
		}
		parSpec, parDiags, _ := run(name, src, 1)
		if !reflect.DeepEqual(seqDiags, parDiags) {
			t.Errorf("%s: diagnostics differ\nsequential: %v\nparallel:   %v", name, seqDiags, parDiags)
		}
		if !reflect.DeepEqual(seqSpec, parSpec) {
			t.Errorf("%s: decoded specs differ", name)
		}
		compared++
		if seqDiags.(diag.List).HasErrors() {
			withErrors++
		}
	}
	if compared < 50 || withErrors < 20 {
		t.Errorf("compared %d files (%d with errors): the corpus was not found", compared, withErrors)
	}
}
