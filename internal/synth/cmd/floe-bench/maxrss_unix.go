//go:build unix && !darwin

package main

import (
	"os"
	"syscall"
)

// maxRSSKiB is the peak resident set of a finished process, in KiB (getrusage's
// ru_maxrss, which Linux reports in KiB).
func maxRSSKiB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
