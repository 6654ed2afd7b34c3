package parse

import (
	"bytes"
	"strings"
	"testing"

	"github.com/floe-dev/floe/diag"
)

func TestFileSizeLimit(t *testing.T) {
	src := bytes.Repeat([]byte("#"), MaxFileBytes+1)
	f, ds := Parse("big.yaml", src)
	if f != nil || len(ds) != 1 || ds[0].Code != diag.CodeLimit || ds[0].Pos.Line != 0 {
		t.Fatalf("got file %v, diagnostics %v; want one whole-file %s", f != nil, ds, diag.CodeLimit)
	}
}

// TestAliasExpansionLimit: aliases may add at most MaxAliasNodes nodes to a document,
// however they are nested; a document that uses aliases moderately is fine.
func TestAliasExpansionLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 5; i++ { // 10^6 leaves: just over the limit with the lists
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat("*a"+string(rune('0'+i-1))+", ", 9) + "*a" + string(rune('0'+i-1)) + "]\n")
	}
	if f, ds := Parse("bomb.yaml", []byte(b.String())); f != nil || !ds.HasErrors() || ds[0].Code != diag.CodeLimit {
		t.Errorf("10^6-node alias expansion accepted: %v", ds)
	}
	ok := "base: &b {tier: bronze, tags: [a, b]}\nt:\n" + strings.Repeat("  - {<<: *b, name: x}\n", 1000)
	if f, ds := Parse("ok.yaml", []byte(ok)); f == nil || ds.HasErrors() {
		t.Errorf("moderate aliasing rejected: %v", ds)
	}
}
