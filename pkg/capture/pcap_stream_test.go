package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/pcapgo"
)

var pcapFixtures = []string{"any-sll2-nano.pcap", "any-sll2-micro.pcap", "cali-ether-micro.pcap"}

type seenPacket struct {
	Time            time.Time
	CapLen, OrigLen int
	Data            []byte
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// gopacketPackets is what gopacket's own pcap reader makes of a capture.
func gopacketPackets(t *testing.T, capture []byte) (uint32, []seenPacket) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	var out []seenPacket
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return uint32(r.LinkType()), out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seenPacket{ci.Timestamp.UTC(), ci.CaptureLength, ci.Length, data})
	}
}

// streamPackets feeds capture to a PcapStream in chunks of chunk bytes.
func streamPackets(t *testing.T, capture []byte, chunk int) (PcapHeader, []seenPacket) {
	t.Helper()
	var header PcapHeader
	var out []seenPacket
	s := &PcapStream{
		OnHeader: func(h PcapHeader) error { header = h; return nil },
		OnPacket: func(p Packet) error {
			out = append(out, seenPacket{p.Time(header.Nanosecond), int(p.CapLen), int(p.OrigLen),
				append([]byte(nil), p.Data...)})
			return nil
		},
	}
	for rest := capture; len(rest) > 0; {
		n := min(chunk, len(rest))
		if w, err := s.Write(rest[:n]); err != nil || w != n {
			t.Fatalf("Write = %d, %v", w, err)
		}
		rest = rest[n:]
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Packets() != int64(len(out)) {
		t.Errorf("Packets() = %d, saw %d", s.Packets(), len(out))
	}
	return header, out
}

func TestPcapStreamMatchesGopacket(t *testing.T) {
	for _, name := range pcapFixtures {
		capture := readFixture(t, name)
		linkType, want := gopacketPackets(t, capture)
		if len(want) == 0 {
			t.Fatalf("%s has no packets", name)
		}
		for _, chunk := range []int{1, 3, 16, 17, 100, 4096, len(capture)} {
			header, got := streamPackets(t, capture, chunk)
			if header.LinkType != linkType {
				t.Errorf("%s: link type %d, gopacket says %d", name, header.LinkType, linkType)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s in chunks of %d (-gopacket +PcapStream):\n%s", name, chunk, diff)
			}
		}
	}
}

func TestPcapStreamNanosecondTimestamps(t *testing.T) {
	header, packets := streamPackets(t, readFixture(t, "any-sll2-nano.pcap"), 64)
	if !header.Nanosecond {
		t.Fatal("the nanosecond capture is read as microseconds")
	}
	subMicro := 0
	for _, p := range packets {
		if p.Time.Nanosecond()%1000 != 0 {
			subMicro++
		}
	}
	if subMicro == 0 {
		t.Error("no timestamp has sub-microsecond digits: nanoseconds were lost")
	}
}

// bigEndian rewrites a little-endian pcap as a big-endian host would have written it.
func bigEndian(t *testing.T, le []byte) []byte {
	t.Helper()
	be := append([]byte(nil), le...)
	swap32 := func(b []byte) { binary.BigEndian.PutUint32(b, binary.LittleEndian.Uint32(b)) }
	swap16 := func(b []byte) { binary.BigEndian.PutUint16(b, binary.LittleEndian.Uint16(b)) }
	swap32(be[0:])
	swap16(be[4:])
	swap16(be[6:])
	for off := 8; off < 24; off += 4 {
		swap32(be[off:])
	}
	for off := 24; off < len(be); {
		capLen := int(binary.LittleEndian.Uint32(le[off+8:]))
		for f := 0; f < 16; f += 4 {
			swap32(be[off+f:])
		}
		off += 16 + capLen
	}
	return be
}

func TestPcapStreamBigEndian(t *testing.T) {
	for _, name := range pcapFixtures {
		le := readFixture(t, name)
		wantHeader, want := streamPackets(t, le, 4096)
		gotHeader, got := streamPackets(t, bigEndian(t, le), 5)
		if !gotHeader.BigEndian {
			t.Errorf("%s: big-endian header not recognised", name)
		}
		gotHeader.BigEndian = false
		if diff := cmp.Diff(wantHeader, gotHeader); diff != "" {
			t.Errorf("%s header (-little +big):\n%s", name, diff)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s packets (-little +big):\n%s", name, diff)
		}
	}
}

func TestPcapStreamCountOnly(t *testing.T) {
	for _, name := range pcapFixtures {
		capture := readFixture(t, name)
		_, want := gopacketPackets(t, capture)
		s := &PcapStream{CountOnly: true, OnPacket: func(p Packet) error {
			if p.Data != nil {
				t.Fatal("CountOnly handed over packet data")
			}
			return nil
		}}
		for i := 0; i < len(capture); i += 7 {
			if _, err := s.Write(capture[i:min(i+7, len(capture))]); err != nil {
				t.Fatal(err)
			}
		}
		if s.Packets() != int64(len(want)) {
			t.Errorf("%s: counted %d packets, want %d", name, s.Packets(), len(want))
		}
	}
}

func TestPcapStreamErrors(t *testing.T) {
	capture := readFixture(t, "cali-ether-micro.pcap")
	t.Run("text instead of pcap", func(t *testing.T) {
		s := &PcapStream{}
		_, err := s.Write([]byte("tcpdump: eth0: You don't have permission to capture on that device\n"))
		if !errors.Is(err, ErrNotPcap) {
			t.Errorf("err = %v, want ErrNotPcap", err)
		}
		if _, again := s.Write(capture); again == nil {
			t.Error("a failed stream accepts more bytes")
		}
	})
	t.Run("ends inside a record", func(t *testing.T) {
		s := &PcapStream{}
		if _, err := s.Write(capture[:len(capture)-5]); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err == nil {
			t.Error("Close of a cut stream is not an error")
		}
	})
	t.Run("record longer than any snapshot length", func(t *testing.T) {
		bad := append([]byte(nil), capture[:24+16]...)
		binary.LittleEndian.PutUint32(bad[24+8:], 1<<30)
		s := &PcapStream{}
		if _, err := s.Write(bad); !errors.Is(err, ErrNotPcap) {
			t.Errorf("err = %v, want ErrNotPcap", err)
		}
	})
	t.Run("callback error stops the stream", func(t *testing.T) {
		stop := errors.New("reader gone")
		s := &PcapStream{OnPacket: func(Packet) error { return stop }}
		if _, err := s.Write(capture); !errors.Is(err, stop) {
			t.Errorf("err = %v, want the callback's", err)
		}
		if s.Packets() != 1 {
			t.Errorf("went on after the callback failed: %d packets", s.Packets())
		}
	})
}
