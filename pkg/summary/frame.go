package summary

import (
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// addr is an IPv4 address (IPv4-mapped) or an IPv6 address. A fixed-size value, so that flow keys made of
// addresses hash as plain memory and building one never allocates.
type addr [16]byte

func addrFrom4(b []byte) (a addr) {
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b[:4])
	return a
}

func addrFrom16(b []byte) (a addr) {
	copy(a[:], b[:16])
	return a
}

func addrFromNetip(ip netip.Addr) addr { return addr(ip.As16()) }

func (a addr) netip() netip.Addr { return netip.AddrFrom16(a).Unmap() }

func (a addr) String() string { return a.netip().String() }

func (a addr) isZero() bool { return a == addr{} }

// tunnelType is an encapsulation header.
type tunnelType uint8

const (
	tunnelNone tunnelType = iota
	tunnelIPIP            // IPv4 in IPv4
	tunnel6in4
	tunnel4in6
	tunnel6in6
	tunnelGRE
	tunnelERSPAN
	tunnelVXLAN
	tunnelVXLANGPE
	tunnelNSH
	tunnelGeneve
	tunnelWireGuard
	numTunnelTypes
)

var tunnelNames = [numTunnelTypes]string{
	tunnelNone: "none", tunnelIPIP: "ipip", tunnel6in4: "6in4", tunnel4in6: "4in6", tunnel6in6: "6in6",
	tunnelGRE: "gre", tunnelERSPAN: "erspan", tunnelVXLAN: "vxlan", tunnelVXLANGPE: "vxlan-gpe", tunnelNSH: "nsh",
	tunnelGeneve: "geneve", tunnelWireGuard: "wireguard",
}

func (t tunnelType) String() string {
	if t < numTunnelTypes {
		return tunnelNames[t]
	}
	return "unknown"
}

// tunnel is one encapsulation header with the outer IP header (and UDP ports) that carried it.
type tunnel struct {
	typ          tunnelType
	hasVNI       bool
	vni          uint32
	src, dst     addr
	sport, dport uint16
}

// netKind is the kind of the innermost network header.
type netKind uint8

const (
	netNone netKind = iota
	netIPv4
	netIPv6
	netARP
)

// quoted is the start of the packet an ICMP error refers to.
type quoted struct {
	ok           bool
	src, dst     addr
	proto        uint8
	hasPorts     bool
	sport, dport uint16
}

const (
	maxLevels  = 8 // encapsulation levels decoded, the outermost included
	maxTunnels = 8
)

// frame is one decoded packet: where it was captured, its tunnels from the outside in, and its innermost
// network and transport headers. Byte slices alias the packet data and the decoder's buffers: they are valid
// until the next packet is decoded.
type frame struct {
	number    int64 // 1-based position in the capture
	iface     int
	ts        int64 // nanoseconds since the epoch, within ±maxTS
	tsClamped bool  // the timestamp was outside ±maxTS and is the nearest end
	wireLen   int
	capLen    int
	linkType  layers.LinkType

	linkNotDecoded bool // a link type the decoder does not read

	// Linux cooked headers (SLL, SLL2).
	hasPktType bool
	pktType    uint8
	hasIfIndex bool
	ifIndex    uint32
	sllClamped bool // the link-layer address length was over 8 and was clamped

	tunnels  [maxTunnels]tunnel
	nTunnels int

	net       netKind
	netDepth  int // encapsulation level of the innermost network header: 0 when it is not encapsulated
	src, dst  addr
	proto     uint8
	ipID      uint16
	ipLen     int    // the IP payload captured (after extension headers)
	ipTotal   int    // the IP packet's length on the wire, header included
	l4Len     int    // the transport segment's length on the wire, header included
	fragment  bool   // a fragment after the first: no transport header
	firstFrag bool   // the first fragment of a fragmented packet: it has the transport header
	fragID    uint32 // the IPv4 identification or IPv6 fragment identification of a fragment

	hasPorts     bool
	sport, dport uint16
	tcpFlags     uint8
	hasTCPFlags  bool
	seq, ack     uint32
	tcpHeader    []byte
	payload      []byte // the transport payload, or what follows the ICMP header

	icmpType, icmpCode uint8
	icmpID, icmpSeq    uint16 // an echo's identifier and sequence number
	icmpError          bool
	quoted             quoted
	mtu                uint32

	arpOp        uint16
	arpSenderMAC [6]byte
	wgType       uint8

	httpRequest []byte
	httpStatus  int
	isDNS       bool
	dnsResponse bool
	dnsRCode    uint8
	dnsType     uint16
	dnsName     []byte

	truncated bool // a header was cut short (by the snap length or a lying length field)
	err       error
	errLayer  string
}

// TCP flag bits as in the header's 13th byte.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// outerSrc and outerDst are the outermost network addresses: those of the first tunnel, or the packet's own.
func (f *frame) outerSrc() addr {
	if f.nTunnels > 0 {
		return f.tunnels[0].src
	}
	return f.src
}

func (f *frame) outerDst() addr {
	if f.nTunnels > 0 {
		return f.tunnels[0].dst
	}
	return f.dst
}

// pushTunnel records a tunnel header carried by the network header decoded so far.
func (f *frame) pushTunnel(t tunnelType, vni uint32, hasVNI bool, sport, dport uint16) bool {
	if f.nTunnels == maxTunnels {
		return false
	}
	f.tunnels[f.nTunnels] = tunnel{typ: t, vni: vni, hasVNI: hasVNI, src: f.src, dst: f.dst, sport: sport, dport: dport}
	f.nTunnels++
	return true
}
