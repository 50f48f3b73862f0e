package summary

// flowKey is a flow's innermost 5-tuple in canonical order: (a, pa) sorts before (b, pb).
type flowKey struct {
	a, b   addr
	pa, pb uint16
	proto  uint8
}

func lessEndpoint(a addr, pa uint16, b addr, pb uint16) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return pa < pb
}

// keyOf returns the frame's flow key and the direction of the packet: 0 when it goes from a to b.
func keyOf(f *frame) (flowKey, int) {
	sport, dport := f.sport, f.dport
	if !f.hasPorts {
		sport, dport = 0, 0
	}
	if lessEndpoint(f.dst, dport, f.src, sport) {
		return flowKey{a: f.dst, b: f.src, pa: dport, pb: sport, proto: f.proto}, 1
	}
	return flowKey{a: f.src, b: f.dst, pa: sport, pb: dport, proto: f.proto}, 0
}

const (
	maxObservations = 4
	maxSeqPoints    = 3
	maxStatusCodes  = 4
	noFlow          = -1
	chunkBits       = 10
	chunkSize       = 1 << chunkBits
)

// observation counts the packets and bytes of a flow seen at one point, in each direction.
type observation struct {
	point   uint64
	iface   int32
	ifIndex uint32
	chain   int32 // index into Summarizer.chains
	packets [2]uint32
	bytes   [2]int64
	first   int64 // timestamp of the first packet seen there
}

// seqPoint is the highest sequence number seen in one direction at one sighting point, and the segments
// seen again there.
type seqPoint struct {
	point   uint64 // 0: unused (sightingPoint never returns 0)
	end     uint32
	retrans uint32
}

type statusCount struct {
	code  uint16
	count int64
}

// flow is one entry of the flow table. Directions are indexed 0 (a to b) and 1 (b to a).
type flow struct {
	key         flowKey
	id          uint64
	first, last int64
	client      int8 // the direction the client sends in; -1 while unknown
	guessed     bool
	done        bool
	fragments   int64
	icmpErrors  int64
	obs         [maxObservations]observation
	nobs        int8
	// untracked counts packets at observation points beyond maxObservations, per direction.
	untracked [2]int64

	// TCP
	syn, synAck, fin, rst [2]bool
	established           bool
	syns, resets          int64
	seqPoints             [2][maxSeqPoints]seqPoint

	// HTTP
	requests     int64
	firstRequest string
	statuses     [maxStatusCodes]statusCount
	otherStatus  int64

	// DNS: the first question of the flow and how many queries and responses it had.
	dnsName              int32 // index into Summarizer.dns, -1 for none
	dnsQueries, dnsReply int64
	dnsRCode             uint8

	// DNAT: the flow on the other side of a translation.
	natPeerID   uint64
	natOriginal bool
	natPeer     endpoint

	// intrusive list links: the active list (most recently seen first) or the done list; touched is the
	// capture's packet count when the flow last moved to the front.
	prev, next int32
	inDone     bool
	touched    int64
}

type endpoint struct {
	ip   addr
	port uint16
}

// flowTable is a bounded table of flows, stored in chunks so that it grows without copying, with two lists:
// active flows by recency and done flows by completion. When it is full the oldest done flow makes room,
// else the least recently seen active flow.
type flowTable struct {
	max    int
	index  map[flowKey]int32
	chunks [][]flow
	free   []int32
	used   int
	nextID uint64

	activeHead, activeTail int32
	doneHead, doneTail     int32
}

func newFlowTable(maxFlows int) *flowTable {
	return &flowTable{max: maxFlows, index: make(map[flowKey]int32, min(maxFlows, 4096)),
		activeHead: noFlow, activeTail: noFlow, doneHead: noFlow, doneTail: noFlow}
}

func (t *flowTable) at(i int32) *flow { return &t.chunks[i>>chunkBits][i&(chunkSize-1)] }

func (t *flowTable) full() bool { return t.used >= t.max }

// add inserts a new flow; the table must not be full.
func (t *flowTable) add(k flowKey, ts int64) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i, t.free = t.free[n-1], t.free[:n-1]
	} else {
		total := len(t.chunks) * chunkSize
		if t.used == total {
			t.chunks = append(t.chunks, make([]flow, chunkSize))
		}
		i = int32(t.used)
	}
	t.used++
	t.nextID++
	f := t.at(i)
	*f = flow{key: k, id: t.nextID, first: ts, last: ts, client: -1, dnsName: -1}
	t.index[k] = i
	t.pushFront(i, false)
	return i
}

// remove deletes a flow from the table.
func (t *flowTable) remove(i int32) {
	f := t.at(i)
	t.unlink(i)
	delete(t.index, f.key)
	f.id = 0
	t.free = append(t.free, i)
	t.used--
}

// touchEvery is how many packets may pass before a flow that keeps being seen is moved to the front of the
// active list again: moving it on every packet would write to its neighbours' entries each time, and the list
// only needs to be right to within a moment for idle sweeps and eviction.
const touchEvery = 4096

// touch moves an active flow to the front of the active list, at most once every touchEvery packets.
func (t *flowTable) touch(i int32, packet int64) {
	f := t.at(i)
	if f.inDone || packet-f.touched < touchEvery {
		return
	}
	f.touched = packet
	if t.activeHead == i {
		return
	}
	t.unlink(i)
	t.pushFront(i, false)
}

// markDone moves a flow to the done list.
func (t *flowTable) markDone(i int32) {
	if t.at(i).inDone {
		return
	}
	t.unlink(i)
	t.pushFront(i, true)
}

func (t *flowTable) pushFront(i int32, done bool) {
	head, tail := &t.activeHead, &t.activeTail
	if done {
		head, tail = &t.doneHead, &t.doneTail
	}
	f := t.at(i)
	f.inDone, f.prev, f.next = done, noFlow, *head
	if *head != noFlow {
		t.at(*head).prev = i
	}
	*head = i
	if *tail == noFlow {
		*tail = i
	}
}

func (t *flowTable) unlink(i int32) {
	f := t.at(i)
	head, tail := &t.activeHead, &t.activeTail
	if f.inDone {
		head, tail = &t.doneHead, &t.doneTail
	}
	if f.prev != noFlow {
		t.at(f.prev).next = f.next
	} else {
		*head = f.next
	}
	if f.next != noFlow {
		t.at(f.next).prev = f.prev
	} else {
		*tail = f.prev
	}
	f.prev, f.next = noFlow, noFlow
}

// each calls fn for every flow in the table.
func (t *flowTable) each(fn func(*flow)) {
	for _, i := range t.index {
		fn(t.at(i))
	}
}
