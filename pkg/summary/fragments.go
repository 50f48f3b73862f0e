package summary

// fragSlots bounds the fragment table: it only has to hold the datagrams being fragmented at one moment.
const fragSlots = 1024

// fragTable remembers the ports of first fragments, so that the later fragments of the same datagram, which
// carry no transport header, count in the first one's flow instead of a flow of their own without ports.
// It is direct-mapped: a datagram whose slot was taken by another before its later fragments came falls back
// to a flow without ports.
type fragTable struct {
	slots [fragSlots]fragEntry
}

type fragEntry struct {
	src, dst     addr
	id           uint32
	proto        uint8
	used         bool
	sport, dport uint16
}

func (t *fragTable) slot(f *frame) *fragEntry {
	h := mixAddr(mixAddr(uint64(f.fragID)<<8|uint64(f.proto), f.src), f.dst)
	return &t.slots[h%fragSlots]
}

// join gives a later fragment the ports of its datagram's first fragment, and remembers a first fragment's.
func (t *fragTable) join(f *frame) {
	switch {
	case f.firstFrag && f.hasPorts:
		*t.slot(f) = fragEntry{src: f.src, dst: f.dst, id: f.fragID, proto: f.proto, used: true, sport: f.sport, dport: f.dport}
	case f.fragment:
		e := t.slot(f)
		if e.used && e.id == f.fragID && e.proto == f.proto && e.src == f.src && e.dst == f.dst {
			f.hasPorts, f.sport, f.dport = true, e.sport, e.dport
		}
	}
}
