package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// TestUnknownTargetsSuggestBounded: each did-you-mean scans every transform name, so
// only the first maxSuggested unknown targets get one (else n typos cost n² work).
func TestUnknownTargetsSuggestBounded(t *testing.T) {
	spec := &schemas.FloeSpec{}
	for i := range 3 * maxSuggested {
		spec.Transforms = append(spec.Transforms, schemas.TransformSpec{Name: fmt.Sprintf("stg_%d", i), DependsOn: []string{fmt.Sprintf("stg_%dx", i)}})
	}
	_, diags := Build(&validate.Spec{FloeSpec: spec, File: &parse.File{Name: "floe.yaml"}, Sites: make([]validate.Site, len(spec.Transforms))})
	suggested := 0
	for _, d := range diags {
		if d.Code != diag.CodeUnknownDep {
			t.Fatalf("unexpected %v", d)
		}
		if strings.HasPrefix(d.Suggest, "did you mean") {
			suggested++
		}
	}
	if len(diags) != 3*maxSuggested || suggested != maxSuggested {
		t.Errorf("%d diagnostics, %d with a suggestion; want %d and %d", len(diags), suggested, 3*maxSuggested, maxSuggested)
	}
}
