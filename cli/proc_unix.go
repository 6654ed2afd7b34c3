//go:build unix

package cli

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own, so that everything it starts
// (Dagster's webserver, daemon and code servers) can be signalled at once and a
// terminal's Ctrl-C reaches floe alone, which then stops the group in order.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// signalGroup sends sig to cmd's process group (started with ownGroup).
func signalGroup(cmd *exec.Cmd, sig os.Signal) error {
	if cmd.Process == nil {
		return errors.New("not started")
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return errors.New("not a signal")
	}
	return syscall.Kill(-cmd.Process.Pid, s)
}

// groupAlive reports whether any process of cmd's group is still there.
func groupAlive(cmd *exec.Cmd) bool {
	return cmd.Process != nil && syscall.Kill(-cmd.Process.Pid, 0) == nil
}

// interruptSignal is what floe dev forwards on Ctrl-C, and killSignal what ends a
// group that did not stop.
var interruptSignal, killSignal os.Signal = syscall.SIGINT, syscall.SIGKILL

// stopSignals are the signals floe dev and floe run catch to stop their children.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}
