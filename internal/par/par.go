// Package par splits a list's items into one contiguous range per CPU.
package par

import (
	"runtime"
	"sync"
)

// Workers is how many ranges n items get: one per CPU, but at least minPer items a
// range (small lists are not worth a goroutine each), and at least one range.
func Workers(n, minPer int) int {
	return min(runtime.GOMAXPROCS(0), max(1, n/minPer))
}

// Ranges runs fn(w, lo, hi) concurrently for w in [0, workers), the ranges [lo, hi)
// covering [0, n) in order, and waits for all of them.
func Ranges(workers, n int, fn func(w, lo, hi int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, w*n/workers, (w+1)*n/workers)
		}()
	}
	wg.Wait()
}
