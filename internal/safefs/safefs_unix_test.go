//go:build unix

package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenNeverBlocks: a FIFO with no writer, and a device, are refused at once.
func TestOpenNeverBlocks(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "m.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
	for name, want := range map[string]string{fifo: "is a named pipe", "/dev/zero": "is a device", "/dev/null": "is a device"} {
		done := make(chan error, 1)
		go func() {
			_, err := ReadFile(name, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", name, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: reading blocked", name)
		}
	}
	// The lock file too: a FIFO there is refused, not opened for writing and waited on.
	done := make(chan error, 1)
	go func() {
		_, err := Lock(fifo, time.Second, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("a FIFO as the lock file: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a FIFO as the lock file blocked")
	}
	_ = os.Remove(fifo)
}
