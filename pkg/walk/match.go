package walk

import (
	"net/netip"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// probeMatcher recognises the probe's packets in any capture, inside encapsulations, after DNAT and after
// masquerading: by the source port the probe chose and, once its first packet is seen, by what NAT keeps
// (the TCP sequence number, the IP ID of a datagram, the ICMP echo sequence). Source ports a masquerade
// gave the probe are learned as they are seen, so the rest of the exchange is recognised too.
type probeMatcher struct {
	protocol string
	srcIP    netip.Addr
	sport    int
	// The first forward packet's identity.
	keyed           bool
	seq             uint32
	ipID            uint16
	echoID, echoSeq uint16
	// ports are the probe's source ports (or echo ids): its own and those a masquerade chose.
	ports map[int]bool
}

func newProbeMatcher(protocol string, src netip.Addr, sport int) *probeMatcher {
	return &probeMatcher{protocol: protocol, srcIP: src, sport: sport, ports: map[int]bool{sport: true}}
}

func (m *probeMatcher) isEchoRequest(f *frame) bool {
	return (f.proto == protoICMP && f.icmpType == 8) || (f.proto == protoICMPv6 && f.icmpType == 128)
}

func (m *probeMatcher) isEchoReply(f *frame) bool {
	return (f.proto == protoICMP && f.icmpType == 0) || (f.proto == protoICMPv6 && f.icmpType == 129)
}

// candidate says f may be the probe's first packet: the right protocol and source port (ICMP: an echo
// request from the source address).
func (m *probeMatcher) candidate(f *frame) bool {
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoRequest(f) && f.src == m.srcIP
	case ProtocolUDP:
		return f.proto == protoUDP && f.sport == m.sport
	}
	return f.proto == protoTCP && f.sport == m.sport && isSYN(f)
}

func isSYN(f *frame) bool { return f.tcpFlags&tcpSYN != 0 && f.tcpFlags&tcpACK == 0 }

// key fixes the probe's identity from its first packet.
func (m *probeMatcher) key(f *frame) {
	m.keyed = true
	m.seq, m.ipID, m.echoID, m.echoSeq = f.seq, f.ipID, f.icmpID, f.icmpSeq
	if m.protocol == ProtocolICMP {
		m.ports[int(f.icmpID)] = true
	}
}

// forward says f is the probe's packet on its way to the destination, whatever its source port became.
func (m *probeMatcher) forward(f *frame) bool {
	if !m.keyed {
		return m.candidate(f)
	}
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoRequest(f) && f.icmpSeq == m.echoSeq && (f.icmpID == m.echoID || f.ipID == m.ipID)
	case ProtocolUDP:
		return f.proto == protoUDP && f.ipID == m.ipID && (f.sport == m.sport || m.ports[f.sport] || f.src != m.srcIP)
	}
	return f.proto == protoTCP && isSYN(f) && f.seq == m.seq
}

// learn records the source port (echo id) a forward packet carries, which a masquerade may have chosen.
func (m *probeMatcher) learn(f *frame) {
	if m.protocol == ProtocolICMP {
		m.ports[int(f.icmpID)] = true
	} else {
		m.ports[f.sport] = true
	}
}

// reply says f is the answer to the probe (SYN-ACK or RST, echo reply, a UDP answer, an ICMP error
// quoting the probe).
func (m *probeMatcher) reply(f *frame) bool {
	if q := f.quoted; q != nil {
		if m.protocol == ProtocolICMP {
			return q.proto == protoICMP || q.proto == protoICMPv6
		}
		return m.ports[q.sport]
	}
	switch m.protocol {
	case ProtocolICMP:
		return m.isEchoReply(f) && f.icmpSeq == m.echoSeq && m.ports[int(f.icmpID)]
	case ProtocolUDP:
		return f.proto == protoUDP && m.ports[f.dport]
	}
	if f.proto != protoTCP || !m.ports[f.dport] {
		return false
	}
	synAck := f.tcpFlags&(tcpSYN|tcpACK) == tcpSYN|tcpACK && (!m.keyed || f.ack == m.seq+1)
	return synAck || f.tcpFlags&tcpRST != 0
}

// refusal says a reply is a refusal: a TCP reset or an ICMP error.
func refusal(f *frame) bool {
	return f.quoted != nil || (f.proto == protoTCP && f.tcpFlags&tcpRST != 0)
}

// belongs says f is any packet of the probe's exchange, for the pcapng.
func (m *probeMatcher) belongs(f *frame) bool {
	switch m.protocol {
	case ProtocolICMP:
		return (m.isEchoRequest(f) || m.isEchoReply(f)) && f.icmpSeq == m.echoSeq && m.ports[int(f.icmpID)] || m.reply(f)
	case ProtocolUDP:
		return (f.proto == protoUDP && (m.ports[f.sport] || m.ports[f.dport])) || m.reply(f)
	}
	return f.proto == protoTCP && (m.ports[f.sport] || m.ports[f.dport])
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
	firstAtSource      time.Time
}

// matchProbe finds the probe's packets in the decoded captures.
func matchProbe(in *Input, packets [][]decodedPacket) *matched {
	m := newProbeMatcher(in.Protocol, in.SourceIP, in.SourcePort)
	mt := &matched{m: m, packets: packets}
	for _, p := range sortedByTime(packets) {
		if !m.keyed && m.candidate(&p.frame) {
			m.key(&p.frame)
		}
		if m.forward(&p.frame) {
			m.learn(&p.frame)
			if mt.first.IsZero() {
				mt.first = p.ts
			}
			if in.Service != nil && p.dst != in.Service.ClusterIP && mt.endpoint == "" {
				mt.endpoint = hostPort(p.dst, p.dport)
				if in.Protocol == ProtocolICMP {
					mt.endpoint = p.dst.String()
				}
			}
		}
		if m.keyed && m.reply(&p.frame) && !mt.replySeen {
			mt.replySeen, mt.replyAt, mt.refused = true, p.ts, refusal(&p.frame)
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
		f := &p.frame
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
		if wantDst.IsValid() && f.dst != wantDst {
			continue
		}
		if e, ok := f.outer(); ok && wantOuter.IsValid() && e.dst != wantOuter {
			continue
		}
		o.Seen = true
		o.Packet = observedPacket(f)
		if f.src != mt.m.srcIP || (f.sport != mt.m.sport && f.proto != protoICMP && f.proto != protoICMPv6) {
			o.Note = "source NAT (masquerade): the probe left the pod as " + endpointString(mt.m.srcIP, mt.m.sport, f.proto) + " and is " + o.Packet.Src + " here"
		}
		if !mt.first.IsZero() {
			o.SinceFirst = "+" + formatDuration(p.ts.Sub(mt.first))
		}
	}
	return o
}

func observedPacket(f *frame) *api.HopPacket {
	hp := &api.HopPacket{Src: endpointString(f.src, f.sport, f.proto), Dst: endpointString(f.dst, f.dport, f.proto)}
	if e, ok := f.outer(); ok {
		hp.OuterSrc, hp.OuterDst = e.src.String(), e.dst.String()
		hp.Encapsulation = &api.PacketEncapsulation{Type: e.typ, VNI: e.vni, Port: e.dport}
	}
	return hp
}

func endpointString(ip netip.Addr, port int, proto uint8) string {
	if proto != protoTCP && proto != protoUDP {
		return ip.String()
	}
	return netip.AddrPortFrom(ip, uint16(port)).String()
}

// vxlanPortsOf lists the UDP ports of the walk's VXLAN hops, so the decoder opens non-standard ones.
func vxlanPortsOf(w *api.Walk) []int {
	var ports []int
	for _, p := range w.Paths {
		for _, h := range p.Hops {
			if h.Packet != nil && h.Packet.Encapsulation != nil && h.Packet.Encapsulation.Type == "VXLAN" && h.Packet.Encapsulation.Port != 0 {
				ports = append(ports, h.Packet.Encapsulation.Port)
			}
		}
	}
	return ports
}
