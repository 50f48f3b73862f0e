package capture

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestRefuseTerminal(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("needs a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := RefuseTerminal(ptmx); !errors.Is(err, ErrTerminal) {
		t.Errorf("a terminal: err = %v, want ErrTerminal", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := RefuseTerminal(w); err != nil {
		t.Errorf("a pipe: %v", err)
	}
	f, err := os.Create(t.TempDir() + "/capture.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := RefuseTerminal(f); err != nil {
		t.Errorf("a file: %v", err)
	}
	if err := RefuseTerminal(&bytes.Buffer{}); err != nil {
		t.Errorf("a buffer: %v", err)
	}
}
