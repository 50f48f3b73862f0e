package summary

import (
	"github.com/gopacket/gopacket/layers"
)

// observe adds an IP packet to its flow.
func (s *Summarizer) observe(f *frame) {
	s.frags.join(f)
	key, dir := keyOf(f)
	i, ok := s.flows.index[key]
	if !ok {
		i = s.newFlow(key, f, dir)
	}
	fl := s.flows.at(i)
	if f.ts > fl.last {
		fl.last = f.ts
	}
	s.flows.touch(i, s.counts.packets)

	// Packets and bytes are counted at each observation point; the report takes each direction's counts from
	// the point that saw the most, as offloads may split a packet at one point and not at another.
	point := observationPoint(f)
	if o := s.observation(fl, point, f, dir == int(fl.client)); o != nil {
		o.packets[dir]++
		o.bytes[dir] += int64(f.ipTotal)
	} else {
		fl.untracked[dir]++
	}
	// Events (SYNs, resets, requests, queries) are counted once per packet: not again for a copy of it seen
	// at another point.
	sighting := sightingPoint(point, f)
	copied := s.dedup.isCopy(packetSignature(f), sighting, f.ts)
	if copied {
		s.counts.copies++
	} else {
		s.counts.unique++
	}
	if (f.fragment || f.firstFrag) && !copied {
		fl.fragments++
	}
	if f.fragment {
		return
	}
	if f.proto == protoTCP && f.hasTCPFlags {
		s.tcpSegment(fl, f, dir, sighting, copied)
	}
	if copied {
		return
	}
	if f.httpRequest != nil || f.httpStatus != 0 {
		fl.addHTTP(f)
	}
	if f.isDNS {
		s.dnsMessage(fl, f)
	}
	if !fl.done && fl.finished() {
		s.flowDone(i)
	}
}

func (s *Summarizer) newFlow(key flowKey, f *frame, dir int) int32 {
	if s.flows.full() {
		s.makeRoom(f.ts)
	}
	s.counts.flowsSeen++
	i := s.flows.add(key, f.ts)
	fl := s.flows.at(i)
	client, guessed := roles(f, dir)
	fl.client, fl.guessed = int8(client), guessed
	s.matchDNAT(i, fl, f, dir)
	return i
}

// roles says which direction the client sends in, from the flow's first packet: a SYN, a SYN-ACK, an echo
// request or reply, a DNS query or response. Otherwise the first sender is the client, unless it sent from
// the lower port (a reply: the capture began mid-flow); for TCP without a handshake that is a guess.
func roles(f *frame, dir int) (client int, guessed bool) {
	switch {
	case f.proto == protoTCP && f.hasTCPFlags && f.tcpFlags&(tcpSYN|tcpACK) == tcpSYN:
		return dir, false
	case f.proto == protoTCP && f.hasTCPFlags && f.tcpFlags&(tcpSYN|tcpACK) == tcpSYN|tcpACK:
		return 1 - dir, false
	case f.proto == protoICMP && f.icmpType == layers.ICMPv4TypeEchoReply,
		f.proto == protoICMPv6 && f.icmpType == layers.ICMPv6TypeEchoReply:
		return 1 - dir, false
	case f.isDNS && f.dnsResponse:
		return 1 - dir, false
	case f.isDNS, !f.hasPorts:
		return dir, false
	case f.sport < f.dport:
		return 1 - dir, true
	}
	return dir, f.proto == protoTCP
}

// observation finds the flow's counters at an observation point, adding the point (and interning its tunnel
// headers, oriented from the client's side) the first time the flow is seen there. It returns nil when the
// flow has been seen at too many points.
func (s *Summarizer) observation(fl *flow, point uint64, f *frame, toServer bool) *observation {
	for j := range fl.obs[:fl.nobs] {
		if fl.obs[j].point == point {
			return &fl.obs[j]
		}
	}
	if int(fl.nobs) == maxObservations {
		return nil
	}
	o := &fl.obs[fl.nobs]
	*o = observation{point: point, iface: int32(f.iface), ifIndex: f.ifIndex, chain: s.intern(f, toServer), first: f.ts}
	fl.nobs++
	return o
}

// counts returns a direction's packets and bytes, from the observation point that saw the most bytes, and
// how many more sightings the other points had.
func (fl *flow) counts(dir int) (packets, bytes, extra int64) {
	var total int64
	for _, o := range fl.obs[:fl.nobs] {
		n := int64(o.packets[dir])
		total += n
		if o.bytes[dir] > bytes || (o.bytes[dir] == bytes && n < packets) {
			packets, bytes = n, o.bytes[dir]
		}
	}
	return packets, bytes, total - packets + fl.untracked[dir]
}

// maxChains bounds the distinct tunnel chains kept; beyond it, a chain is kept with its tunnel types only.
const maxChains = 4096

// intern keeps the tunnel headers of a new observation point once for all the flows that share them. The
// per-flow parts are left out: a UDP tunnel's source port (entropy from the inner flow's hash) and, for
// WireGuard, whose outer flow is the flow itself, both ports.
func (s *Summarizer) intern(f *frame, toServer bool) int32 {
	var c tunnelChain
	c.n = f.nTunnels
	copy(c.tunnels[:], f.tunnels[:f.nTunnels])
	for j := range c.tunnels[:c.n] {
		t := &c.tunnels[j]
		t.sport = 0
		if t.typ == tunnelWireGuard {
			t.dport = 0
		}
		if !toServer {
			t.src, t.dst = t.dst, t.src
		}
	}
	if i, ok := s.chainIdx[c]; ok {
		return i
	}
	if len(s.chains) >= maxChains {
		for j := range c.tunnels[:c.n] {
			c.tunnels[j] = tunnel{typ: c.tunnels[j].typ}
		}
		if i, ok := s.chainIdx[c]; ok {
			return i
		}
	}
	i := int32(len(s.chains))
	s.chains = append(s.chains, c)
	s.chainIdx[c] = i
	return i
}

// seqLE compares TCP sequence numbers modulo 2^32.
func seqLE(a, b uint32) bool { return int32(a-b) <= 0 }

func (s *Summarizer) tcpSegment(fl *flow, f *frame, dir int, sighting uint64, copied bool) {
	flags := f.tcpFlags
	switch {
	case flags&(tcpSYN|tcpACK) == tcpSYN:
		fl.syn[dir] = true
		if !copied {
			fl.syns++
		}
		if fl.guessed {
			fl.client, fl.guessed = int8(dir), false
		}
	case flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK:
		fl.synAck[dir] = true
		if fl.guessed {
			fl.client, fl.guessed = int8(1-dir), false
		}
	case flags&tcpACK != 0 && !fl.established && fl.syn[dir] && fl.synAck[1-dir]:
		fl.established = true
	}
	if flags&tcpRST != 0 {
		fl.rst[dir] = true
		if !copied {
			fl.resets++
		}
	}
	if flags&tcpFIN != 0 {
		fl.fin[dir] = true
	}

	// A retransmission is a segment whose sequence range was already seen at the same sighting point.
	hdr := 20
	if len(f.tcpHeader) >= 20 {
		hdr = len(f.tcpHeader)
	}
	n := uint32(max(f.l4Len-hdr, 0))
	if flags&tcpSYN != 0 {
		n++
	}
	if flags&tcpFIN != 0 {
		n++
	}
	if n == 0 {
		return
	}
	end := f.seq + n
	sp := fl.seqPoint(dir, sighting)
	switch {
	case sp.point == 0:
		*sp = seqPoint{point: sighting, end: end}
	case seqLE(end, sp.end):
		sp.retrans++
	default:
		sp.end = end
	}
}

// retransmissions counts a flow's retransmitted segments: in each direction, at the sighting point that saw
// the fewest. Every point on the path sees each retransmission, but offloads may split a super-packet into
// segments at one point and not at another; the least split view is the sender's.
func (fl *flow) retransmissions() int64 {
	var n int64
	for dir := range fl.seqPoints {
		least := int64(-1)
		for _, sp := range fl.seqPoints[dir] {
			if sp.point != 0 && (least < 0 || int64(sp.retrans) < least) {
				least = int64(sp.retrans)
			}
		}
		n += max(least, 0)
	}
	return n
}

func (fl *flow) seqPoint(dir int, point uint64) *seqPoint {
	pts := &fl.seqPoints[dir]
	for j := range pts {
		if pts[j].point == point {
			return &pts[j]
		}
	}
	for j := range pts {
		if pts[j].point == 0 {
			return &pts[j]
		}
	}
	pts[maxSeqPoints-1] = seqPoint{}
	return &pts[maxSeqPoints-1]
}

func (fl *flow) addHTTP(f *frame) {
	if f.httpRequest != nil {
		fl.requests++
		if fl.firstRequest == "" {
			fl.firstRequest = string(f.httpRequest)
		}
		return
	}
	code := uint16(f.httpStatus)
	for j := range fl.statuses {
		st := &fl.statuses[j]
		if st.code == code || st.code == 0 {
			st.code = code
			st.count++
			return
		}
	}
	fl.otherStatus++
}

func (s *Summarizer) dnsMessage(fl *flow, f *frame) {
	i := s.dns.add(f)
	if fl.dnsName < 0 {
		fl.dnsName = i
	}
	if f.dnsResponse {
		fl.dnsReply++
		fl.dnsRCode = f.dnsRCode
	} else {
		fl.dnsQueries++
	}
}

// finished reports a flow that has ended by itself: TCP closed or reset, DNS answered.
func (fl *flow) finished() bool {
	if fl.key.proto == protoTCP {
		return fl.fin[0] && fl.fin[1] || fl.rst[0] || fl.rst[1]
	}
	return fl.dnsQueries > 0 && fl.dnsReply >= fl.dnsQueries
}

// flowDone marks a flow done and tells OnFlowDone.
func (s *Summarizer) flowDone(i int32) {
	fl := s.flows.at(i)
	if fl.done {
		return
	}
	fl.done = true
	s.flows.markDone(i)
	if s.opts.OnFlowDone != nil {
		s.opts.OnFlowDone(s.apiFlow(fl))
	}
}

// sweepIdle reports the flows that have seen no packet for the idle timeout as done.
func (s *Summarizer) sweepIdle(now int64) {
	for t := s.flows.activeTail; t != noFlow; t = s.flows.activeTail {
		if now-s.flows.at(t).last < s.idle {
			return
		}
		s.flowDone(t)
	}
}

// makeRoom removes one flow from the full table: the oldest done flow, else the least recently seen.
func (s *Summarizer) makeRoom(now int64) {
	i := s.flows.doneTail
	if i != noFlow {
		s.counts.evicted++
	} else {
		i = s.flows.activeTail
		if now-s.flows.at(i).last >= s.idle {
			s.counts.evicted++
		} else {
			s.counts.dropped++
		}
		s.flowDone(i)
	}
	s.retire(s.flows.at(i))
	s.flows.remove(i)
}

// matchDNAT looks for the same client packet seen moments ago addressed to another server: a destination
// translation (a Service's cluster IP to an endpoint) seen on one node. Matched on the client's address,
// port and protocol, and on what translation leaves alone: the TCP sequence number, the IP identification and
// the start of the payload.
func (s *Summarizer) matchDNAT(i int32, fl *flow, f *frame, dir int) {
	if !f.hasPorts || (f.proto != protoTCP && f.proto != protoUDP) || int(fl.client) != dir {
		return
	}
	if f.proto == protoTCP && f.tcpFlags&(tcpSYN|tcpACK) != tcpSYN {
		return
	}
	client, server := endpoint{f.src, f.sport}, endpoint{f.dst, f.dport}
	sig := mix(mix(uint64(f.seq), uint64(f.ipID)), uint64(f.l4Len))
	sig = mixBytes(sig, f.payload, 16)
	h := mix(mixAddr(uint64(f.proto), client.ip), uint64(client.port))
	slot := &s.nat[h&(1<<natBits-1)]
	if slot.client == client && slot.proto == f.proto && slot.sig == sig && slot.server != server &&
		f.ts-slot.ts < copyWindow && slot.ts-f.ts < copyWindow {
		if other := s.flows.at(slot.flowIdx); other.id == slot.flowID {
			if f.ts < slot.ts {
				// Captures of several interfaces are not always written in time order (dumpcap, merged files).
				s.pairDNAT(fl, server, other, slot.server, f)
			} else {
				s.pairDNAT(other, slot.server, fl, server, f)
			}
			return
		}
	}
	*slot = natSlot{client: client, proto: f.proto, sig: sig, server: server, flowIdx: i, flowID: fl.id, ts: f.ts}
}

// pairDNAT links two flows across a translation, the earlier first. The original side is the one addressed to
// a Service name, or else the earlier one: a packet meets its translation after the pod's veth.
func (s *Summarizer) pairDNAT(first *flow, firstServer endpoint, second *flow, secondServer endpoint, f *frame) {
	orig, origServer, trans, transServer := first, firstServer, second, secondServer
	if s.names.isService(secondServer.ip) && !s.names.isService(firstServer.ip) {
		orig, origServer, trans, transServer = second, secondServer, first, firstServer
	}
	orig.natPeerID, orig.natOriginal, orig.natPeer = trans.id, true, transServer
	trans.natPeerID, trans.natOriginal, trans.natPeer = orig.id, false, origServer
	k := dnatKey{proto: f.proto, original: origServer, translated: transServer}
	if p, ok := s.dnat[k]; ok {
		p.connections++
		p.addClient(f.src)
		return
	}
	if len(s.dnat) >= maxDNATPairs {
		s.dnatOut++
		return
	}
	p := &dnatPair{client: f.src, clients: map[addr]struct{}{}, connections: 1}
	p.addClient(f.src)
	s.dnat[k] = p
}
