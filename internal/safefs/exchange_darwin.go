package safefs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Exchange swaps the directory entries a and b atomically: renamex_np(RENAME_SWAP).
func Exchange(a, b string) error {
	err := unix.RenamexNp(a, b, unix.RENAME_SWAP)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENOSYS) {
		return ErrNoExchange
	}
	return err
}
