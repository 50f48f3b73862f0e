package pcapread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/sharedpcaps"
)

// FuzzReader feeds arbitrary bytes to the reader: it must never panic, never loop without consuming input,
// and every packet it returns must be consistent with its interfaces.
func FuzzReader(f *testing.F) {
	f.Add(mixedNG().buf)
	p := newPcapFile(binary.BigEndian, true, 276)
	p.add(1, 2, 100, []byte("packet"))
	f.Add(p.buf)
	for _, path := range sharedpcaps.Files() {
		if buf, err := os.ReadFile(path); err == nil && len(buf) < 8192 {
			f.Add(buf)
		}
	}
	// A small buffer makes each run cheap and sends records through the copying path too.
	defer func(n int) { bufferSize = n }(bufferSize)
	bufferSize = 256
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		var pkt Packet
		// Every record consumes at least 12 bytes, so a correct reader ends well within this many calls.
		for range len(data)/12 + 2 {
			err := rd.Next(&pkt)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			if pkt.CaptureLength != len(pkt.Data) || pkt.Interface < 0 || pkt.Interface >= len(rd.Interfaces()) {
				t.Fatalf("inconsistent packet: caplen %d, %d bytes, interface %d of %d",
					pkt.CaptureLength, len(pkt.Data), pkt.Interface, len(rd.Interfaces()))
			}
			if pkt.LinkType != rd.Interfaces()[pkt.Interface].LinkType {
				t.Fatalf("packet link type %d, its interface's %d", pkt.LinkType, rd.Interfaces()[pkt.Interface].LinkType)
			}
		}
		t.Fatalf("reader did not finish %d bytes within %d records", len(data), len(data)/12+2)
	})
}
