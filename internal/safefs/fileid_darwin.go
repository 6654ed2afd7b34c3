package safefs

import (
	"io/fs"
	"syscall"
)

// IDOf returns info's FileID.
func IDOf(info fs.FileInfo) (FileID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return FileID{}, false
	}
	return FileID{Ino: int64(st.Ino), Size: st.Size, Mtime: st.Mtimespec.Nano(), Ctime: st.Ctimespec.Nano()}, true
}
