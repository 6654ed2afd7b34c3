//go:build !unix

package main

import "os"

// maxRSSKiB is 0 where the platform reports no peak resident set through getrusage
// (Windows): the table then shows no memory figure.
func maxRSSKiB(ps *os.ProcessState) int64 { return 0 }
