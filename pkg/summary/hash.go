package summary

import "encoding/binary"

// mix folds v into the hash h (a multiply-xorshift step: cheap, and good enough to spread signatures over
// a direct-mapped cache).
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>29
}

func mixAddr(h uint64, a addr) uint64 {
	return mix(mix(h, binary.LittleEndian.Uint64(a[:8])), binary.LittleEndian.Uint64(a[8:]))
}

// mixBytes folds up to limit bytes of b into h, eight at a time.
func mixBytes(h uint64, b []byte, limit int) uint64 {
	if len(b) > limit {
		b = b[:limit]
	}
	for len(b) >= 8 {
		h = mix(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail uint64
	for i, c := range b {
		tail |= uint64(c) << (8 * i)
	}
	return mix(h, tail|uint64(len(b))<<56)
}

// observationPoint identifies where a packet was captured: the capture interface, the node's ifindex from a
// cooked header, and the tunnel headers around the packet there, the same for both directions of a flow (the
// outer addresses in either order, the tunnel's own port but not the per-flow source port). Two sightings of
// one packet at different points are copies, not retransmissions.
func observationPoint(f *frame) uint64 {
	h := mix(uint64(f.iface)+1, uint64(f.ifIndex))
	for i := range f.tunnels[:f.nTunnels] {
		t := &f.tunnels[i]
		port := uint64(t.dport)
		if t.typ == tunnelWireGuard { // peers talk port to port
			port = uint64(min(t.sport, t.dport))<<16 | uint64(max(t.sport, t.dport))
		}
		h = mix(h, uint64(t.typ)<<56|uint64(t.vni)<<32|port)
		lo, hi := t.src, t.dst
		if lessEndpoint(hi, 0, lo, 0) {
			lo, hi = hi, lo
		}
		h = mixAddr(mixAddr(h, lo), hi)
	}
	return h
}

// sightingPoint refines the observation point with the direction an `-i any` capture records: on a loopback
// interface every packet is captured twice, once outgoing and once incoming.
func sightingPoint(point uint64, f *frame) uint64 {
	if f.hasPktType && f.pktType == pktTypeOutgoing {
		point = mix(point, 0x6f7574)
	}
	return point | 1 // never 0, which marks an unused seqPoint
}

// packetSignature identifies one packet wherever it is seen: its innermost addresses, ports and IP
// identification, its transport header without checksum, and the start of its payload. Routing changes the
// TTL and checksum but none of these; a retransmission changes the IP identification or TCP timestamp.
func packetSignature(f *frame) uint64 {
	h := mixAddr(mixAddr(uint64(f.proto), f.src), f.dst)
	h = mix(h, uint64(f.sport)<<48|uint64(f.dport)<<32|uint64(f.ipID)<<16|uint64(f.ipLen&0xffff))
	if f.proto == protoTCP && len(f.tcpHeader) >= 20 {
		th := f.tcpHeader
		h = mix(h, binary.LittleEndian.Uint64(th[4:12]))          // seq, ack
		h = mix(h, uint64(binary.LittleEndian.Uint32(th[12:16]))) // offset, flags, window
		h = mixBytes(h, th[20:], 24)                              // options: timestamps, SACK
	} else {
		h = mix(h, uint64(f.icmpType)<<8|uint64(f.icmpCode))
	}
	return mixBytes(h, f.payload, 16)
}

const (
	dedupBits = 14
	// copyWindow is how far apart two sightings of one packet may be. Copies are microseconds apart; the
	// window only has to be short enough that a reused signature is not taken for a copy.
	copyWindow = int64(2e9)
)

type dedupSlot struct {
	sig, point uint64
	ts         int64
}

// dedupCache remembers recent packet signatures, direct-mapped: a collision only forgets an older packet.
type dedupCache [1 << dedupBits]dedupSlot

// isCopy reports whether the packet was seen moments ago at another point, and remembers it otherwise.
func (c *dedupCache) isCopy(sig, point uint64, ts int64) bool {
	s := &c[sig&(1<<dedupBits-1)]
	if s.sig == sig && s.point != point && ts-s.ts < copyWindow && s.ts-ts < copyWindow {
		return true
	}
	*s = dedupSlot{sig: sig, point: point, ts: ts}
	return false
}
