package pcapread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
)

// got is a packet copied out of the reader's buffer.
type got struct {
	LinkType  layers.LinkType
	Interface int
	Time      time.Time
	CapLen    int
	Len       int
	Data      string
}

func readAll(t *testing.T, r io.Reader) ([]got, *Reader, error) {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	var out []got
	var p Packet
	for {
		err := rd.Next(&p)
		if err != nil {
			if again := rd.Next(&p); again != err {
				t.Errorf("error is not sticky: first %v, then %v", err, again)
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return out, rd, err
		}
		if p.CaptureLength != len(p.Data) {
			t.Fatalf("packet %d: CaptureLength %d, len(Data) %d", len(out), p.CaptureLength, len(p.Data))
		}
		out = append(out, got{p.LinkType, p.Interface, p.Timestamp, p.CaptureLength, p.Length, string(p.Data)})
	}
}

func TestPcapByteOrdersAndPrecision(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order byteOrder
		nanos bool
	}{
		{"little-endian microseconds", binary.LittleEndian, false},
		{"big-endian microseconds", binary.BigEndian, false},
		{"little-endian nanoseconds", binary.LittleEndian, true},
		{"big-endian nanoseconds", binary.BigEndian, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPcapFile(tc.order, tc.nanos, uint32(layers.LinkTypeLinuxSLL2))
			f.add(1700000000, 123456, 60, []byte("first"))
			f.add(1700000001, 999999, 1514, []byte("second packet"))
			f.add(1700000002, 0, 0, nil)
			pkts, rd, err := readAll(t, bytes.NewReader(f.buf))
			if err != nil {
				t.Fatal(err)
			}
			unit := time.Microsecond
			if tc.nanos {
				unit = time.Nanosecond
			}
			want := []got{
				{layers.LinkTypeLinuxSLL2, 0, time.Unix(1700000000, 0).Add(123456 * unit), 5, 60, "first"},
				{layers.LinkTypeLinuxSLL2, 0, time.Unix(1700000001, 0).Add(999999 * unit), 13, 1514, "second packet"},
				{layers.LinkTypeLinuxSLL2, 0, time.Unix(1700000002, 0), 0, 0, ""},
			}
			if d := cmp.Diff(want, pkts); d != "" {
				t.Errorf("packets (-want +got):\n%s", d)
			}
			if rd.Format() != FormatPcap || len(rd.Interfaces()) != 1 || rd.Stats().Packets != 3 {
				t.Errorf("format %v, interfaces %+v, stats %+v", rd.Format(), rd.Interfaces(), rd.Stats())
			}
		})
	}
}

// mixedNG is a pcapng with two sections in different byte orders, three interfaces of three link types with
// names, descriptions and timestamp resolutions, the three kinds of packet block, a block type the reader must
// skip and a packet block naming an interface that does not exist.
func mixedNG() *ngFile {
	f := &ngFile{}
	f.section(binary.LittleEndian)
	f.iface(uint16(layers.LinkTypeEthernet), 0,
		ngOption{optIfName, []byte("kb-node1/eth0")}, ngOption{optIfDesc, []byte("uplink")}, ngOption{optIfTSResol, []byte{9}})
	f.iface(uint16(layers.LinkTypeLinuxSLL2), 0,
		ngOption{optIfName, []byte("kb-node1/cali35e3a5cb80b (default/curl)")}, ngOption{optIfTSResol, []byte{0x80 | 10}})
	f.enhanced(0, 1700000000_123456789, 100, []byte("eth frame"))
	f.enhanced(1, 5*1024+512, 80, []byte("sll2 frame"))
	f.block(0x0BAD, []byte("unknown block"))
	f.simple(4, []byte("simple packet, cut to its original length"))
	f.obsolete(1, 7*1024, 20, []byte("obsolete"))
	f.enhanced(7, 0, 1, []byte("x"))
	f.section(binary.BigEndian)
	tsOffset := make([]byte, 8)
	binary.BigEndian.PutUint64(tsOffset, 100)
	f.iface(uint16(layers.LinkTypeNull), 64, ngOption{optIfTSOffset, tsOffset})
	f.enhanced(0, 2_500000, 300, []byte("null frame"))
	return f
}

func TestPcapNGSectionsInterfacesAndBlocks(t *testing.T) {
	pkts, rd, err := readAll(t, bytes.NewReader(mixedNG().buf))
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{layers.LinkTypeEthernet, 0, time.Unix(1700000000, 123456789), 9, 100, "eth frame"},
		{layers.LinkTypeLinuxSLL2, 1, time.Unix(5, 500_000_000), 10, 80, "sll2 frame"},
		{layers.LinkTypeEthernet, 0, time.Time{}, 4, 4, "simp"},
		{layers.LinkTypeLinuxSLL2, 1, time.Unix(7, 0), 8, 20, "obsolete"},
		{layers.LinkTypeNull, 2, time.Unix(102, 500_000_000), 10, 300, "null frame"},
	}
	if d := cmp.Diff(want, pkts); d != "" {
		t.Errorf("packets (-want +got):\n%s", d)
	}
	wantIfaces := []Interface{
		{LinkType: layers.LinkTypeEthernet, Name: "kb-node1/eth0", Description: "uplink", Section: 0},
		{LinkType: layers.LinkTypeLinuxSLL2, Name: "kb-node1/cali35e3a5cb80b (default/curl)", Section: 0, ID: 1},
		{LinkType: layers.LinkTypeNull, SnapLen: 64, Section: 1},
	}
	if d := cmp.Diff(wantIfaces, rd.Interfaces()); d != "" {
		t.Errorf("interfaces (-want +got):\n%s", d)
	}
	if s := rd.Stats(); s != (Stats{Packets: 5, SkippedRecords: 1, Sections: 2}) {
		t.Errorf("stats %+v", s)
	}
}

// TestCutAnywhere cuts a capture at every byte: the reader must return the packets before the cut, then io.EOF
// when the cut falls between records and ErrTruncated when it falls inside one.
func TestCutAnywhere(t *testing.T) {
	pcap := newPcapFile(binary.BigEndian, true, 1)
	var pcapEnds []int
	for i := range 4 {
		pcap.add(uint32(i), 0, 64, bytes.Repeat([]byte{byte(i)}, 10*i))
		pcapEnds = append(pcapEnds, len(pcap.buf))
	}
	for _, tc := range []struct {
		name       string
		buf        []byte
		headerLen  int
		packetEnds []int // file length after each packet record
		otherEnds  []int // file length after each non-packet record
	}{
		{"pcap", pcap.buf, pcapHeaderLen, pcapEnds, nil},
		ngCutCase(),
	} {
		t.Run(tc.name, func(t *testing.T) {
			for cut := 0; cut <= len(tc.buf); cut++ {
				pkts, _, err := readAll(t, bytes.NewReader(tc.buf[:cut]))
				if cut < tc.headerLen {
					if err == nil {
						t.Fatalf("cut at %d, inside the file header: no error", cut)
					}
					continue
				}
				wantPkts := 0
				boundary := cut == tc.headerLen
				for _, e := range tc.packetEnds {
					if e <= cut {
						wantPkts++
					}
					boundary = boundary || e == cut
				}
				for _, e := range tc.otherEnds {
					boundary = boundary || e == cut
				}
				if len(pkts) != wantPkts {
					t.Errorf("cut at %d: %d packets, want %d", cut, len(pkts), wantPkts)
				}
				if boundary && err != nil {
					t.Errorf("cut at %d, a record boundary: %v", cut, err)
				}
				if !boundary && !errors.Is(err, ErrTruncated) {
					t.Errorf("cut at %d, inside a record: error %v, want ErrTruncated", cut, err)
				}
			}
		})
	}
}

func ngCutCase() (c struct {
	name       string
	buf        []byte
	headerLen  int
	packetEnds []int
	otherEnds  []int
}) {
	f := &ngFile{}
	f.section(binary.LittleEndian)
	c.headerLen = len(f.buf)
	f.iface(1, 0, ngOption{optIfName, []byte("eth0")})
	c.otherEnds = append(c.otherEnds, len(f.buf))
	f.enhanced(0, 1, 60, []byte("one"))
	c.packetEnds = append(c.packetEnds, len(f.buf))
	f.section(binary.BigEndian)
	c.otherEnds = append(c.otherEnds, len(f.buf))
	f.iface(276, 0)
	c.otherEnds = append(c.otherEnds, len(f.buf))
	f.enhanced(0, 2, 60, []byte("two"))
	c.packetEnds = append(c.packetEnds, len(f.buf))
	c.name, c.buf = "pcapng", f.buf
	return c
}

func TestPipeOneByteAtATime(t *testing.T) {
	buf := mixedNG().buf
	whole, _, err := readAll(t, bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, iotest.OneByteReader(bytes.NewReader(buf)))
		pw.CloseWithError(err)
	}()
	piped, _, err := readAll(t, pr)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(whole, piped); d != "" {
		t.Errorf("a pipe delivering one byte at a time reads differently (-whole +piped):\n%s", d)
	}
}

func TestPacketLargerThanTheBuffer(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (bufferSize+4096)/16)
	p := newPcapFile(binary.LittleEndian, false, 1)
	p.add(1, 0, len(big), []byte("small"))
	p.add(2, 0, len(big), big)
	p.add(3, 0, len(big), []byte("small again"))
	ng := &ngFile{}
	ng.section(binary.LittleEndian)
	ng.iface(1, 0)
	ng.enhanced(0, 1, len(big), big)
	ng.enhanced(0, 2, 5, []byte("after"))
	for name, buf := range map[string][]byte{"pcap": p.buf, "pcapng": ng.buf} {
		pkts, _, err := readAll(t, bytes.NewReader(buf))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		found := false
		for _, pk := range pkts {
			if pk.Data == string(big) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the %d-byte packet did not come back intact (%d packets)", name, len(big), len(pkts))
		}
	}
}

func TestCorruptRecords(t *testing.T) {
	tooBig := newPcapFile(binary.LittleEndian, false, 1)
	tooBig.add(1, 0, 60, []byte("ok"))
	tooBig.buf = binary.LittleEndian.AppendUint32(tooBig.buf, 2)
	tooBig.buf = binary.LittleEndian.AppendUint32(tooBig.buf, 0)
	tooBig.buf = binary.LittleEndian.AppendUint32(tooBig.buf, MaxPacketSize+1)
	tooBig.buf = binary.LittleEndian.AppendUint32(tooBig.buf, 60)

	badLen := &ngFile{}
	badLen.section(binary.LittleEndian)
	badLen.iface(1, 0)
	badLen.enhanced(0, 1, 3, []byte("ok"))
	badLen.buf = binary.LittleEndian.AppendUint32(badLen.buf, blockEnhancedPacket)
	badLen.buf = binary.LittleEndian.AppendUint32(badLen.buf, 13)
	badLen.buf = append(badLen.buf, make([]byte, 16)...)

	badTrailer := &ngFile{}
	badTrailer.section(binary.LittleEndian)
	badTrailer.iface(1, 0)
	badTrailer.enhanced(0, 1, 3, []byte("ok"))
	badTrailer.enhanced(0, 1, 3, []byte("ko"))
	badTrailer.buf[len(badTrailer.buf)-1] = 0x7f

	for name, buf := range map[string][]byte{"pcap record too big": tooBig.buf, "pcapng length 13": badLen.buf, "pcapng trailer": badTrailer.buf} {
		pkts, _, err := readAll(t, bytes.NewReader(buf))
		if !errors.Is(err, ErrCorrupt) || len(pkts) != 1 {
			t.Errorf("%s: %d packets, error %v; want 1 packet then ErrCorrupt", name, len(pkts), err)
		}
	}
}

func TestRefusedHeaders(t *testing.T) {
	reserved := newPcapFile(binary.LittleEndian, false, 0x00300000)
	v3 := newPcapFile(binary.LittleEndian, false, 1)
	v3.buf[4] = 3
	for name, tc := range map[string]struct {
		buf  []byte
		want error
	}{
		"empty":                        {nil, ErrUnknownFormat},
		"text":                         {[]byte("GET / HTTP/1.1\r\n"), ErrUnknownFormat},
		"link type with reserved bits": {reserved.buf, ErrCorrupt},
		"pcap version 3":               {v3.buf, ErrCorrupt},
		"pcap header cut short":        {reserved.buf[:10], ErrTruncated},
		"pcapng header cut short":      {mixedNG().buf[:10], ErrTruncated},
	} {
		_, err := NewReader(bytes.NewReader(tc.buf))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", name, err, tc.want)
		}
	}
}

func TestNextDoesNotAllocate(t *testing.T) {
	f := newPcapFile(binary.LittleEndian, true, 276)
	for range 1000 {
		f.add(1, 2, 100, make([]byte, 100))
	}
	ng := &ngFile{}
	ng.section(binary.LittleEndian)
	ng.iface(276, 0, ngOption{optIfTSResol, []byte{9}})
	for range 1000 {
		ng.enhanced(0, 12345, 100, make([]byte, 100))
	}
	for name, buf := range map[string][]byte{"pcap": f.buf, "pcapng": ng.buf} {
		rd, err := NewReader(bytes.NewReader(buf))
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		if allocs := testing.AllocsPerRun(500, func() {
			if err := rd.Next(&p); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%s: %.1f allocations per packet", name, allocs)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	for _, format := range []string{"pcap", "pcapng"} {
		b.Run(format, func(b *testing.B) {
			var buf []byte
			if format == "pcap" {
				f := newPcapFile(binary.LittleEndian, false, 276)
				for range 10000 {
					f.add(1, 2, 600, make([]byte, 600))
				}
				buf = f.buf
			} else {
				f := &ngFile{}
				f.section(binary.LittleEndian)
				f.iface(276, 0)
				for range 10000 {
					f.enhanced(0, 1, 600, make([]byte, 600))
				}
				buf = f.buf
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.SetBytes(int64(len(buf)) / 10000)
			var p Packet
			var rd *Reader
			for i := 0; i < b.N; i++ {
				if i%10000 == 0 {
					rd, _ = NewReader(bytes.NewReader(buf))
				}
				if err := rd.Next(&p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
