package walk

import (
	"net/netip"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/summary"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// IP protocol numbers, TCP flag bits and ICMPv4 types the matching looks at.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58

	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10

	icmpSourceQuench = 4
	icmpRedirect     = 5
)

// probeMatcher recognises the probe's packets in any capture, inside encapsulations, after DNAT and after
// masquerading: by the source port the probe chose and, once its first packet is seen, by what NAT keeps
// (the TCP sequence number, the IP ID of a datagram, the ICMP echo sequence). Source ports a masquerade
// gave the probe are learned as they are seen, so the rest of the exchange is recognised too.
type probeMatcher struct {
	protocol string
	srcIP    netip.Addr
	sport    uint16
	// The first forward packet's identity.
	keyed           bool
	seq             uint32
	ipID            uint16
	echoID, echoSeq uint16
	// ports are the probe's source ports (or echo ids): its own and those a masquerade chose.
	ports map[uint16]bool
}

func newProbeMatcher(protocol string, src netip.Addr, sport int) *probeMatcher {
	port := uint16(sport)
	return &probeMatcher{protocol: protocol, srcIP: src, sport: port, ports: map[uint16]bool{port: true}}
}

func (m *probeMatcher) isEchoRequest(f *summary.Packet) bool {
	return (f.Proto == protoICMP && f.ICMPType == 8) || (f.Proto == protoICMPv6 && f.ICMPType == 128)
}

func (m *probeMatcher) isEchoReply(f *summary.Packet) bool {
	return (f.Proto == protoICMP && f.ICMPType == 0) || (f.Proto == protoICMPv6 && f.ICMPType == 129)
}

// candidate says f may be the probe's first packet: the right protocol and source port (ICMP: an echo
// request from the source address).
func (m *probeMatcher) candidate(f *summary.Packet) bool {
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoRequest(f) && f.Src == m.srcIP
	case ProtocolUDP:
		return f.Proto == protoUDP && f.SrcPort == m.sport
	}
	return f.Proto == protoTCP && f.SrcPort == m.sport && isSYN(f)
}

func isSYN(f *summary.Packet) bool { return f.TCPFlags&tcpSYN != 0 && f.TCPFlags&tcpACK == 0 }

// key fixes the probe's identity from its first packet.
func (m *probeMatcher) key(f *summary.Packet) {
	m.keyed = true
	m.seq, m.ipID, m.echoID, m.echoSeq = f.Seq, f.IPID, f.ICMPID, f.ICMPSeq
	if m.protocol == ProtocolICMP {
		m.ports[f.ICMPID] = true
	}
}

// forward says f is the probe's packet on its way to the destination, whatever its source port became.
func (m *probeMatcher) forward(f *summary.Packet) bool {
	if !m.keyed {
		return m.candidate(f)
	}
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoRequest(f) && f.ICMPSeq == m.echoSeq && (f.ICMPID == m.echoID || f.IPID == m.ipID)
	case ProtocolUDP:
		return f.Proto == protoUDP && f.IPID == m.ipID && (f.SrcPort == m.sport || m.ports[f.SrcPort] || f.Src != m.srcIP)
	}
	return f.Proto == protoTCP && isSYN(f) && f.Seq == m.seq
}

// learn records the source port (echo id) a forward packet carries, which a masquerade may have chosen.
func (m *probeMatcher) learn(f *summary.Packet) {
	if m.protocol == ProtocolICMP {
		m.ports[f.ICMPID] = true
	} else {
		m.ports[f.SrcPort] = true
	}
}

// reply says f is the answer to the probe (SYN-ACK or RST, echo reply, a UDP answer, an ICMP error
// quoting the probe).
func (m *probeMatcher) reply(f *summary.Packet) bool {
	if q := quotedDropped(f); q != nil {
		if m.protocol == ProtocolICMP {
			return q.Proto == protoICMP || q.Proto == protoICMPv6
		}
		return m.ports[q.SrcPort]
	}
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoReply(f) && f.ICMPSeq == m.echoSeq && m.ports[f.ICMPID]
	case ProtocolUDP:
		return f.Proto == protoUDP && m.ports[f.DstPort]
	}
	if f.Proto != protoTCP || !m.ports[f.DstPort] {
		return false
	}
	synAck := f.TCPFlags&(tcpSYN|tcpACK) == tcpSYN|tcpACK && (!m.keyed || f.Ack == m.seq+1)
	return synAck || f.TCPFlags&tcpRST != 0
}

// refusal says a reply is a refusal: a TCP reset or an ICMP error.
func refusal(f *summary.Packet) bool {
	return quotedDropped(f) != nil || (f.Proto == protoTCP && f.TCPFlags&tcpRST != 0)
}

// quotedDropped is the header an ICMP error quotes of a packet that was not delivered. An ICMPv4 redirect
// or source quench quotes one too, but the packet went on.
func quotedDropped(f *summary.Packet) *summary.Quoted {
	if f.Proto == protoICMP && (f.ICMPType == icmpSourceQuench || f.ICMPType == icmpRedirect) {
		return nil
	}
	return f.Quoted
}

// belongs says f is any packet of the probe's exchange, for the pcapng.
func (m *probeMatcher) belongs(f *summary.Packet) bool {
	switch m.protocol {
	case ProtocolICMP:
		return (m.isEchoRequest(f) || m.isEchoReply(f)) && f.ICMPSeq == m.echoSeq && m.ports[f.ICMPID] || m.reply(f)
	case ProtocolUDP:
		return (f.Proto == protoUDP && (m.ports[f.SrcPort] || m.ports[f.DstPort])) || m.reply(f)
	}
	return f.Proto == protoTCP && (m.ports[f.SrcPort] || m.ports[f.DstPort])
}

// matched is what matching found across all captures.
type matched struct {
	m       *probeMatcher
	packets [][]decodedPacket
	// first is the time the probe's packet was first seen anywhere.
	first time.Time
	// endpoint is the translated destination seen after a Service's DNAT.
	endpoint string
	// reply is the earliest reply seen, and whether it refused.
	replySeen, refused bool
	replyAt            time.Time
}

// matchProbe finds the probe's packets in the decoded captures.
func matchProbe(in *Input, packets [][]decodedPacket) *matched {
	m := newProbeMatcher(in.Protocol, in.SourceIP, in.SourcePort)
	mt := &matched{m: m, packets: packets}
	for _, p := range sortedByTime(packets) {
		if !m.keyed && m.candidate(&p.Packet) {
			m.key(&p.Packet)
		}
		if m.forward(&p.Packet) {
			m.learn(&p.Packet)
			if mt.first.IsZero() {
				mt.first = p.Time
			}
			if in.Service != nil && p.Dst != in.Service.ClusterIP && mt.endpoint == "" {
				mt.endpoint = hostPort(p.Dst, int(p.DstPort))
				if in.Protocol == ProtocolICMP {
					mt.endpoint = p.Dst.String()
				}
			}
		}
		if m.keyed && m.reply(&p.Packet) && !mt.replySeen {
			mt.replySeen, mt.replyAt, mt.refused = true, p.Time, refusal(&p.Packet)
		}
	}
	return mt
}

// annotate fills each capture hop's observation and marks the path the probe took.
func annotate(w *api.Walk, obs *Observation, mt *matched) {
	pointOf := map[[2]string]int{}
	for i, c := range obs.Captures {
		pointOf[[2]string{c.point.Node, c.point.Interface}] = i
	}
	for pi := range w.Paths {
		path := &w.Paths[pi]
		if mt.endpoint != "" && addrOnly(path.Endpoint) == addrOnly(mt.endpoint) {
			path.Chosen = true
		}
		for hi := range path.Hops {
			h := &path.Hops[hi]
			if h.Kind == api.HopServiceNAT && mt.endpoint != "" && h.Packet != nil {
				// The translation is seen by comparing the destination before and after it.
				h.Observed = &api.Observation{Seen: true, Packet: &api.HopPacket{Src: h.Packet.Src, Dst: mt.endpoint}}
			}
			if h.Capture == nil {
				continue
			}
			i, ok := pointOf[[2]string{h.Capture.Node, h.Capture.Interface}]
			if !ok {
				continue
			}
			h.Observed = observeHop(h, obs.Captures[i], mt.packets[i], mt)
		}
	}
	if len(w.Paths) == 1 && !mt.first.IsZero() {
		w.Paths[0].Chosen = true
	}
}

// observeHop is what one capture saw of the probe, as this hop expects it: the inner destination and,
// for an encapsulated packet, the outer destination must be the hop's.
func observeHop(h *api.Hop, pc pointCapture, packets []decodedPacket, mt *matched) *api.Observation {
	o := &api.Observation{Error: pc.err}
	if pc.err == "" && !pc.ready {
		o.Error = "tcpdump was not listening when the probe was sent"
	}
	var wantDst, wantOuter netip.Addr
	if h.Packet != nil {
		wantDst, wantOuter = addrOnly(h.Packet.Dst), addrOnly(h.Packet.OuterDst)
	}
	for _, p := range packets {
		f := &p.Packet
		if !mt.m.belongs(f) {
			continue
		}
		o.Packets++
		if mt.m.reply(f) {
			o.ReplySeen = true
		}
		if o.Seen || !mt.m.forward(f) {
			continue
		}
		if wantDst.IsValid() && f.Dst != wantDst {
			continue
		}
		if e, ok := outerTunnel(f); ok && wantOuter.IsValid() && e.Dst != wantOuter {
			continue
		}
		o.Seen = true
		o.Packet = observedPacket(f)
		if f.Src != mt.m.srcIP || (f.SrcPort != mt.m.sport && f.Proto != protoICMP && f.Proto != protoICMPv6) {
			o.Note = "source NAT (masquerade): the probe left the pod as " + endpointString(mt.m.srcIP, mt.m.sport, f.Proto) + " and is " + o.Packet.Src + " here"
		}
		if !mt.first.IsZero() {
			o.SinceFirst = "+" + formatDuration(p.Time.Sub(mt.first))
		}
	}
	return o
}

func observedPacket(f *summary.Packet) *api.HopPacket {
	hp := &api.HopPacket{Src: endpointString(f.Src, f.SrcPort, f.Proto), Dst: endpointString(f.Dst, f.DstPort, f.Proto)}
	if e, ok := outerTunnel(f); ok {
		hp.OuterSrc, hp.OuterDst = e.Src.String(), e.Dst.String()
		hp.Encapsulation = &api.PacketEncapsulation{Type: dataplane.DecodedType(e.Type), VNI: int(e.VNI), Port: int(e.DstPort)}
	}
	return hp
}

func endpointString(ip netip.Addr, port uint16, proto uint8) string {
	if proto != protoTCP && proto != protoUDP {
		return ip.String()
	}
	return netip.AddrPortFrom(ip, port).String()
}
