// Package par runs the items of a list on every CPU: the list is split into one
// contiguous range per CPU, at least MinPer items a range, so a small list runs on the
// caller's goroutine and a big one on all of them. Every pass that loops over a list
// that grows with the product (transforms, models, tables) loops through here.
package par

import (
	"runtime"

	"golang.org/x/sync/errgroup"
)

// MinPer is the fewest items worth a goroutine of their own: below 2×MinPer items a
// list is walked on the caller's goroutine.
const MinPer = 256

// Workers is how many ranges n items get: one per CPU, but at least minPer items a
// range, and at least one range.
func Workers(n, minPer int) int {
	return min(runtime.GOMAXPROCS(0), max(1, n/minPer))
}

// Ranges runs fn(w, lo, hi) for w in [0, workers), the ranges [lo, hi) covering [0, n)
// in order, concurrently (on the caller's goroutine for one worker), and returns the
// first error.
func Ranges(workers, n int, fn func(w, lo, hi int) error) error {
	if workers <= 1 {
		return fn(0, 0, n)
	}
	var g errgroup.Group
	for w := range workers {
		g.Go(func() error { return fn(w, w*n/workers, (w+1)*n/workers) })
	}
	return g.Wait()
}

// Each runs fn(i) for every i in [0, n), on every CPU when n is large (see Workers),
// and returns the first error (the items of a range after a failing one are skipped).
func Each(n int, fn func(i int) error) error {
	return Ranges(Workers(n, MinPer), n, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	})
}

// Collect runs fn(i) for every i in [0, n), on every CPU when n is large, and returns
// what the calls returned, concatenated in item order.
func Collect[T any](n int, fn func(i int) []T) []T {
	workers := Workers(n, MinPer)
	if workers == 1 {
		var out []T
		for i := range n {
			out = append(out, fn(i)...)
		}
		return out
	}
	parts := make([][]T, workers)
	_ = Ranges(workers, n, func(w, lo, hi int) error {
		for i := lo; i < hi; i++ {
			parts[w] = append(parts[w], fn(i)...)
		}
		return nil
	})
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
