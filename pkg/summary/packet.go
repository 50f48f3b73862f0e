package summary

import (
	"net/netip"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// PacketDecoder decodes packets one at a time with the summarizer's decoder, for callers that match
// individual packets (the walk) rather than summarize flows. It is not safe for concurrent use.
type PacketDecoder struct {
	d *decoder
	f frame
}

// NewPacketDecoder returns a decoder that looks inside VXLAN on UDP ports 4789, 8472 and extraVXLANPorts,
// Geneve on 6081, VXLAN-GPE, GRE and IP-in-IP, as the summarizer does.
func NewPacketDecoder(extraVXLANPorts ...uint16) *PacketDecoder {
	return &PacketDecoder{d: newDecoder(extraVXLANPorts)}
}

// Packet is one decoded packet: its innermost IP header, what follows it, and the tunnels it came through.
// It shares no memory with the decoder or the captured data.
type Packet struct {
	Time time.Time
	// Tunnels are the encapsulation headers, outermost first.
	Tunnels  []Tunnel
	Src, Dst netip.Addr
	Proto    uint8
	// IPID is the IPv4 identification; for IPv6, the low 16 bits of the flow label.
	IPID uint16
	// SrcPort and DstPort are those of a TCP, UDP, SCTP or UDP-Lite header; zero for other protocols.
	SrcPort, DstPort uint16
	// Seq, Ack and TCPFlags are TCP's; the flags as in the header's 13th byte.
	Seq, Ack uint32
	TCPFlags uint8
	// ICMPType and ICMPCode are those of an ICMP or ICMPv6 header; ICMPID and ICMPSeq an echo's identifier
	// and sequence number.
	ICMPType, ICMPCode uint8
	ICMPID, ICMPSeq    uint16
	// Quoted is the start of the packet an ICMP error refers to; nil for other packets.
	Quoted *Quoted
}

// Tunnel is one encapsulation header with the outer IP header that carried it.
type Tunnel struct {
	// Type is the summary's name of the encapsulation: "vxlan", "geneve", "ipip", "6in4", "4in6", "6in6",
	// "gre", "erspan", "vxlan-gpe", "nsh" or "wireguard" (recorded, not decrypted).
	Type string
	// VNI is the VXLAN, VXLAN-GPE or Geneve network identifier; zero when the header has none.
	VNI      uint32
	Src, Dst netip.Addr
	// SrcPort and DstPort are the outer UDP ports of a UDP tunnel.
	SrcPort, DstPort uint16
}

// Quoted is the start of the packet an ICMP error refers to; the ports are zero when the quote holds none.
type Quoted struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
}

// Decode returns the packet's headers; ok is false when it holds no IP packet.
func (d *PacketDecoder) Decode(p *pcapread.Packet) (pkt Packet, ok bool) {
	f := &d.f
	d.d.decode(p, f)
	if f.net != netIPv4 && f.net != netIPv6 {
		return Packet{}, false
	}
	pkt = Packet{
		Time: p.Timestamp,
		Src:  f.src.netip(), Dst: f.dst.netip(), Proto: f.proto, IPID: f.ipID,
		Seq: f.seq, Ack: f.ack, TCPFlags: f.tcpFlags,
		ICMPType: f.icmpType, ICMPCode: f.icmpCode, ICMPID: f.icmpID, ICMPSeq: f.icmpSeq,
	}
	// An echo's identifier is also in the frame's ports, where it keys the flow.
	if f.hasPorts && f.proto != protoICMP && f.proto != protoICMPv6 {
		pkt.SrcPort, pkt.DstPort = f.sport, f.dport
	}
	for _, t := range f.tunnels[:f.nTunnels] {
		pkt.Tunnels = append(pkt.Tunnels, tunnelOf(t))
	}
	if q := f.quoted; f.icmpError && q.ok {
		pkt.Quoted = &Quoted{Src: q.src.netip(), Dst: q.dst.netip(), Proto: q.proto, SrcPort: q.sport, DstPort: q.dport}
	}
	return pkt, true
}

func tunnelOf(t tunnel) Tunnel {
	out := Tunnel{Type: t.typ.String(), Src: t.src.netip(), Dst: t.dst.netip(), SrcPort: t.sport, DstPort: t.dport}
	if t.hasVNI {
		out.VNI = t.vni
	}
	return out
}
