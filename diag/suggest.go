package diag

import (
	"slices"
	"strings"
)

// Suggest returns up to three candidates close to name: edit distance (a swap of two
// neighbouring characters is one edit) at most 2 (1 for
// names under six characters, 0 under three), or sharing a prefix of at least
// three characters, closest first. It is linear in len(candidates).
func Suggest(name string, candidates []string) []string {
	type scored struct {
		s    string
		dist int
	}
	var best []scored
	lname := strings.ToLower(name)
	// Short names tolerate fewer edits: "b" is not a typo of "a".
	limit := 0
	switch {
	case len(name) >= 6:
		limit = 2
	case len(name) >= 3:
		limit = 1
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		lc := strings.ToLower(c)
		d := boundedLevenshtein(lname, lc, limit)
		if d > limit && !(len(lname) >= 3 && (strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc) && len(lc) >= 3)) {
			continue
		}
		if d > limit {
			d = 3
		}
		best = append(best, scored{c, d})
	}
	slices.SortStableFunc(best, func(a, b scored) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return strings.Compare(a.s, b.s)
	})
	var out []string
	for i := 0; i < len(best) && i < 3; i++ {
		out = append(out, best[i].s)
	}
	return out
}

// DidYouMean formats Suggest's result as a suggestion ("" when there is none).
func DidYouMean(name string, candidates []string) string {
	s := Suggest(name, candidates)
	if len(s) == 0 {
		return ""
	}
	q := make([]string, len(s))
	for i, c := range s {
		q[i] = "'" + c + "'"
	}
	return "did you mean " + strings.Join(q, " or ") + "?"
}

// boundedLevenshtein returns the edit distance of a and b, counting a swap of two
// neighbouring characters as one edit ("teir" → "tier"; optimal string alignment), or
// max+1 once it exceeds max. Row minima never decrease, so it stops early.
func boundedLevenshtein(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
