//go:build windows

package safefs

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// openRead opens name read-only. Windows has no FIFOs in the file system to block on;
// without following, a reparse point (symbolic link, junction) is opened as itself and
// then refused by Open, which sees it is not a regular file.
func openRead(name string, follow bool) (*os.File, error) {
	if follow {
		return os.Open(name)
	}
	return createFile(name, windows.GENERIC_READ, windows.OPEN_EXISTING)
}

// openNoFollow opens (creating) name read-write without following a link there.
func openNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	disposition := uint32(windows.OPEN_EXISTING)
	if flag&os.O_CREATE != 0 {
		disposition = windows.OPEN_ALWAYS
	}
	f, err := createFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, disposition)
	if err != nil {
		return nil, err
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info); err != nil {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ELOOP}
	}
	return f, nil
}

// createFile opens name with FILE_FLAG_OPEN_REPARSE_POINT: a link is opened as itself.
func createFile(name string, access, disposition uint32) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		disposition, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
			err = os.ErrNotExist
		}
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}
