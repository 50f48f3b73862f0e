package summary

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// Packets for unit tests and benchmarks are serialised by gopacket from layer structs, so that their bytes
// come from an independent encoder rather than from the decoder under test.

func sll2Header(proto uint16, ifindex uint32, pktType uint8) []byte {
	h := make([]byte, sll2HeaderLen)
	binary.BigEndian.PutUint16(h, proto)
	binary.BigEndian.PutUint32(h[4:], ifindex)
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10], h[11] = pktType, 6
	copy(h[12:], []byte{0xee, 0xee, 0xee, 0xee, 0xee, 0xee})
	return h
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// tcpSeg describes a TCP segment between two endpoints.
type tcpSeg struct {
	src, dst     string
	sport, dport uint16
	flags        uint8
	seq, ack     uint32
	ipID         uint16
	payload      []byte
}

func (s tcpSeg) layers() []gopacket.SerializableLayer {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: s.ipID, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP,
		SrcIP: net.ParseIP(s.src).To4(), DstIP: net.ParseIP(s.dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(s.sport), DstPort: layers.TCPPort(s.dport), Seq: s.seq, Ack: s.ack, Window: 502,
		FIN: s.flags&tcpFIN != 0, SYN: s.flags&tcpSYN != 0, RST: s.flags&tcpRST != 0, PSH: s.flags&tcpPSH != 0, ACK: s.flags&tcpACK != 0}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	return []gopacket.SerializableLayer{ip, tcp, gopacket.Payload(s.payload)}
}

// plain is the segment as an `-i any` capture shows it on a pod's host veth.
func (s tcpSeg) plain(t testing.TB, ifindex uint32) []byte {
	return append(sll2Header(etherTypeIPv4, ifindex, 0), serialize(t, s.layers()...)...)
}

// vxlan is the segment encapsulated between two nodes, as seen on the node's eth0.
func (s tcpSeg) vxlan(t testing.TB, ifindex uint32, nodeSrc, nodeDst string, dport uint16, vni uint32) []byte {
	outerIP := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.ParseIP(nodeSrc).To4(), DstIP: net.ParseIP(nodeDst).To4()}
	udp := &layers.UDP{SrcPort: 40000 + layers.UDPPort(s.sport%1000), DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(outerIP)
	vx := &layers.VXLAN{ValidIDFlag: true, VNI: vni}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0x66, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{0x66, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4}
	ls := append([]gopacket.SerializableLayer{outerIP, udp, vx, eth}, s.layers()...)
	return append(sll2Header(etherTypeIPv4, ifindex, pktTypeOutgoing), serialize(t, ls...)...)
}

func packetOf(lt layers.LinkType, ts time.Time, data []byte) *pcapread.Packet {
	return &pcapread.Packet{LinkType: lt, Timestamp: ts, CaptureLength: len(data), Length: len(data), Data: data}
}
