package summary

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/internal/sharedpcaps"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// FuzzDecode feeds arbitrary frames of every supported link type to the decoder and the summarizer: no input
// may panic, and whatever decodes must be consistent. Seeds are the frames of the shared corpus and of the
// lab captures.
func FuzzDecode(f *testing.F) {
	for _, path := range seedCaptures() {
		buf, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		rd, err := pcapread.NewReader(bytes.NewReader(buf))
		if err != nil {
			continue
		}
		var p pcapread.Packet
		for n := 0; n < 20; n++ {
			if err := rd.Next(&p); err != nil {
				break
			}
			f.Add(uint16(p.LinkType), append([]byte(nil), p.Data...))
		}
	}
	f.Add(uint16(layers.LinkTypeLinuxSLL2), tcpSeg{src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 53, flags: tcpSYN}.vxlan(f, 2, "1.1.1.1", "2.2.2.2", 4789, 1))
	f.Add(uint16(layers.LinkTypeEthernet), bigTCPFrame(f, true, "vxlan over ipv6").Data)

	s := New(Options{MaxFlows: 64})
	var fr frame
	d := newDecoder([]uint16{9999})
	runs := 0
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		p := &pcapread.Packet{LinkType: layers.LinkType(lt), Timestamp: time.Unix(1700000000, 0), CaptureLength: len(data),
			Length: len(data), Data: data}
		d.decode(p, &fr)
		if fr.nTunnels > maxTunnels || fr.netDepth >= maxLevels {
			t.Fatalf("%d tunnels, depth %d", fr.nTunnels, fr.netDepth)
		}
		if fr.net == netNone && fr.netDepth != 0 {
			t.Fatalf("no network header but depth %d", fr.netDepth)
		}
		if len(fr.dnsName) > maxDNSName {
			t.Fatalf("DNS name of %d bytes", len(fr.dnsName))
		}
		s.AddPacket(p)
		// Reporting is slow next to decoding: do it every so often, over everything added so far.
		if runs++; runs%64 != 0 {
			return
		}
		r := s.Report()
		if err := WriteText(io.Discard, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(io.Discard, r); err != nil && !errors.Is(err, io.ErrShortWrite) {
			t.Fatal(err)
		}
	})
}

// FuzzReadStream feeds arbitrary streams through ReadStream's two goroutines and the report: no input may
// panic, hang or leave the reading goroutine behind.
func FuzzReadStream(f *testing.F) {
	for _, path := range seedCaptures() {
		if buf, err := os.ReadFile(path); err == nil && len(buf) < 16384 {
			f.Add(buf)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(Options{MaxFlows: 8, VXLANPorts: []uint16{9999}})
		err := s.ReadStream(context.Background(), bytes.NewReader(data))
		r := s.Report()
		if err == nil && (r.Capture.Truncated || r.Capture.ReadError != "") {
			t.Fatalf("clean end reported as %+v", r.Capture)
		}
		if r.Capture.UniquePackets+r.Capture.Copies > r.Capture.Packets {
			t.Fatalf("capture counts %+v", r.Capture)
		}
		if err := WriteJSON(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	})
}

// seedCaptures are the lab's captures and those of the shared corpus, when it is there.
func seedCaptures() []string {
	files, _ := filepath.Glob("testdata/*.pcap*")
	return append(files, sharedpcaps.Files()...)
}
