package summary

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// stopLayer is what the IP layers below report as their next layer when a tunnel follows. It is never in a
// level's container, so the level's parser stops there and the next level decodes the inner headers with its
// own layer structs instead of overwriting this level's.
var stopLayer = gopacket.LayerTypePayload

var (
	errNotIPv4 = errors.New("IPv4 header with a version other than 4")
	errNotIPv6 = errors.New("IPv6 header with a version other than 6")
)

func isTunnelProtocol(p layers.IPProtocol) bool {
	return p == protoIPIP || p == protoIPv6 || p == protoGRE
}

type ipv4Layer struct{ layers.IPv4 }

func (l *ipv4Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) > 0 && data[0]>>4 != 4 {
		return errNotIPv4
	}
	return l.IPv4.DecodeFromBytes(data, df)
}

// NextLayerType decodes the transport header of a first fragment too, for its ports.
func (l *ipv4Layer) NextLayerType() gopacket.LayerType {
	next := l.Protocol.LayerType()
	if l.FragOffset != 0 || isTunnelProtocol(l.Protocol) || layers.LayerClassIPv6Extension.Contains(next) {
		return stopLayer
	}
	return next
}

type ipv6Layer struct{ layers.IPv6 }

func (l *ipv6Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) > 0 && data[0]>>4 != 6 {
		return errNotIPv6
	}
	if len(data) >= 40 && data[4]|data[5] == 0 && layers.IPProtocol(data[6]) != layers.IPProtocolIPv6HopByHop {
		l.decodeBigTCP(data)
		return nil
	}
	return l.IPv6.DecodeFromBytes(data, df)
}

// decodeBigTCP reads an IPv6 header whose payload length is 0 without a jumbo option: a BIG TCP packet over
// 64 KiB as Linux hands it to a packet socket (it drops the hop-by-hop jumbo header that RFC 2675 would
// have). The payload is the rest of the frame, as for an IPv4 BIG TCP packet. gopacket calls it malformed.
func (l *ipv6Layer) decodeBigTCP(data []byte) {
	ip := &l.IPv6
	ip.Version = data[0] >> 4
	ip.TrafficClass = uint8(binary.BigEndian.Uint16(data) >> 4)
	ip.FlowLabel = binary.BigEndian.Uint32(data) & 0x000fffff
	ip.Length = 0
	ip.NextHeader = layers.IPProtocol(data[6])
	ip.HopLimit = data[7]
	ip.SrcIP, ip.DstIP = data[8:24], data[24:40]
	ip.HopByHop = nil
	ip.BaseLayer = layers.BaseLayer{Contents: data[:40], Payload: data[40:]}
}

func (l *ipv6Layer) nextHeader() layers.IPProtocol {
	if l.HopByHop != nil {
		return l.HopByHop.NextHeader
	}
	return l.NextHeader
}

func (l *ipv6Layer) NextLayerType() gopacket.LayerType {
	if isTunnelProtocol(l.nextHeader()) {
		return stopLayer
	}
	return l.IPv6.NextLayerType()
}

type ipv6ExtLayer struct{ layers.IPv6ExtensionSkipper }

func (l *ipv6ExtLayer) NextLayerType() gopacket.LayerType {
	if isTunnelProtocol(l.NextHeader) {
		return stopLayer
	}
	return l.NextHeader.LayerType()
}

type ipv6FragLayer struct{ layers.IPv6Fragment }

func (l *ipv6FragLayer) NextLayerType() gopacket.LayerType {
	if l.FragmentOffset != 0 || isTunnelProtocol(l.NextHeader) {
		return stopLayer
	}
	return l.NextHeader.LayerType()
}

// tcpLayer decodes what the summary uses of a TCP header: ports, sequence numbers, flags and the header's
// length. gopacket's TCP layer also parses every option into a slice, which costs more than the rest of a
// packet's decoding and which the summary does not need.
type tcpLayer struct {
	layers.BaseLayer
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
}

var (
	errTCPShort  = errors.New("TCP header shorter than 20 bytes")
	errTCPOffset = errors.New("TCP data offset under 5 words")
	errTCPCut    = errors.New("TCP data offset greater than packet length")
)

func (t *tcpLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		df.SetTruncated()
		return errTCPShort
	}
	n := int(data[12]>>4) * 4
	switch {
	case n < 20:
		return errTCPOffset
	case n > len(data):
		df.SetTruncated()
		return errTCPCut
	}
	t.SrcPort, t.DstPort = binary.BigEndian.Uint16(data), binary.BigEndian.Uint16(data[2:])
	t.Seq, t.Ack, t.Flags = binary.BigEndian.Uint32(data[4:]), binary.BigEndian.Uint32(data[8:]), data[13]
	t.Contents, t.Payload = data[:n], data[n:]
	return nil
}

func (t *tcpLayer) CanDecode() gopacket.LayerClass { return layers.LayerTypeTCP }

// NextLayerType stops the level: what TCP carries is read by parseHTTP and parseDNS.
func (t *tcpLayer) NextLayerType() gopacket.LayerType { return stopLayer }

// level decodes one encapsulation level: its layer structs are allocated once and reused for every packet,
// and it has one DecodingLayerParser per header a level can start with, all sharing the same layers.
type level struct {
	eth     layers.Ethernet
	vlan    layers.Dot1Q
	ip4     ipv4Layer
	ip6     ipv6Layer
	ip6ext  ipv6ExtLayer
	ip6frag ipv6FragLayer
	tcp     tcpLayer
	udp     layers.UDP
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	arp     layers.ARP

	container gopacket.DecodingLayerContainer
	parsers   [numStarts]*gopacket.DecodingLayerParser
	decoded   []gopacket.LayerType
}

var startLayerTypes = [numStarts]gopacket.LayerType{
	startEthernet: layers.LayerTypeEthernet,
	startDot1Q:    layers.LayerTypeDot1Q,
	startIPv4:     layers.LayerTypeIPv4,
	startIPv6:     layers.LayerTypeIPv6,
	startARP:      layers.LayerTypeARP,
}

func newLevel() *level {
	lv := &level{decoded: make([]gopacket.LayerType, 0, 16)}
	// Sparse is the fastest container: a slice indexed by layer type.
	c := gopacket.DecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	// ip6frag after ip6ext, so that fragment headers get their own layer.
	for _, l := range []gopacket.DecodingLayer{&lv.eth, &lv.vlan, &lv.ip4, &lv.ip6, &lv.ip6ext, &lv.ip6frag,
		&lv.tcp, &lv.udp, &lv.icmp4, &lv.icmp6, &lv.arp} {
		c = c.Put(l)
	}
	lv.container = c
	for st := startEthernet; st < numStarts; st++ {
		p := gopacket.NewDecodingLayerParser(startLayerTypes[st])
		p.SetDecodingLayerContainer(c)
		p.IgnoreUnsupported = true
		lv.parsers[st] = p
	}
	return lv
}

// decoder turns captured frames into frames: link header, then level after level of encapsulation.
type decoder struct {
	levels     [maxLevels]*level
	vxlanPorts []uint16
	dnsName    [maxDNSName + 1]byte
}

func newDecoder(extraVXLANPorts []uint16) *decoder {
	d := &decoder{vxlanPorts: []uint16{PortVXLAN, PortVXLANLinux}}
	for _, p := range extraVXLANPorts {
		if !d.isVXLANPort(p) {
			d.vxlanPorts = append(d.vxlanPorts, p)
		}
	}
	for i := range d.levels {
		d.levels[i] = newLevel()
	}
	return d
}

func (d *decoder) isVXLANPort(p uint16) bool {
	for _, v := range d.vxlanPorts {
		if v == p {
			return true
		}
	}
	return false
}

// decode fills f from one captured packet. It never fails: what cannot be decoded is recorded in f.err.
func (d *decoder) decode(p *pcapread.Packet, f *frame) {
	*f = frame{
		iface:    p.Interface,
		wireLen:  p.Length,
		capLen:   p.CaptureLength,
		linkType: p.LinkType,
	}
	if f.wireLen < f.capLen {
		f.wireLen = f.capLen
	}
	if !p.Timestamp.IsZero() {
		f.ts, f.tsClamped = unixNano(p.Timestamp)
	}
	st, data, problem := linkHeader(p.LinkType, p.Data, f)
	if problem != "" {
		f.setError("link", errors.New(problem))
		return
	}
	for depth := 0; st != startNone; depth++ {
		if depth == maxLevels {
			f.setError("encapsulation", errTooDeep)
			return
		}
		st, data = d.decodeLevel(depth, st, data, f)
	}
}

var errTooDeep = errors.New("more than 8 levels of encapsulation")

func (f *frame) setError(layer string, err error) {
	if f.err == nil {
		f.err, f.errLayer = err, layer
	}
}

// decodeLevel decodes the headers of one encapsulation level and returns where the next level starts, if a
// tunnel follows.
func (d *decoder) decodeLevel(depth int, st start, data []byte, f *frame) (start, []byte) {
	lv := d.levels[depth]
	p := lv.parsers[st]
	err := p.DecodeLayers(data, &lv.decoded)
	if p.Truncated {
		f.truncated = true
	}

	// Bytes the snap length cut off are at the end of the frame: they belong to the innermost payload.
	missing := max(f.wireLen-f.capLen, 0)
	var (
		etherType  uint16
		etherData  []byte
		ipProto    layers.IPProtocol
		ipPayload  []byte
		haveIP     bool
		fragment   bool
		firstFrag  bool
		fragID     uint32
		haveL4     bool
		transport  []byte // the IP payload, when the transport header failed to decode
		transProto layers.IPProtocol
	)
	for _, t := range lv.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			etherType, etherData = uint16(lv.eth.EthernetType), lv.eth.Payload
		case layers.LayerTypeDot1Q:
			etherType, etherData = uint16(lv.vlan.Type), lv.vlan.Payload
		case layers.LayerTypeIPv4:
			ip := &lv.ip4
			f.setNetwork(netIPv4, depth, addrFrom4(ip.SrcIP), addrFrom4(ip.DstIP))
			f.ipID = ip.Id
			f.ipTotal = int(ip.Length)
			if ip.Contents[2]|ip.Contents[3] == 0 { // BIG TCP or TSO: the length is the frame's
				f.ipTotal = len(ip.Contents) + len(ip.Payload) + missing
			}
			ipProto, ipPayload, haveIP = ip.Protocol, ip.Payload, true
			fragment = ip.FragOffset != 0
			firstFrag = !fragment && ip.Flags&layers.IPv4MoreFragments != 0
			fragID = uint32(ip.Id)
		case layers.LayerTypeIPv6:
			ip := &lv.ip6
			f.setNetwork(netIPv6, depth, addrFrom16(ip.SrcIP), addrFrom16(ip.DstIP))
			f.ipID = uint16(ip.FlowLabel)
			f.ipTotal = 40 + int(ip.Length)
			if ip.Length == 0 { // a jumbogram
				f.ipTotal = len(ip.Contents) + len(ip.Payload) + missing
			}
			ipProto, ipPayload, haveIP = ip.nextHeader(), ip.Payload, true
		case layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6HopByHop:
			ipProto, ipPayload = lv.ip6ext.NextHeader, lv.ip6ext.Payload
		case layers.LayerTypeIPv6Fragment:
			ipProto, ipPayload = lv.ip6frag.NextHeader, lv.ip6frag.Payload
			fragment = lv.ip6frag.FragmentOffset != 0
			firstFrag = !fragment && lv.ip6frag.MoreFragments
			fragID = lv.ip6frag.Identification
		case layers.LayerTypeTCP:
			f.setTCP(&lv.tcp)
			haveL4 = true
		case layers.LayerTypeUDP:
			f.hasPorts, f.sport, f.dport = true, uint16(lv.udp.SrcPort), uint16(lv.udp.DstPort)
			f.payload = lv.udp.Payload
			haveL4 = true
		case layers.LayerTypeICMPv4:
			f.setICMPv4(&lv.icmp4)
			haveL4 = true
		case layers.LayerTypeICMPv6:
			f.setICMPv6(&lv.icmp6)
			haveL4 = true
		case layers.LayerTypeARP:
			f.setARP(&lv.arp, depth)
		}
	}
	if haveIP {
		f.proto, f.ipLen, f.fragment = uint8(ipProto), len(ipPayload), fragment
		f.firstFrag, f.fragID = firstFrag, fragID
		f.l4Len = len(ipPayload) + missing
		transport, transProto = ipPayload, ipProto
	}
	if err != nil {
		f.setError(d.failedLayer(lv, st), err)
		if haveIP && !haveL4 && !fragment {
			f.salvagePorts(transProto, transport)
		}
		return startNone, nil
	}
	if etherType == etherTypeRARP && len(lv.decoded) > 0 && !haveIP {
		if err := lv.arp.DecodeFromBytes(etherData, p); err == nil {
			f.setARP(&lv.arp, depth)
		}
		return startNone, nil
	}
	if !haveIP || fragment {
		return startNone, nil
	}
	switch {
	case ipProto == protoIPIP || ipProto == protoIPv6:
		return d.ipInIP(f, ipProto, ipPayload)
	case ipProto == protoGRE:
		return d.gre(f, ipPayload)
	case ipProto == protoUDP && haveL4:
		return d.udpPayload(f)
	case ipProto == protoTCP && haveL4 && len(f.payload) > 0:
		if f.sport == portDNS || f.dport == portDNS {
			if len(f.payload) > 2 {
				parseDNS(f.payload[2:], d.dnsName[:], f)
			}
		} else {
			parseHTTP(f.payload, f)
		}
	}
	return startNone, nil
}

// failedLayer names the layer that the level's parser could not decode: the one after the last decoded.
func (d *decoder) failedLayer(lv *level, st start) string {
	next := startLayerTypes[st]
	if n := len(lv.decoded); n > 0 {
		if dl, ok := lv.container.Decoder(lv.decoded[n-1]); ok {
			next = dl.NextLayerType()
		}
	}
	return next.String()
}

func (d *decoder) ipInIP(f *frame, proto layers.IPProtocol, payload []byte) (start, []byte) {
	outer4 := f.net == netIPv4
	typ := tunnel6in6
	switch {
	case proto == protoIPIP && outer4:
		typ = tunnelIPIP
	case proto == protoIPIP:
		typ = tunnel4in6
	case outer4:
		typ = tunnel6in4
	}
	if !f.pushTunnel(typ, 0, false, 0, 0) {
		f.setError("encapsulation", errTooDeep)
		return startNone, nil
	}
	if proto == protoIPIP {
		return startIPv4, payload
	}
	return startIPv6, payload
}

var (
	errGRE     = errors.New("GRE header cut short")
	errERSPAN  = errors.New("ERSPAN header cut short")
	errVXLAN   = errors.New("VXLAN header cut short")
	errGPE     = errors.New("VXLAN-GPE header cut short")
	errNSH     = errors.New("NSH header cut short or with a bad length")
	errGeneve  = errors.New("Geneve header or options cut short")
	errUnknown = errors.New("unsupported protocol after the tunnel header")
)

func (d *decoder) gre(f *frame, b []byte) (start, []byte) {
	proto, seq, payload, ok := greHeader(b)
	if !f.pushTunnel(tunnelGRE, 0, false, 0, 0) {
		f.setError("encapsulation", errTooDeep)
		return startNone, nil
	}
	if !ok {
		f.setError("GRE", errGRE)
		return startNone, nil
	}
	if payload == nil {
		return startNone, nil
	}
	if proto == etherTypeERSP2 || proto == etherTypeERSP3 {
		f.pushTunnel(tunnelERSPAN, 0, false, 0, 0)
		inner, ok := erspanHeader(proto, seq, payload)
		if !ok {
			f.setError("ERSPAN", errERSPAN)
			return startNone, nil
		}
		return startEthernet, inner
	}
	return etherTypeStart(proto), payload
}

// udpPayload recognises tunnels by UDP destination port (and WireGuard by its header), and DNS.
func (d *decoder) udpPayload(f *frame) (start, []byte) {
	b := f.payload
	sport, dport := f.sport, f.dport
	switch {
	case d.isVXLANPort(dport):
		vni, hasVNI, inner, ok := vxlanHeader(b)
		if !f.pushTunnel(tunnelVXLAN, vni, hasVNI, sport, dport) {
			f.setError("encapsulation", errTooDeep)
			return startNone, nil
		}
		if !ok {
			f.setError("VXLAN", errVXLAN)
			return startNone, nil
		}
		return startEthernet, inner
	case dport == PortVXLANGPE:
		vni, hasVNI, next, inner, ok := vxlanGPEHeader(b)
		if !f.pushTunnel(tunnelVXLANGPE, vni, hasVNI, sport, dport) {
			f.setError("encapsulation", errTooDeep)
			return startNone, nil
		}
		if !ok {
			f.setError("VXLAN-GPE", errGPE)
			return startNone, nil
		}
		return d.gpeChain(f, next, inner)
	case dport == PortGeneve:
		vni, hasVNI, st, inner, ok := geneveHeader(b)
		if !f.pushTunnel(tunnelGeneve, vni, hasVNI, sport, dport) {
			f.setError("encapsulation", errTooDeep)
			return startNone, nil
		}
		if !ok {
			f.setError("Geneve", errGeneve)
			return startNone, nil
		}
		return st, inner
	case sport == portDNS || dport == portDNS:
		parseDNS(b, d.dnsName[:], f)
		return startNone, nil
	}
	if t := wireGuardType(b); t != 0 {
		f.wgType = t
		f.pushTunnel(tunnelWireGuard, 0, false, sport, dport)
	}
	return startNone, nil
}

// gpeChain follows VXLAN-GPE's next protocol through any NSH headers.
func (d *decoder) gpeChain(f *frame, next byte, b []byte) (start, []byte) {
	for {
		st, nsh := gpeNext(next)
		if !nsh {
			if st == startNone {
				f.setError("VXLAN-GPE", errUnknown)
			}
			return st, b
		}
		if !f.pushTunnel(tunnelNSH, 0, false, 0, 0) {
			f.setError("encapsulation", errTooDeep)
			return startNone, nil
		}
		var ok bool
		if next, b, ok = nshHeader(b); !ok {
			f.setError("NSH", errNSH)
			return startNone, nil
		}
	}
}

func (f *frame) setNetwork(k netKind, depth int, src, dst addr) {
	f.net, f.netDepth, f.src, f.dst = k, depth, src, dst
	// An inner header replaces the outer one's transport and application facts.
	f.proto, f.ipID, f.ipLen, f.ipTotal, f.l4Len, f.fragment = 0, 0, 0, 0, 0, false
	f.firstFrag, f.fragID = false, 0
	f.hasPorts, f.sport, f.dport, f.tcpFlags, f.hasTCPFlags, f.seq, f.ack = false, 0, 0, 0, false, 0, 0
	f.tcpHeader, f.payload = nil, nil
	f.icmpType, f.icmpCode, f.icmpID, f.icmpSeq, f.icmpError, f.quoted, f.mtu = 0, 0, 0, 0, false, quoted{}, 0
	f.httpRequest, f.httpStatus = nil, 0
	f.isDNS, f.dnsResponse, f.dnsRCode, f.dnsType, f.dnsName = false, false, 0, 0, nil
	f.wgType, f.arpOp = 0, 0
}

func (f *frame) setTCP(t *tcpLayer) {
	f.hasPorts, f.sport, f.dport = true, t.SrcPort, t.DstPort
	f.seq, f.ack = t.Seq, t.Ack
	f.tcpHeader, f.payload = t.Contents, t.Payload
	f.tcpFlags, f.hasTCPFlags = t.Flags, true
}

// salvagePorts reads the ports (and TCP flags) of a transport header that gopacket refused because it is cut
// short, as tshark and tcpdump still show them.
func (f *frame) salvagePorts(proto layers.IPProtocol, b []byte) {
	switch proto {
	case protoTCP, protoUDP, protoSCTP, protoUDPLite:
		if len(b) >= 4 {
			f.hasPorts, f.sport, f.dport = true, binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
		}
		// tshark shows no flags when the data offset itself is bogus (under 5 words); neither do we.
		if proto == protoTCP && len(b) >= 14 && b[12]>>4 >= 5 {
			f.seq, f.ack, f.tcpFlags, f.hasTCPFlags = binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:]), b[13], true
		}
	}
}

func (f *frame) setICMPv4(i *layers.ICMPv4) {
	f.icmpType, f.icmpCode = i.TypeCode.Type(), i.TypeCode.Code()
	f.payload = i.Payload
	switch f.icmpType {
	case layers.ICMPv4TypeEchoRequest, layers.ICMPv4TypeEchoReply:
		// The echo identifier plays the part of a port: each ping is its own flow.
		f.hasPorts, f.sport, f.dport = true, i.Id, i.Id
		f.icmpID, f.icmpSeq = i.Id, i.Seq
	case layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4TypeSourceQuench, layers.ICMPv4TypeRedirect,
		layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeParameterProblem:
		f.icmpError = true
		f.quoted = parseQuoted(i.Payload)
		if f.icmpType == layers.ICMPv4TypeDestinationUnreachable && f.icmpCode == layers.ICMPv4CodeFragmentationNeeded {
			f.mtu = uint32(i.Seq)
		}
	}
}

func (f *frame) setICMPv6(i *layers.ICMPv6) {
	f.icmpType, f.icmpCode = i.TypeCode.Type(), i.TypeCode.Code()
	f.payload = i.Payload
	switch f.icmpType {
	case layers.ICMPv6TypeEchoRequest, layers.ICMPv6TypeEchoReply:
		// gopacket leaves the echo header in the payload: identifier, then sequence number.
		if len(i.Payload) >= 2 {
			id := binary.BigEndian.Uint16(i.Payload)
			f.hasPorts, f.sport, f.dport = true, id, id
			f.icmpID = id
		}
		if len(i.Payload) >= 4 {
			f.icmpSeq = binary.BigEndian.Uint16(i.Payload[2:])
		}
	case layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6TypePacketTooBig, layers.ICMPv6TypeTimeExceeded,
		layers.ICMPv6TypeParameterProblem:
		f.icmpError = true
		if len(i.Payload) >= 4 {
			if f.icmpType == layers.ICMPv6TypePacketTooBig {
				f.mtu = binary.BigEndian.Uint32(i.Payload)
			}
			f.quoted = parseQuoted(i.Payload[4:])
		}
	}
}

func (f *frame) setARP(a *layers.ARP, depth int) {
	if a.AddrType != layers.LinkTypeEthernet || a.HwAddressSize != 6 || a.ProtAddressSize != 4 {
		return
	}
	f.setNetwork(netARP, depth, addrFrom4(a.SourceProtAddress), addrFrom4(a.DstProtAddress))
	f.arpOp = a.Operation
	copy(f.arpSenderMAC[:], a.SourceHwAddress)
}
