package capture

import (
	"bytes"
	"io"
	"testing"
)

// FuzzPcapToPcapng feeds arbitrary bytes, in chunks of arbitrary size, through the path tcpdump's stdout
// takes in a node capture. Whatever the input, nothing panics, and the chunk size never changes the result.
func FuzzPcapToPcapng(f *testing.F) {
	for _, name := range pcapFixtures {
		f.Add(readFixture(f, name), uint8(7))
	}
	f.Add([]byte("tcpdump: syntax error\n"), uint8(1))
	target := Target{Node: "n1", Links: map[int]string{2: "cali35e3a5cb80b"}}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		run := func(size int) ([]byte, int64, error) {
			var out bytes.Buffer
			w, err := NewPcapngWriter(&out)
			if err != nil {
				t.Fatal(err)
			}
			sink := newPcapngTarget(target, "", w)
			var werr error
			for rest := data; len(rest) > 0 && werr == nil; {
				n := min(size, len(rest))
				_, werr = sink.Write(rest[:n])
				rest = rest[n:]
			}
			return out.Bytes(), sink.packets(), werr
		}
		whole, wholePackets, wholeErr := run(len(data) + 1)
		chunked, chunkedPackets, chunkedErr := run(int(chunk) + 1)
		if (wholeErr == nil) != (chunkedErr == nil) || wholePackets != chunkedPackets {
			t.Fatalf("whole: %d packets, %v; in chunks of %d: %d packets, %v", wholePackets, wholeErr, int(chunk)+1, chunkedPackets, chunkedErr)
		}
		if wholeErr == nil && !bytes.Equal(whole, chunked) {
			t.Fatal("the chunk size changed the output")
		}
		p := newPassThrough(io.Discard)
		_, _ = p.Write(data)
	})
}
