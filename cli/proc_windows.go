//go:build windows

package cli

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a new process group (CREATE_NEW_PROCESS_GROUP).
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

// signalGroup ends cmd: Windows has no signals for process groups, so every signal
// kills the process (its children end with their parent's job or pipes).
func signalGroup(cmd *exec.Cmd, _ os.Signal) error {
	if cmd.Process == nil {
		return errors.New("not started")
	}
	return cmd.Process.Kill()
}

// groupAlive reports whether cmd is still running (no group query on Windows).
func groupAlive(cmd *exec.Cmd) bool {
	return cmd.ProcessState == nil && cmd.Process != nil
}

var interruptSignal, killSignal os.Signal = os.Interrupt, os.Kill

var stopSignals = []os.Signal{os.Interrupt}
