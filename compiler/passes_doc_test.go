package compiler

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestArchitectureDocListsThePasses: docs/architecture.md's pass table names the
// driver's passes, in order, and what each needs.
func TestArchitectureDocListsThePasses(t *testing.T) {
	b, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if i := strings.Index(doc, "## The passes"); i >= 0 {
		doc = doc[i:]
	}
	if i := strings.Index(doc, "\n## After"); i >= 0 {
		doc = doc[:i]
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z]+)` \\|\\s*([^|]*?)\\s*\\|")
	var names []string
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		names = append(names, m[1])
		i := slices.IndexFunc(passes, func(p pass) bool { return p.name == m[1] })
		if i < 0 {
			continue
		}
		needs := regexp.MustCompile(`[a-z]+`).FindAllString(regexp.MustCompile(`\(.*\)`).ReplaceAllString(m[2], ""), -1)
		if !slices.Equal(needs, passes[i].needs) && !(len(needs) == 0 && len(passes[i].needs) == 0) {
			t.Errorf("docs: pass %s needs %v; the driver says %v", m[1], needs, passes[i].needs)
		}
	}
	if !slices.Equal(names, Passes()) {
		t.Errorf("docs list the passes %v; the driver runs %v", names, Passes())
	}
}
