package capture

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
)

// ErrNoWireshark is returned by FindWireshark when wireshark is not on PATH.
var ErrNoWireshark = errors.New("wireshark was not found on PATH: install Wireshark, " +
	"or drop --wireshark and pipe the capture to a reader (| tshark -i -) or write a file with -w FILE")

// FindWireshark finds the wireshark executable with lookPath (exec.LookPath outside tests).
func FindWireshark(lookPath func(string) (string, error)) (string, error) {
	path, err := lookPath("wireshark")
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoWireshark, err)
	}
	return path, nil
}

// WiresharkCommand is Wireshark reading a live capture from stdin (-i -) and starting at once (-k). It runs in
// its own process group, so the Ctrl-C that stops the capture leaves the window open on what was captured.
func WiresharkCommand(path string, stdin io.Reader, stderr io.Writer) *exec.Cmd {
	cmd := exec.Command(path, "-k", "-i", "-")
	cmd.Stdin = stdin
	cmd.Stderr = stderr
	cmd.SysProcAttr = ownProcessGroup()
	return cmd
}

// Wireshark is a running Wireshark fed by a capture.
type Wireshark struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// StartWireshark starts Wireshark at path; write the capture to Stdin. Its own messages go to stderr.
func StartWireshark(path string, stderr io.Writer) (*Wireshark, error) {
	cmd := WiresharkCommand(path, nil, stderr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("starting wireshark: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting wireshark: %w", err)
	}
	return &Wireshark{cmd: cmd, stdin: stdin}, nil
}

// Stdin is where the capture goes. When the user closes Wireshark, writes to it fail with an error
// IsReaderGone recognises.
func (w *Wireshark) Stdin() io.Writer { return w.stdin }

// CloseStdin ends the capture stream; Wireshark stays open on what it got.
func (w *Wireshark) CloseStdin() error {
	if err := w.stdin.Close(); err != nil && !IsReaderGone(err) {
		return err
	}
	return nil
}

// Wait waits until the user closes Wireshark.
func (w *Wireshark) Wait() error {
	if err := w.cmd.Wait(); err != nil {
		return fmt.Errorf("wireshark: %w", err)
	}
	return nil
}
