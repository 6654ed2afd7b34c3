//go:build !linux && !darwin

package safefs

import "io/fs"

// IDOf has no inode and change time to offer here (Windows' FileInfo carries neither):
// callers hash the file instead.
func IDOf(info fs.FileInfo) (FileID, bool) { return FileID{}, false }
