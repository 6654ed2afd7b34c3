//go:build unix

package safefs

import (
	"os"
	"syscall"
)

// openRead opens name read-only and non-blocking, so a FIFO cannot block the open
// (regular files ignore O_NONBLOCK); O_NOFOLLOW refuses a link as the last element.
func openRead(name string, follow bool) (*os.File, error) {
	flag := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if !follow {
		flag |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(name, flag, 0)
}

// openNoFollow opens (creating with perm) name without following a link there.
func openNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, perm)
}
