package summary

import (
	"encoding/binary"
	"io"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestMemoryStaysBounded feeds far more flows than the table holds, as a long capture of short connections
// would, and checks that the heap stays within the memory goal: with the table full, while reporting, and
// while writing the JSON.
func TestMemoryStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 600,000 packets; skipped with -short")
	}
	const flows = 200000
	const goal = 64 << 20
	syn := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 1, dport: 8080, flags: tcpSYN, seq: 1}.plain(t, 19)
	synAck := tcpSeg{src: "10.244.2.7", dst: "10.244.1.5", sport: 8080, dport: 1, flags: tcpSYN | tcpACK, seq: 1, ack: 2}.plain(t, 19)
	ack := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 1, dport: 8080, flags: tcpACK, seq: 2, ack: 2,
		payload: []byte("GET /delay/1 HTTP/1.1\r\n\r\n")}.plain(t, 19)
	// As the summarize command does: a soft limit keeps the heap near what is live.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	s := New(Options{})
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1700000000, 0), nil)
	var peak uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	for i := range flows {
		// Each flow from its own client address and port; the IP checksum is not checked by the summarizer.
		for j, pkt := range [][]byte{syn, synAck, ack} {
			ipOff := sll2HeaderLen
			src, tcpPort := ipOff+12, ipOff+20
			if j == 1 {
				src, tcpPort = ipOff+16, ipOff+22
			}
			binary.BigEndian.PutUint16(pkt[src+2:], uint16(i))
			binary.BigEndian.PutUint16(pkt[tcpPort:], uint16(1024+i%60000))
			p.Data, p.CaptureLength, p.Length = pkt, len(pkt), len(pkt)
			p.Timestamp = p.Timestamp.Add(time.Microsecond)
			s.AddPacket(p)
		}
		if i%20000 == 0 {
			sample()
		}
	}
	sample()
	r := s.Report()
	sample()
	if err := WriteJSON(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	sample()
	ft := r.Capture.FlowTable
	if ft.Flows != flows || ft.Evicted+ft.Dropped != flows-DefaultMaxFlows || len(r.Flows) < DefaultMaxFlows {
		t.Errorf("flow table %+v, %d flows reported", ft, len(r.Flows))
	}
	t.Logf("peak heap in use %.1f MB for %d flows through a table of %d", float64(peak)/(1<<20), flows, DefaultMaxFlows)
	if peak > goal {
		t.Errorf("peak heap in use %.1f MB, over %d MB", float64(peak)/(1<<20), goal>>20)
	}
}

// TestInterfaceCountsAreBounded: an `-i any` capture with a new ifindex in every frame keeps at most
// maxInterfaceCounts interfaces, and counts the frames at the others.
func TestInterfaceCountsAreBounded(t *testing.T) {
	const ifindexes = 100000
	frame := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 1, dport: 8080, flags: tcpSYN, seq: 1}.plain(t, 19)
	s := New(Options{})
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1700000000, 0), frame)
	for i := range ifindexes {
		binary.BigEndian.PutUint32(frame[4:], uint32(1000+i))
		s.AddPacket(p)
	}
	r := s.ReportTop(0)
	if n := len(r.Capture.Interfaces); n != maxInterfaceCounts || r.Capture.OtherInterfacePackets != ifindexes-maxInterfaceCounts {
		t.Errorf("%d interfaces listed and %d frames at others, want %d and %d", n, r.Capture.OtherInterfacePackets,
			maxInterfaceCounts, ifindexes-maxInterfaceCounts)
	}
	if len(notesOf(r, "eviction")) == 0 {
		t.Errorf("no note says interfaces were left out: %+v", r.Notes)
	}
}

// TestMemoryLimitCoversTheLiveHeap: with --max-flows raised, the soft memory limit stays above the live heap
// of a full table and its report; under it the garbage collector would run without pause.
func TestMemoryLimitCoversTheLiveHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a table of 100,000 flows; skipped with -short")
	}
	const flows = 100000
	syn := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 1, dport: 8080, flags: tcpSYN, seq: 1}.plain(t, 19)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	s := New(Options{MaxFlows: flows})
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1700000000, 0), syn)
	for i := range flows {
		binary.BigEndian.PutUint32(syn[sll2HeaderLen+12:], uint32(0x0a000000+i))
		s.AddPacket(p)
	}
	r := s.Report()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if limit := MemoryLimit(flows); limit < live*3/2 {
		t.Errorf("memory limit %.1f MB for %d flows, live heap %.1f MB: the limit must stay well above it", float64(limit)/1e6, flows, float64(live)/1e6)
	}
	runtime.KeepAlive(r)
	runtime.KeepAlive(s)
}
