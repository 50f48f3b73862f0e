package summary

import (
	"net"
)

// The tables below gather facts for the notes. Each is bounded; what does not fit is counted.

const (
	maxARPEntries   = 1024
	maxICMPEntries  = 512
	maxDNSNames     = 4096
	maxDNATPairs    = 1024
	maxSynProblems  = 512
	maxAskers       = 4
	maxARPAnswerers = 4
)

type arpEntry struct {
	ip        addr
	requests  int64
	replies   int64
	macs      [maxARPAnswerers]net.HardwareAddr
	nmacs     int
	askers    [maxAskers]addr
	nAskers   int
	firstSeen int64
}

type arpTable struct {
	index    map[addr]int32
	entries  []arpEntry
	overflow int64
}

func (t *arpTable) entry(ip addr, ts int64) *arpEntry {
	if i, ok := t.index[ip]; ok {
		return &t.entries[i]
	}
	if len(t.entries) >= maxARPEntries {
		t.overflow++
		return nil
	}
	if t.index == nil {
		t.index = map[addr]int32{}
	}
	t.index[ip] = int32(len(t.entries))
	t.entries = append(t.entries, arpEntry{ip: ip, firstSeen: ts})
	return &t.entries[len(t.entries)-1]
}

func (t *arpTable) add(f *frame) {
	switch f.arpOp {
	case 1: // who-has dst tell src
		e := t.entry(f.dst, f.ts)
		if e == nil {
			return
		}
		e.requests++
		for _, a := range e.askers[:e.nAskers] {
			if a == f.src {
				return
			}
		}
		if e.nAskers < maxAskers && f.src != f.dst {
			e.askers[e.nAskers] = f.src
			e.nAskers++
		}
	case 2: // src is-at mac
		e := t.entry(f.src, f.ts)
		if e == nil {
			return
		}
		e.replies++
		for _, m := range e.macs[:e.nmacs] {
			if string(m) == string(f.arpSenderMAC[:]) {
				return
			}
		}
		if e.nmacs < maxARPAnswerers {
			e.macs[e.nmacs] = append(net.HardwareAddr(nil), f.arpSenderMAC[:]...)
			e.nmacs++
		}
	}
}

type icmpKey struct {
	v6             bool
	typ, code      uint8
	reporter       addr
	qsrc, qdst     addr
	qproto         uint8
	qsport, qdport uint16
	mtu            uint32
}

type icmpTable struct {
	index    map[icmpKey]int32
	keys     []icmpKey
	counts   []int64
	overflow int64
}

func (t *icmpTable) add(f *frame) {
	k := icmpKey{v6: f.net == netIPv6, typ: f.icmpType, code: f.icmpCode, reporter: f.src, mtu: f.mtu}
	if q := f.quoted; q.ok {
		k.qsrc, k.qdst, k.qproto, k.qsport, k.qdport = q.src, q.dst, q.proto, q.sport, q.dport
	}
	if i, ok := t.index[k]; ok {
		t.counts[i]++
		return
	}
	if len(t.keys) >= maxICMPEntries {
		t.overflow++
		return
	}
	if t.index == nil {
		t.index = map[icmpKey]int32{}
	}
	t.index[k] = int32(len(t.keys))
	t.keys = append(t.keys, k)
	t.counts = append(t.counts, 1)
}

type dnsEntry struct {
	name      string
	qtype     uint16
	queries   int64
	responses int64
	rcodes    [16]int64
}

// dnsTable counts DNS questions by name and type. It is keyed by a hash of the name so that looking a name
// up never turns its bytes into a string; a string is made once, for a new name.
type dnsTable struct {
	index    map[uint64]int32
	entries  []dnsEntry
	overflow int64
}

func (t *dnsTable) add(f *frame) int32 {
	if len(f.dnsName) == 0 {
		return -1
	}
	h := mixBytes(uint64(f.dnsType), f.dnsName, maxDNSName+1)
	i, ok := t.index[h]
	if ok && (t.entries[i].name != string(f.dnsName) || t.entries[i].qtype != f.dnsType) {
		return -1 // a hash collision: too rare to be worth a second table
	}
	if !ok {
		if len(t.entries) >= maxDNSNames {
			t.overflow++
			return -1
		}
		if t.index == nil {
			t.index = map[uint64]int32{}
		}
		i = int32(len(t.entries))
		t.index[h] = i
		t.entries = append(t.entries, dnsEntry{name: string(f.dnsName), qtype: f.dnsType})
	}
	e := &t.entries[i]
	if f.dnsResponse {
		e.responses++
		e.rcodes[f.dnsRCode&0x0f]++
	} else {
		e.queries++
	}
	return i
}

type errorCount struct {
	layer   string
	count   int64
	example string
	first   int64
}

// decodeErrors counts frames by the layer their decoding stopped at. Layer names are static strings from
// gopacket or this package; error messages are only turned into strings for the first frame of each layer.
type decodeErrors struct {
	list []errorCount
}

func (d *decodeErrors) add(f *frame) {
	for i := range d.list {
		if d.list[i].layer == f.errLayer {
			d.list[i].count++
			return
		}
	}
	d.list = append(d.list, errorCount{layer: f.errLayer, count: 1, example: f.err.Error(), first: f.number})
}

type dnatKey struct {
	proto      uint8
	original   endpoint
	translated endpoint
}

type dnatPair struct {
	client      addr
	clients     map[addr]struct{}
	connections int64
}

// maxDNATClients bounds the distinct clients counted per translation.
const maxDNATClients = 64

func (p *dnatPair) addClient(a addr) {
	if len(p.clients) < maxDNATClients {
		p.clients[a] = struct{}{}
	}
}

// natSlot remembers the first packet of a recent flow by its client side, to find the same packet again
// after a destination translation.
type natSlot struct {
	client  endpoint
	proto   uint8
	sig     uint64
	server  endpoint
	flowIdx int32
	flowID  uint64
	ts      int64
}

const natBits = 12

type natIndex [1 << natBits]natSlot
