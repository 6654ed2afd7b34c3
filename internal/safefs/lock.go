package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// ErrLinked is matched (errors.Is) when a file floe writes in place (its lock file)
// is a symbolic link or has other hard links: writing to it would change another file.
var ErrLinked = errors.New("linked")

// ErrNotLockFile is matched (errors.Is) when the file at a lock's name holds something
// other than what Lock writes there: a file of someone else's, which Lock does not
// overwrite.
var ErrNotLockFile = errors.New("not a lock file")

type notLockFileError struct{}

func (notLockFileError) Error() string        { return "holds other data, not floe's lock note" }
func (notLockFileError) Is(target error) bool { return target == ErrNotLockFile }

// lockNote is what Lock writes into its file, and all the file may hold when Lock
// takes it (besides nothing: a new file).
var lockNote = regexp.MustCompile(`^pid [^\n]*\n?$`)

// isLockNote reports whether the file holds nothing or only a lock note.
func isLockNote(f *os.File) bool {
	b := make([]byte, 512)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return false
	}
	return n == 0 || n < len(b) && lockNote.Match(b[:n])
}

type linkedError struct{ what string }

func (e *linkedError) Error() string        { return e.what + "; floe does not write through links" }
func (e *linkedError) Is(target error) bool { return target == ErrLinked }

// Lock takes an exclusive lock on the file name, creating it (never through a link,
// never into a file with other hard links). The lock belongs to the open file, so it
// dies with the process: a run that was killed never leaves a lock that blocks.
//
// When another process holds the lock, Lock waits for it; after patience it calls
// waiting once with what the holder wrote about itself ("pid 123 on host"). The holder
// writes that line into the file as soon as it has the lock.
func Lock(name string, patience time.Duration, waiting func(holder string)) (unlock func(), err error) {
	f, err := openNoFollow(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		if st, serr := os.Lstat(name); serr == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, &fs.PathError{Op: "lock", Path: name, Err: &linkedError{what: "is a symbolic link"}}
		}
		return nil, &fs.PathError{Op: "lock", Path: name, Err: unwrapPath(err)}
	}
	fail := func(err error) (func(), error) {
		f.Close()
		return nil, &fs.PathError{Op: "lock", Path: name, Err: err}
	}
	info, err := f.Stat()
	if err != nil {
		return fail(unwrapPath(err))
	}
	if !info.Mode().IsRegular() {
		return fail(&notRegularError{kind: Kind(info.Mode())})
	}
	if n, ok := linkCount(f); ok && n > 1 {
		return fail(&linkedError{what: "has other hard links"})
	}
	start := time.Now()
	told := false
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			return fail(err)
		}
		if ok {
			// Lock writes into the file: only into one that is new or its own (checked
			// under the lock: its holder writes the note while it holds it).
			if !isLockNote(f) {
				_ = releaseLock(f)
				return fail(notLockFileError{})
			}
			break
		}
		if !told && waiting != nil && time.Since(start) >= patience {
			told = true
			waiting(holder(f))
		}
		time.Sleep(delay)
	}
	host, _ := os.Hostname()
	line := fmt.Sprintf("pid %d on %s\n", os.Getpid(), host)
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(line), 0) // only a note for a waiting run
	}
	return func() {
		_ = releaseLock(f)
		f.Close()
	}, nil
}

// holder reads what the lock's holder wrote about itself, made safe to print (the file
// is not trusted: anyone could have written it).
func holder(f *os.File) string {
	b := make([]byte, 200)
	n, _ := f.ReadAt(b, 0)
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(string(b[:n])))
	if s == "" {
		return "another process"
	}
	return s
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
