package pcapread

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/packetwalk/kubectl-packetwalk/internal/sharedpcaps"
)

// referenceFrames reads tshark's per-packet link type and iface columns for capture.
func referenceFrames(t *testing.T, capture string) (linkTypes []int, ifaces []string) {
	t.Helper()
	for _, cols := range sharedpcaps.Reference(t, capture) {
		opening, closing := strings.LastIndexByte(cols[1], '('), strings.LastIndexByte(cols[1], ')')
		lt, err := strconv.Atoi(cols[1][opening+1 : closing])
		if err != nil {
			t.Fatalf("%s: link type %q: %v", capture, cols[1], err)
		}
		linkTypes = append(linkTypes, lt)
		ifaces = append(ifaces, cols[2])
	}
	return linkTypes, ifaces
}

// TestSharedCorpus reads every third-party capture and checks each packet's link type against tshark's
// reference and its bytes and timestamp against gopacket's pcapgo.
func TestSharedCorpus(t *testing.T) {
	dir := sharedpcaps.Require(t)
	files := sharedpcaps.Files()
	if len(files) == 0 {
		t.Fatalf("no captures in %s", dir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			buf, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wantLT, wantIface := referenceFrames(t, path)
			pkts, rd, err := readAll(t, bytes.NewReader(buf))
			if name == "libpcap-linktype-reserved-field-not-zero.pcap" {
				// libpcap, tcpdump and tshark refuse this file; so do we (gopacket accepts it as link type 0).
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("error %v, want ErrCorrupt like libpcap", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != len(wantLT) {
				t.Fatalf("%d packets, tshark has %d", len(pkts), len(wantLT))
			}
			for i, p := range pkts {
				if int(p.LinkType) != wantLT[i] {
					t.Errorf("packet %d: link type %d, tshark %d", i+1, p.LinkType, wantLT[i])
				}
				// tshark's iface column is the pcapng interface id unless SLL2 replaced it with the ifindex.
				id := rd.Interfaces()[p.Interface].ID
				if rd.Format() == FormatPcapNG && p.LinkType != 276 && strconv.Itoa(id) != wantIface[i] {
					t.Errorf("packet %d: interface id %d, tshark %s", i+1, id, wantIface[i])
				}
			}
			comparePcapgo(t, buf, rd, pkts)
		})
	}
}

func comparePcapgo(t *testing.T, buf []byte, rd *Reader, pkts []got) {
	t.Helper()
	var src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var err error
	if rd.Format() == FormatPcap {
		src, err = pcapgo.NewReader(bytes.NewReader(buf))
	} else {
		src, err = pcapgo.NewNgReader(bytes.NewReader(buf), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	}
	if err != nil {
		t.Fatalf("pcapgo: %v", err)
	}
	for i := 0; ; i++ {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			if i != len(pkts) {
				t.Errorf("pcapgo read %d packets, we read %d", i, len(pkts))
			}
			return
		}
		if err != nil {
			t.Fatalf("pcapgo packet %d: %v", i+1, err)
		}
		if i >= len(pkts) {
			t.Fatalf("pcapgo has more packets than our %d", len(pkts))
		}
		p := pkts[i]
		// pcapgo numbers interfaces within each section.
		if string(data) != p.Data || ci.Length != p.Len || !ci.Timestamp.Equal(p.Time) || ci.InterfaceIndex != rd.Interfaces()[p.Interface].ID {
			t.Errorf("packet %d differs from pcapgo: ours %d bytes of %d at %v on %d, pcapgo %d of %d at %v on %d",
				i+1, p.CapLen, p.Len, p.Time, p.Interface, len(data), ci.Length, ci.Timestamp, ci.InterfaceIndex)
		}
	}
}
