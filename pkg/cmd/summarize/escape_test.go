package summarize

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
)

// retitle sets the terminal's title and clears its screen when printed raw.
const retitle = "\x1b]0;pwned\x07\x1b[2J"

// writeHostileCapture writes a pcapng whose interface name, HTTP request line and DNS name carry retitle.
func writeHostileCapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{Name: "node1/eth" + retitle, LinkType: layers.LinkTypeEthernet, SnapLength: 65535},
		pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.AddInterface(pcapgo.NgInterface{Name: "node1/cni0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	client, server := net.IP{10, 244, 1, 5}, net.IP{10, 244, 2, 7}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: client, DstIP: server}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, PSH: true, ACK: true, Seq: 1, Ack: 1, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	httpFrame := frameOf(t, mac, ip, tcp, gopacket.Payload("GET /"+retitle+" HTTP/1.1\r\nHost: x\r\n\r\n"))
	udpIP := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: client, DstIP: net.IP{10, 96, 0, 10}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: 53}
	_ = udp.SetNetworkLayerForChecksum(udpIP)
	dns := &layers.DNS{ID: 1, RD: true, Questions: []layers.DNSQuestion{{Name: []byte("a" + retitle + ".example"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	dnsFrame := frameOf(t, mac, udpIP, udp, dns)
	for i, p := range []struct {
		iface int
		data  []byte
	}{{0, httpFrame}, {second, httpFrame}, {0, dnsFrame}} {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)*1e6), CaptureLength: len(p.data), Length: len(p.data), InterfaceIndex: p.iface}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

func frameOf(t *testing.T, mac net.HardwareAddr, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: layers.EthernetTypeIPv4}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		append([]gopacket.SerializableLayer{eth}, ls...)...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// TestTextEscapesTheWire: what the capture says is shown, but cannot retitle or clear the terminal; JSON
// keeps it exact.
func TestTextEscapesTheWire(t *testing.T) {
	path := writeHostileCapture(t)
	out, _, err := run(t, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	cmdtest.Escaped(t, out, "node1/eth^[]0;pwned^G^[[2J", "http GET /^[]0;pwned^G^[[2J HTTP/1.1", "dns A a^[]0;pwned^G^[[2j.example")
	js, _, err := run(t, nil, path, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(js), []byte(`GET /\u001b]0;pwned\u0007\u001b[2J HTTP/1.1`)) {
		t.Errorf("JSON does not keep the request line exact:\n%s", js)
	}
}
