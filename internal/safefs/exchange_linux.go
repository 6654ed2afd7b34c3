package safefs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Exchange swaps the directory entries a and b atomically: renameat2(RENAME_EXCHANGE).
func Exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return ErrNoExchange
	}
	return err
}
