package summarize

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestSkippedRecordsInText: a packet block naming an interface the file never described cannot be read as a
// packet; the text report says so, as -o json does.
func TestSkippedRecordsInText(t *testing.T) {
	path := writeHostileCapture(t)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// An enhanced packet block (type 6, 36 bytes) of interface 7 holding 4 bytes, little-endian as the
	// writer above.
	block := []byte{6, 0, 0, 0, 36, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 36, 0, 0, 0}
	if _, err := f.Write(block); err != nil {
		t.Fatal(err)
	}
	f.Close()
	js, _, err := run(t, nil, path, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js, `"skippedRecords": 1`) {
		t.Fatalf("the crafted block is not skipped:\n%s", js)
	}
	out, _, err := run(t, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1 record skipped") {
		t.Errorf("text report does not say a record was skipped:\n%s", out)
	}
}

// TestJSONAsDocumented: docs/summary-json.md leaves empty lists out and documents a flow's dns as one
// object; a capture without notes and with a DNS flow shows both.
func TestJSONAsDocumented(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	var frames [][]byte
	for i, dir := range [][2]net.IP{{{10, 244, 1, 5}, {10, 96, 0, 10}}, {{10, 96, 0, 10}, {10, 244, 1, 5}}} {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: dir[0], DstIP: dir[1]}
		udp := &layers.UDP{SrcPort: 50000, DstPort: 53}
		if i == 1 {
			udp.SrcPort, udp.DstPort = 53, 50000
		}
		_ = udp.SetNetworkLayerForChecksum(ip)
		dns := &layers.DNS{ID: 1, QR: i == 1, Questions: []layers.DNSQuestion{{Name: []byte("kubernetes.default"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
		frames = append(frames, frameOf(t, mac, ip, udp, dns))
	}
	path := writeEthernetPcap(t, frames...)
	js, _, err := run(t, nil, path, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js, "null") {
		t.Errorf("JSON holds a null, where the document says empty lists are left out:\n%s", js)
	}
	var doc struct {
		Flows []struct {
			DNS json.RawMessage `json:"dns"`
		} `json:"flows"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Flows) != 1 || !strings.HasPrefix(string(doc.Flows[0].DNS), "{") {
		t.Errorf("flows' dns %s, want one flow with a dns object:\n%s", doc.Flows, js)
	}
}

// writeEthernetPcap writes frames into a pcap file of link type Ethernet, a microsecond apart.
func writeEthernetPcap(t *testing.T, frames ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frames.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, data := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)*1000), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}
