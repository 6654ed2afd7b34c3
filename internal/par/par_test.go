package par

import (
	"sync"
	"testing"
)

func TestRangesCoverInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 1000, 100001} {
		workers := Workers(n, 256)
		if workers < 1 {
			t.Fatalf("n=%d: %d workers", n, workers)
		}
		seen := make([]int, n)
		var mu sync.Mutex
		var bounds [][2]int
		Ranges(workers, n, func(w, lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
			mu.Lock()
			bounds = append(bounds, [2]int{lo, hi})
			mu.Unlock()
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: item %d seen %d times", n, i, c)
			}
		}
		if len(bounds) != workers {
			t.Errorf("n=%d: %d ranges, want %d", n, len(bounds), workers)
		}
	}
}
