package diag

import (
	"slices"
	"testing"
)

func TestSuggest(t *testing.T) {
	keys := []string{"compute", "dependsOn", "depends_on", "iceberg", "name", "qualityChecks", "resources", "tags", "tier"}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"teir", []string{"tier"}},                         // neighbours swapped: one edit
		{"tiers", []string{"tier"}},                        // one insertion
		{"dependson", []string{"dependsOn", "depends_on"}}, // case only; one edit
		{"reosurces", []string{"resources"}},
		{"tgas", []string{"tags"}},
		{"xyz", nil},
		{"nmea", nil}, // two edits on a short name
	} {
		if got := Suggest(c.name, keys); !slices.Equal(got, c.want) {
			t.Errorf("Suggest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := Suggest("b", []string{"a"}); got != nil {
		t.Errorf("Suggest(b, [a]) = %q, want none", got)
	}
}

func TestBoundedLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b      string
		max, want int
	}{
		{"ab", "ba", 2, 1},
		{"abc", "acb", 2, 1},
		{"ca", "abc", 5, 3}, // optimal string alignment: no edit of a swapped pair
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3}, // past max: max+1
		{"", "abc", 5, 3},
		{"héllo", "hlélo", 2, 1},
	} {
		if got := boundedLevenshtein(c.a, c.b, c.max); got != c.want {
			t.Errorf("boundedLevenshtein(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}
