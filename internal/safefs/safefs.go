// Package safefs is how floe touches files it does not fully own: it opens inputs only
// when they are regular files, never blocking on a FIFO and never reading past a limit;
// it opens the files it keeps beside its output without following links; and it holds
// the platform calls (locks, the atomic directory exchange, file identity) behind one
// portable API, each with a fallback where a platform lacks the call.
package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is matched (errors.Is) by the error of opening anything but a regular
// file: a directory, a FIFO, a device, a socket, or (without following) a link.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is matched (errors.Is) by the error of reading a file over its limit.
var ErrTooLarge = errors.New("file too large")

type notRegularError struct{ kind string }

func (e *notRegularError) Error() string        { return "is " + e.kind + ", not a regular file" }
func (e *notRegularError) Is(target error) bool { return target == ErrNotRegular }

type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("is larger than %s, the limit", sizeString(e.limit))
}
func (e *tooLargeError) Is(target error) bool { return target == ErrTooLarge }

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Kind names what a file of mode m is, for messages ("a named pipe").
func Kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file but " + m.Type().String()
}

// notRegular returns the error for opening a file that is not regular.
func notRegular(op, name string, m fs.FileMode) error {
	return &fs.PathError{Op: op, Path: name, Err: &notRegularError{kind: Kind(m)}}
}

// Open opens name for reading if it is a regular file, and returns it with its
// information (from the open file, so it describes what was opened). With follow
// false a symbolic link as the last element is refused, not followed. Opening never
// blocks: a FIFO is opened non-blocking and refused.
func Open(name string, follow bool) (*os.File, fs.FileInfo, error) {
	f, err := openRead(name, follow)
	if err != nil {
		// Say what the file is when that is why it could not be opened (a socket, or a
		// link with follow false, fail in open itself).
		stat := os.Stat
		if !follow {
			stat = os.Lstat
		}
		if st, serr := stat(name); serr == nil && !st.Mode().IsRegular() {
			return nil, nil, notRegular("open", name, st.Mode())
		}
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular("open", name, info.Mode())
	}
	return f, info, nil
}

// ReadFile reads the regular file name (following links), at most limit bytes: the
// limit is enforced while reading, so a file that grows, or claims a small size, can
// never make it read more.
func ReadFile(name string, limit int64) ([]byte, error) {
	b, _, err := read(name, true, limit)
	return b, err
}

// ReadFileNoFollow is ReadFile for files floe keeps itself (its stamp, its stat
// cache): a symbolic link in their place is refused. It also returns the file's
// information, taken from the open file.
func ReadFileNoFollow(name string, limit int64) ([]byte, fs.FileInfo, error) {
	return read(name, false, limit)
}

func read(name string, follow bool, limit int64) ([]byte, fs.FileInfo, error) {
	f, info, err := Open(name, follow)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, nil, &fs.PathError{Op: "read", Path: name, Err: &tooLargeError{limit: limit}}
	}
	b, err := readAtMost(f, info.Size(), limit)
	if err != nil {
		return nil, nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return b, info, nil
}

// readAtMost reads r to its end into a buffer sized for hint bytes (as os.ReadFile
// does), failing as soon as it holds more than limit bytes: never more than about twice
// the limit is allocated, whatever r holds.
func readAtMost(r io.Reader, hint, limit int64) ([]byte, error) {
	over := int(limit) + 1 // one byte over the limit proves the file is over it
	data := make([]byte, 0, int(min(hint, limit))+1)
	for {
		if len(data) == cap(data) {
			// Double (at most to one byte over the limit): what was read so far is the
			// only hint of what is left.
			grown := make([]byte, len(data), min(max(2*cap(data), 4096), over))
			copy(grown, data)
			data = grown
		}
		n, err := r.Read(data[len(data):min(cap(data), over)])
		data = data[:len(data)+n]
		if len(data) > int(limit) {
			return nil, &tooLargeError{limit: limit}
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
