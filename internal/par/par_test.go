package par

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestRangesCoverInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 1000, 100001} {
		workers := Workers(n, MinPer)
		if workers < 1 {
			t.Fatalf("n=%d: %d workers", n, workers)
		}
		seen := make([]int, n)
		var mu sync.Mutex
		var bounds [][2]int
		if err := Ranges(workers, n, func(w, lo, hi int) error {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
			mu.Lock()
			bounds = append(bounds, [2]int{lo, hi})
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
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

// TestCollectKeepsOrder: results come back in item order, however the items were split.
func TestCollectKeepsOrder(t *testing.T) {
	for _, n := range []int{0, 1, 3 * MinPer, 10007} {
		got := Collect(n, func(i int) []int {
			if i%3 == 0 {
				return nil
			}
			return []int{i, i}
		})
		var want []int
		for i := range n {
			if i%3 != 0 {
				want = append(want, i, i)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: results out of order or missing (%d of %d)", n, len(got), len(want))
		}
	}
}

// TestEachFirstError: Each visits every item when none fails, and returns an error an
// item returned when one does.
func TestEachFirstError(t *testing.T) {
	var visited atomic.Int64
	if err := Each(5000, func(int) error { visited.Add(1); return nil }); err != nil || visited.Load() != 5000 {
		t.Fatalf("err %v, visited %d of 5000", err, visited.Load())
	}
	err := Each(5000, func(i int) error {
		if i == 4321 || i == 17 {
			return fmt.Errorf("item %d: %w", i, errBad)
		}
		return nil
	})
	if !errors.Is(err, errBad) {
		t.Fatalf("err = %v, want an item's error", err)
	}
}

var errBad = errors.New("bad")
