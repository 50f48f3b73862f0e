package capture

import (
	"errors"
	"io"
	"os/signal"
	"syscall"
)

// readerGoneErrnos are the errors a write gets when the reading end of a pipe or socket has gone away.
// ERROR_NO_DATA (232) is Windows' "the pipe is being closed".
var readerGoneErrnos = []error{syscall.EPIPE, syscall.ECONNRESET, syscall.Errno(232), syscall.Errno(109)}

// IsReaderGone reports whether err means the capture's reader went away (Wireshark closed, `| head -c 100`
// done): a normal end of the capture, not a failure.
func IsReaderGone(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.ErrClosedPipe) {
		return true
	}
	for _, e := range readerGoneErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// IgnoreSIGPIPE makes a write to a closed pipe on stdout fail with EPIPE instead of killing the process. Go
// kills a program that writes to a broken stdout unless SIGPIPE is handled; a capture command calls this
// once so that `| head` or a closed Wireshark ends the capture cleanly (see IsReaderGone). It changes
// process-wide signal handling, so only commands call it, never library code.
func IgnoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }
