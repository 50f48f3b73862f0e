package capture

import (
	"errors"
	"io"

	"golang.org/x/term"
)

// ErrTerminal is returned by RefuseTerminal.
var ErrTerminal = errors.New("refusing to write binary capture data to a terminal: " +
	"pipe it to a reader (| wireshark -k -i -), use --wireshark, or write a file with -w FILE")

// RefuseTerminal returns ErrTerminal when w is a terminal, where pcap bytes would garble the screen.
func RefuseTerminal(w io.Writer) error {
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		return ErrTerminal
	}
	return nil
}
