package summary

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// nflogDNS is a kernel capture, `tcpdump -i nflog:5`, of a DNS query over IPv4 and one over IPv6 that an nft
// `log group 5` rule copied (recorded by TestKernelNFLOG).
const nflogDNS = "testdata/nflog-dns.pcap"

func TestKernelNFLOG(t *testing.T) {
	netnslab.RequireRoot(t, "tcpdump", "socat", "nft")
	a, b := vethPair(t)
	netnslab.InWithStdin(t, b, "table inet pw {\n chain in {\n type filter hook input priority 0;\n udp dport 53 log group 5\n }\n}\n", "nft", "-f", "-")
	path := kernelCapture(t, b, []string{"-i", "nflog:5", "-c", "2"}, func() {
		for _, dst := range []string{"UDP4-SENDTO:10.9.0.2:53", "UDP6-SENDTO:[fd09::2]:53"} {
			netnslab.InWithStdin(t, a, dnsQuery, "socat", "-u", "STDIN", dst)
		}
	})
	checkNFLOG(t, path)
	keepCapture(t, path, filepath.Base(nflogDNS))
}

// dnsQuery asks for the A record of a.example.
const dnsQuery = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07example\x00\x00\x01\x00\x01"

func TestNFLOG(t *testing.T) { checkNFLOG(t, nflogDNS) }

// checkNFLOG: NFLOG records decode to the packets they carry.
func checkNFLOG(t *testing.T, path string) {
	t.Helper()
	s := summarizeFile(t, path, Options{})
	if len(s.Capture.NotDecoded) != 0 || s.Capture.Malformed != 0 {
		t.Errorf("capture %+v", s.Capture)
	}
	got := flowCounts(s)
	if len(s.Flows) != 2 || len(s.DNS) != 1 || s.DNS[0].Name != "a.example" || s.DNS[0].Queries != 2 {
		t.Errorf("flows %q, dns %+v; want the two DNS queries for a.example", got, s.DNS)
	}
	for _, f := range s.Flows {
		if f.Server.Port != 53 || (f.Server.IP != "10.9.0.2" && f.Server.IP != "fd09::2") {
			t.Errorf("flow to %+v, want 10.9.0.2 or fd09::2 port 53", f.Server)
		}
	}
}

// TestLinkTypeNotDecoded: a capture of a link type the summarizer does not read says so, in the notes and in
// the capture's counts, instead of "nothing to report".
func TestLinkTypeNotDecoded(t *testing.T) {
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65535, layers.LinkTypePPP); err != nil {
		t.Fatal(err)
	}
	frame := []byte{0xff, 0x03, 0x00, 0x21, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	for range 3 {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
	s := New(Options{})
	if err := s.ReadStream(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	r := s.Report()
	if want := []api.LinkTypeCount{{LinkType: "PPP", Frames: 3}}; len(r.Capture.NotDecoded) != 1 || r.Capture.NotDecoded[0] != want[0] {
		t.Errorf("notDecoded %+v, want %+v", r.Capture.NotDecoded, want)
	}
	var text bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "3 frames of link type PPP not decoded") || strings.Contains(text.String(), "nothing to report") {
		t.Errorf("text report:\n%s", text.String())
	}
}
