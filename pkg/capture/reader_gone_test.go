package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestIsReaderGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	_, pipeErr := w.Write([]byte("pcap"))
	_ = w.Close()

	pr, pw := io.Pipe()
	_ = pr.Close()
	_, ioPipeErr := pw.Write([]byte("pcap"))

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"write to a pipe whose reader closed", pipeErr, true},
		{"io.Pipe whose reader closed", ioPipeErr, true},
		{"wrapped", fmt.Errorf("writing the capture: %w", pipeErr), true},
		{"connection reset", &os.SyscallError{Syscall: "write", Err: syscall.ECONNRESET}, true},
		{"nil", nil, false},
		{"disk full", &os.PathError{Op: "write", Path: "x.pcap", Err: syscall.ENOSPC}, false},
		{"our own file closed", os.ErrClosed, false},
		{"EOF", io.EOF, false},
	}
	for _, tt := range tests {
		if got := IsReaderGone(tt.err); got != tt.want {
			t.Errorf("%s: IsReaderGone(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestHelperWriteToStdout is not a test: TestReaderGoneOnStdout runs the test binary with it to write a
// capture to a stdout that `head` closes.
func TestHelperWriteToStdout(t *testing.T) {
	mode := os.Getenv("PWT_STDOUT_WRITER")
	if mode == "" {
		t.Skip("helper process for TestReaderGoneOnStdout")
	}
	if mode == "ignore-sigpipe" {
		IgnoreSIGPIPE()
	}
	w, err := NewPcapngWriter(os.Stdout)
	if err == nil {
		id, _ := w.AddInterface(Interface{Name: "n/eth0", LinkType: LinkTypeEthernet, SnapLen: 262144})
		for err == nil {
			if err = w.WritePacket(id, Packet{CapLen: 64, OrigLen: 64, Data: make([]byte, 64)}); err == nil {
				err = w.Flush()
			}
		}
	}
	fmt.Fprintf(os.Stderr, "reader gone: %v (%v)\n", IsReaderGone(err), err)
	os.Exit(0)
}

func TestReaderGoneOnStdout(t *testing.T) {
	if _, err := exec.LookPath("head"); err != nil {
		t.Skip("needs head")
	}
	run := func(mode string) (string, error) {
		cmd := exec.Command("sh", "-c", `"$0" -test.run='^TestHelperWriteToStdout$' | head -c 100 >/dev/null`, os.Args[0])
		cmd.Env = append(os.Environ(), "PWT_STDOUT_WRITER="+mode)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	out, err := run("ignore-sigpipe")
	if err != nil || !strings.Contains(out, "reader gone: true") {
		t.Errorf("with IgnoreSIGPIPE, `| head -c 100`: %v, %q; want a clean end", err, out)
	}

	// Without it Go kills the process with SIGPIPE before any error is seen: why IgnoreSIGPIPE exists.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriteToStdout$")
	cmd.Env = append(os.Environ(), "PWT_STDOUT_WRITER=default")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_, _ = io.ReadFull(stdout, buf)
	_ = stdout.Close()
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE {
		t.Errorf("without IgnoreSIGPIPE the writer ended with %v, want death by SIGPIPE", err)
	}
}
