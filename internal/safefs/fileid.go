package safefs

// FileID identifies a file's content state cheaply: inode, size, modification and
// change time. A change time cannot be set back by hand, so an unchanged FileID means
// the file was not written since it was taken. OK is false where the platform gives no
// inode or change time (Windows): callers then hash the file.
type FileID struct {
	Ino, Size, Mtime, Ctime int64
}
