package summary

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

var equalAddrs = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// TestPacketDecoderOnLabCapture decodes every packet of node 1's -i any capture and checks a few of them
// against what tshark shows. All are decoded before any is checked: a Packet must not share the decoder's
// buffers or the reader's.
func TestPacketDecoderOnLabCapture(t *testing.T) {
	f, err := os.Open("testdata/lab-any.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapread.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	d := NewPacketDecoder()
	decoded := map[int]Packet{} // by frame number, as tshark counts
	var p pcapread.Packet
	for n := 1; ; n++ {
		if err := rd.Next(&p); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		if pkt, ok := d.Decode(&p); ok {
			decoded[n] = pkt
		}
	}

	a := netip.MustParseAddr
	vxlan := func(sport uint16) []Tunnel {
		return []Tunnel{{Type: "vxlan", VNI: 4096, Src: a("192.168.49.2"), Dst: a("192.168.49.3"), SrcPort: sport, DstPort: 4789}}
	}
	for _, tc := range []struct {
		name  string
		frame int
		want  Packet
	}{
		{"a SYN in VXLAN", 7, Packet{Time: time.Unix(1795441362, 214661000), Tunnels: vxlan(58784),
			Src: a("10.244.1.5"), Dst: a("10.244.2.7"), Proto: protoTCP, IPID: 0x3645, SrcPort: 49820, DstPort: 8081,
			Seq: 2802183634, TCPFlags: tcpSYN}},
		{"fragmentation needed, quoting a TCP segment", 15, Packet{Time: time.Unix(1795441362, 217036000),
			Src: a("192.168.49.2"), Dst: a("10.244.1.5"), Proto: protoICMP, IPID: 0xabf1, ICMPType: 3, ICMPCode: 4,
			Quoted: &Quoted{Src: a("10.244.1.5"), Dst: a("10.244.2.7"), Proto: protoTCP, SrcPort: 49820, DstPort: 8081}}},
		{"an echo request on the pod's veth", 184, Packet{Time: time.Unix(1795441363, 544701000),
			Src: a("10.244.1.5"), Dst: a("10.244.2.7"), Proto: protoICMP, IPID: 0x623f, ICMPType: 8, ICMPID: 10024, ICMPSeq: 1}},
		{"the echo request in VXLAN", 186, Packet{Time: time.Unix(1795441363, 544760000), Tunnels: vxlan(38584),
			Src: a("10.244.1.5"), Dst: a("10.244.2.7"), Proto: protoICMP, IPID: 0x623f, ICMPType: 8, ICMPID: 10024, ICMPSeq: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decoded[tc.frame]
			if !ok {
				t.Fatalf("frame %d: no IP packet", tc.frame)
			}
			if diff := cmp.Diff(tc.want, got, equalAddrs); diff != "" {
				t.Errorf("frame %d (-want +got):\n%s", tc.frame, diff)
			}
		})
	}
	if pkt, ok := decoded[1]; ok {
		t.Errorf("frame 1, an ARP request, decoded as an IP packet: %+v", pkt)
	}
}

// TestPacketDecoderEncapsulations decodes packets serialised by gopacket: what the lab capture does not hold.
func TestPacketDecoderEncapsulations(t *testing.T) {
	a := netip.MustParseAddr
	ts := time.Unix(1700000000, 5)
	syn := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 43512, dport: 8080, flags: tcpSYN, seq: 1000, ipID: 77}
	wantSYN := func(tunnels ...Tunnel) Packet {
		return Packet{Time: ts, Tunnels: tunnels, Src: a("10.244.1.5"), Dst: a("10.244.2.7"), Proto: protoTCP, IPID: 77,
			SrcPort: 43512, DstPort: 8080, Seq: 1000, TCPFlags: tcpSYN}
	}
	for _, tc := range []struct {
		name string
		lt   layers.LinkType
		data []byte
		want Packet
	}{
		{"port unreachable, quoting a UDP datagram", layers.LinkTypeRaw, portUnreachable(t),
			Packet{Time: ts, Src: a("10.244.2.7"), Dst: a("10.244.1.5"), Proto: protoICMP, IPID: 9, ICMPType: 3, ICMPCode: 3,
				Quoted: &Quoted{Src: a("10.244.1.5"), Dst: a("10.96.0.10"), Proto: protoUDP, SrcPort: 57415, DstPort: 53}}},
		{"a SYN in IPIP", layers.LinkTypeEthernet, ipip(t, syn),
			wantSYN(Tunnel{Type: "ipip", Src: a("10.201.0.11"), Dst: a("10.201.0.12")})},
		{"a SYN in Geneve with an option", layers.LinkTypeLinuxSLL2, geneve(t, syn),
			wantSYN(Tunnel{Type: "geneve", VNI: 0xabcd, Src: a("10.201.0.11"), Dst: a("10.201.0.12"), SrcPort: 50000, DstPort: PortGeneve})},
		{"a SYN in VXLAN on a port given to the decoder", layers.LinkTypeLinuxSLL2, syn.vxlan(t, 3, "10.0.0.1", "10.0.0.2", 9999, 7),
			wantSYN(Tunnel{Type: "vxlan", VNI: 7, Src: a("10.0.0.1"), Dst: a("10.0.0.2"), SrcPort: 40512, DstPort: 9999})},
		{"an ICMPv6 echo request in 6in4", layers.LinkTypeRaw, echo6in4(t),
			Packet{Time: ts, Tunnels: []Tunnel{{Type: "6in4", Src: a("10.201.0.11"), Dst: a("10.201.0.12")}},
				Src: a("fd00:10:244:1::5"), Dst: a("fd00:10:244:2::7"), Proto: protoICMPv6, IPID: 0x2345,
				ICMPType: 128, ICMPID: 0x4d2, ICMPSeq: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NewPacketDecoder(9999).Decode(packetOf(tc.lt, ts, tc.data))
			if !ok {
				t.Fatal("no IP packet")
			}
			if diff := cmp.Diff(tc.want, got, equalAddrs); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func ipv4(src, dst string, proto layers.IPProtocol, id uint16) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: id, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

// portUnreachable is httpbin's answer to a DNS query it does not serve, quoting the query's headers.
func portUnreachable(t *testing.T) []byte {
	query := ipv4("10.244.1.5", "10.96.0.10", layers.IPProtocolUDP, 1)
	udp := &layers.UDP{SrcPort: 57415, DstPort: 53}
	_ = udp.SetNetworkLayerForChecksum(query)
	quoted := serialize(t, query, udp, gopacket.Payload("query"))
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodePort)}
	return serialize(t, ipv4("10.244.2.7", "10.244.1.5", layers.IPProtocolICMPv4, 9), icmp, gopacket.Payload(quoted[:28]))
}

// ipip is the segment as Calico's IPIP mode sends it between two nodes, on an Ethernet underlay.
func ipip(t *testing.T, s tcpSeg) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ls := append([]gopacket.SerializableLayer{eth, ipv4("10.201.0.11", "10.201.0.12", layers.IPProtocolIPv4, 5)}, s.layers()...)
	return serialize(t, ls...)
}

// geneve is the segment in a Geneve header carrying an Ethernet frame and one 8-byte option, as OVN sends it.
func geneve(t *testing.T, s tcpSeg) []byte {
	outer := ipv4("10.201.0.11", "10.201.0.12", layers.IPProtocolUDP, 5)
	udp := &layers.UDP{SrcPort: 50000, DstPort: PortGeneve}
	_ = udp.SetNetworkLayerForChecksum(outer)
	gn := &layers.Geneve{Protocol: layers.EthernetTypeTransparentEthernetBridging, VNI: 0xabcd,
		Options: []*layers.GeneveOption{{Class: 0x0102, Type: 0x80, Data: []byte{0, 1, 0, 2}}}}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ls := append([]gopacket.SerializableLayer{outer, udp, gn, eth}, s.layers()...)
	return append(sll2Header(etherTypeIPv4, 2, pktTypeOutgoing), serialize(t, ls...)...)
}

// echo6in4 is a ping between two IPv6 pods carried over an IPv4 underlay by a sit device.
func echo6in4(t *testing.T) []byte {
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, FlowLabel: 0x12345, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: net.ParseIP("fd00:10:244:1::5"), DstIP: net.ParseIP("fd00:10:244:2::7")}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	_ = icmp.SetNetworkLayerForChecksum(ip6)
	return serialize(t, ipv4("10.201.0.11", "10.201.0.12", layers.IPProtocolIPv6, 5), ip6, icmp,
		&layers.ICMPv6Echo{Identifier: 0x4d2, SeqNumber: 3}, gopacket.Payload("ping"))
}
