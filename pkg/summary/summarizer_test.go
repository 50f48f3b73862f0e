package summary

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// feed hands SLL2 frames to a summarizer, one millisecond apart.
type feed struct {
	s  *Summarizer
	ts time.Time
}

func newFeed(opts Options) *feed {
	return &feed{s: New(opts), ts: time.Unix(1700000000, 0)}
}

func (f *feed) add(data []byte) {
	f.ts = f.ts.Add(time.Millisecond)
	f.s.AddPacket(packetOf(layers.LinkTypeLinuxSLL2, f.ts, data))
}

func onlyFlow(t *testing.T, s api.Summary) api.Flow {
	t.Helper()
	if len(s.Flows) != 1 {
		t.Fatalf("%d flows, want 1: %+v", len(s.Flows), s.Flows)
	}
	return s.Flows[0]
}

// TestCopiesAreNotRetransmissions: a segment seen on the veth and again VXLAN-encapsulated on eth0 is one
// segment; the same segment seen again on the veth is a retransmission.
func TestCopiesAreNotRetransmissions(t *testing.T) {
	client, server := "10.244.1.5", "10.244.2.7"
	syn := tcpSeg{src: client, dst: server, sport: 40000, dport: 8080, flags: tcpSYN, seq: 100, ipID: 1}
	synAck := tcpSeg{src: server, dst: client, sport: 8080, dport: 40000, flags: tcpSYN | tcpACK, seq: 500, ack: 101}
	ack := tcpSeg{src: client, dst: server, sport: 40000, dport: 8080, flags: tcpACK, seq: 101, ack: 501, ipID: 2}
	data := tcpSeg{src: client, dst: server, sport: 40000, dport: 8080, flags: tcpACK | tcpPSH, seq: 101, ack: 501, ipID: 3,
		payload: []byte("GET /status/200 HTTP/1.1\r\n\r\n")}
	again := data
	again.ipID = 9 // a retransmission is a new IP packet

	f := newFeed(Options{})
	for _, seg := range []tcpSeg{syn, synAck, ack, data} {
		f.add(seg.plain(t, 19))
		f.add(seg.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
	}
	fl := onlyFlow(t, f.s.Report())
	if fl.TCP.Retransmissions != 0 || fl.Copies != 4 || fl.ClientToServer.Packets != 3 || fl.ServerToClient.Packets != 1 ||
		fl.TCP.SYNs != 1 || fl.HTTP.Requests != 1 || !fl.TCP.HandshakeCompleted {
		t.Fatalf("each segment seen twice: %+v tcp %+v http %+v", fl, fl.TCP, fl.HTTP)
	}

	f.add(again.plain(t, 19))
	f.add(again.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
	fl = onlyFlow(t, f.s.Report())
	if fl.TCP.Retransmissions != 1 || fl.Copies != 5 || fl.ClientToServer.Packets != 4 || fl.HTTP.Requests != 2 {
		t.Errorf("after a retransmission seen at both points: %+v tcp %+v", fl, fl.TCP)
	}
	if c := f.s.Report().Capture; c.Packets != 10 || c.UniquePackets != 5 || c.Copies != 5 {
		t.Errorf("capture counts %+v", c)
	}
}

// TestLoopbackSeenLeavingAndArriving: when an -i any capture records a packet on one interface both outgoing
// and incoming, the second sighting is a copy, not a retransmission.
func TestLoopbackSeenLeavingAndArriving(t *testing.T) {
	seg := tcpSeg{src: "127.0.0.1", dst: "127.0.0.1", sport: 45000, dport: 8080, flags: tcpACK | tcpPSH, seq: 1, ack: 1,
		payload: []byte("hello")}
	out := seg.plain(t, 1)
	out[10] = pktTypeOutgoing
	f := newFeed(Options{})
	f.add(out)
	f.add(seg.plain(t, 1))
	fl := onlyFlow(t, f.s.Report())
	if fl.TCP.Retransmissions != 0 || fl.Copies != 0 || fl.ClientToServer.Packets != 2 {
		// One observation point (lo), two sightings of the packet there: the counters take both (they are what
		// the interface carried), but neither is a retransmission.
		t.Errorf("%+v tcp %+v", fl, fl.TCP)
	}
	if c := f.s.Report().Capture; c.Copies != 1 {
		t.Errorf("capture counts %+v", c)
	}
}

func TestDNATPairPrefersTheServiceName(t *testing.T) {
	svc := netip.MustParseAddr("10.96.12.34")
	for _, order := range []string{"service first", "endpoint first"} {
		t.Run(order, func(t *testing.T) {
			toSvc := tcpSeg{src: "10.244.1.5", dst: "10.96.12.34", sport: 41000, dport: 80, flags: tcpSYN, seq: 777, ipID: 5}
			toPod := toSvc
			toPod.dst, toPod.dport = "10.244.2.7", 8080
			f := newFeed(Options{Names: Names{svc: "svc default/httpbin"}})
			if order == "service first" {
				f.add(toSvc.plain(t, 19))
				f.add(toPod.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
			} else {
				f.add(toPod.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
				f.add(toSvc.plain(t, 19))
			}
			r := f.s.Report()
			if len(r.DNAT) != 1 {
				t.Fatalf("DNAT pairs %+v", r.DNAT)
			}
			p := r.DNAT[0]
			if p.Original.IP != "10.96.12.34" || p.Original.Port != 80 || p.Original.Name != "svc default/httpbin" ||
				p.Translated.IP != "10.244.2.7" || p.Translated.Port != 8080 || p.Client.IP != "10.244.1.5" || p.Connections != 1 {
				t.Errorf("pair %+v", p)
			}
		})
	}
	// A different ISN is a different connection, not the same packet translated.
	f := newFeed(Options{})
	a := tcpSeg{src: "10.244.1.5", dst: "10.96.12.34", sport: 41000, dport: 80, flags: tcpSYN, seq: 1}
	b := a
	b.dst, b.dport, b.seq = "10.244.2.7", 8080, 2
	f.add(a.plain(t, 19))
	f.add(b.plain(t, 19))
	if r := f.s.Report(); len(r.DNAT) != 0 {
		t.Errorf("unrelated SYNs paired: %+v", r.DNAT)
	}
}

func TestFlowTableIsBounded(t *testing.T) {
	var done []api.Flow
	f := newFeed(Options{MaxFlows: 4, OnFlowDone: func(fl api.Flow) { done = append(done, fl) }})
	// Ten closed connections, then ten that stay open.
	for i := range 20 {
		c := tcpSeg{src: "10.0.0.1", dst: "10.0.0.2", sport: uint16(30000 + i), dport: 80, seq: 1, ack: 1}
		s := tcpSeg{src: "10.0.0.2", dst: "10.0.0.1", sport: 80, dport: uint16(30000 + i), seq: 1, ack: 1}
		c.flags, s.flags = tcpSYN, tcpSYN|tcpACK
		f.add(c.plain(t, 3))
		f.add(s.plain(t, 3))
		if i < 10 {
			c.flags, s.flags = tcpFIN|tcpACK, tcpFIN|tcpACK
			f.add(c.plain(t, 3))
			f.add(s.plain(t, 3))
		}
	}
	r := f.s.Report()
	ft := r.Capture.FlowTable
	if ft.Flows != 20 || ft.Evicted+ft.Dropped != 16 || ft.Dropped != 6 || ft.Evicted != 10 {
		t.Errorf("flow table %+v", ft)
	}
	// The 10 closed ones finished, and the 6 open ones pushed out were done too.
	if len(done) != 16 {
		t.Errorf("OnFlowDone called %d times", len(done))
	}
	for _, fl := range done[:10] {
		if fl.State != api.FlowStateClosed || !fl.Done {
			t.Errorf("finished flow reported as %s", fl.State)
		}
	}
	// The report keeps the flows in the table and the retained ones, and says what happened.
	if len(r.Flows) != 20 {
		t.Errorf("%d flows in the report", len(r.Flows))
	}
	if n := notesOf(r, api.NoteEviction); len(n) != 1 || !strings.Contains(n[0], "10 finished or idle flows evicted, 6 active flows dropped") {
		t.Errorf("eviction notes %q", n)
	}
}

func TestIdleFlowsAreDone(t *testing.T) {
	var done []api.Flow
	s := New(Options{IdleTimeout: time.Second, OnFlowDone: func(fl api.Flow) { done = append(done, fl) }})
	seg := tcpSeg{src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80, flags: tcpACK, seq: 1, ack: 1, payload: []byte("x")}
	other := seg
	other.sport = 4321
	t0 := time.Unix(1700000000, 0)
	s.AddPacket(packetOf(layers.LinkTypeLinuxSLL2, t0, seg.plain(t, 1)))
	// The sweep runs every 8192 packets.
	for i := range 8192 {
		s.AddPacket(packetOf(layers.LinkTypeLinuxSLL2, t0.Add(2*time.Second+time.Duration(i)), other.plain(t, 1)))
	}
	if len(done) != 1 || done[0].Client.Port != 1234 || !done[0].RolesGuessed {
		t.Errorf("done flows %+v", done)
	}
}

func TestReadLinksFormats(t *testing.T) {
	one := `{"apiVersion":"packetwalk.dev/v1alpha1","kind":"NodeNetwork","node":"n1","dataplane":"calico","links":[{"index":4,"name":"cali35e3a5cb80b"}]}`
	for name, tc := range map[string]struct {
		in    string
		nodes int
		err   string
	}{
		"one object": {one, 1, ""},
		"array":      {"[" + one + "," + strings.Replace(one, `"n1"`, `"n2"`, 1) + "]", 2, ""},
		"list":       {`{"apiVersion":"v1","kind":"List","items":[` + one + `]}`, 1, ""},
		"empty":      {" ", 0, "empty"},
		"not json":   {"eth0: <UP>", 0, "not JSON"},
		"other json": {`{"hello":"world"}`, 0, "neither a node nor links"},
	} {
		nodes, err := ReadLinks(strings.NewReader(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", name, err, tc.err)
			}
			continue
		}
		if err != nil || len(nodes) != tc.nodes || nodes[0].Links[0].Name != "cali35e3a5cb80b" {
			t.Errorf("%s: %+v, %v", name, nodes, err)
		}
	}
}

// TestInterfaceNames: an -i any capture's ifindexes are named from the node's links, with the pod behind a
// pod's host peer; pcapng interfaces carry their own names, with the node in front.
func TestInterfaceNames(t *testing.T) {
	links := []api.NodeNetwork{{Node: "kb-node1", Links: []api.Link{{Index: 2, Name: "eth0"}, {Index: 19, Name: "cali35e3a5cb80b"}},
		Pods: []api.PodAttachment{{Pod: api.PodRef{Namespace: "default", Name: "curl"}, IPs: []string{"10.244.1.5"},
			HostInterface: "cali35e3a5cb80b", HostIfIndex: 19}}}}
	seg := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 40000, dport: 8080, flags: tcpSYN, seq: 1}
	f := newFeed(Options{Links: links})
	f.s.AddInterface(pcapread.Interface{LinkType: layers.LinkTypeLinuxSLL2, Name: "kb-node1/any"})
	f.add(seg.plain(t, 19))
	f.add(seg.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
	f.add(seg.vxlan(t, 7, "192.168.49.2", "192.168.49.3", 4789, 4096))
	fl := onlyFlow(t, f.s.Report())
	want := []string{"cali35e3a5cb80b (default/curl)", "eth0 vxlan vni 4096 192.168.49.2 → 192.168.49.3 udp/4789",
		"ifindex 7 vxlan vni 4096 192.168.49.2 → 192.168.49.3 udp/4789"}
	if got := interfaces(fl); strings.Join(got, "|") != strings.Join(want, "|") || fl.Client.Name != "default/curl" {
		t.Errorf("observations %q, client %+v", got, fl.Client)
	}
}

func pcapStream(t *testing.T, pkts ...[]byte) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], uint32(layers.LinkTypeLinuxSLL2))
	b.Write(h)
	for i, p := range pkts {
		r := make([]byte, 16)
		binary.LittleEndian.PutUint32(r, 1700000000)
		binary.LittleEndian.PutUint32(r[4:], uint32(i))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(p)))
		binary.LittleEndian.PutUint32(r[12:], uint32(len(p)))
		b.Write(r)
		b.Write(p)
	}
	return b.Bytes()
}

func TestReadStreamEnds(t *testing.T) {
	seg := tcpSeg{src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, flags: tcpSYN}
	stream := pcapStream(t, seg.plain(t, 1), seg.plain(t, 2))

	t.Run("truncated", func(t *testing.T) {
		s := New(Options{})
		err := s.ReadStream(context.Background(), bytes.NewReader(stream[:len(stream)-3]))
		r := s.Report()
		if !errors.Is(err, pcapread.ErrTruncated) || !r.Capture.Truncated || r.Capture.Packets != 1 ||
			len(notesOf(r, api.NoteCapture)) == 0 {
			t.Errorf("error %v, capture %+v, notes %+v", err, r.Capture, r.Notes)
		}
	})
	t.Run("not a capture", func(t *testing.T) {
		err := New(Options{}).ReadStream(context.Background(), strings.NewReader("<html>"))
		if !errors.Is(err, pcapread.ErrUnknownFormat) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("cancelled while a pipe blocks", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() { _, _ = pw.Write(stream) }() // and never close: a live capture
		ctx, cancel := context.WithCancel(context.Background())
		s := New(Options{})
		errc := make(chan error, 1)
		go func() { errc <- s.ReadStream(ctx, pr) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) || s.Report().Capture.Packets != 2 {
				t.Errorf("error %v, %d packets", err, s.Report().Capture.Packets)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("ReadStream did not return after its context was cancelled")
		}
	})
	t.Run("two streams", func(t *testing.T) {
		s := New(Options{})
		for range 2 {
			if err := s.ReadStream(context.Background(), bytes.NewReader(stream)); err != nil {
				t.Fatal(err)
			}
		}
		if r := s.Report(); r.Capture.Packets != 4 || len(r.Capture.Interfaces) != 4 {
			t.Errorf("capture %+v", r.Capture)
		}
	})
}

// TestAddPacketDoesNotAllocate covers the hot path: packets of flows that already exist.
func TestAddPacketDoesNotAllocate(t *testing.T) {
	segs := benchSegments(t)
	s := New(Options{})
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1700000000, 0), nil)
	i := 0
	add := func() {
		p.Data = segs[i%len(segs)]
		p.CaptureLength, p.Length = len(p.Data), len(p.Data)
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		s.AddPacket(p)
		i++
	}
	for range 2 * len(segs) {
		add()
	}
	if n := testing.AllocsPerRun(2000, add); n != 0 {
		t.Errorf("%.2f allocations per packet", n)
	}
}

// benchSegments is the packet mix of an -i any node capture: a pod-to-pod TCP flow seen plain on the veth and
// VXLAN-encapsulated on eth0, a DNS query and answer, an HTTP request.
func benchSegments(t testing.TB) [][]byte {
	var out [][]byte
	for i := range 32 {
		seg := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: uint16(40000 + i%8), dport: 8080, flags: tcpACK,
			seq: uint32(1000 * i), ack: 1, ipID: uint16(i), payload: bytes.Repeat([]byte{byte(i)}, 1000)}
		if i%16 == 0 {
			seg.payload = []byte("GET /status/200 HTTP/1.1\r\nHost: httpbin\r\n\r\n")
		}
		out = append(out, seg.plain(t, 19), seg.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096))
	}
	return out
}

// BenchmarkAddPacket measures the whole per-packet path: decode, flow lookup, copies, TCP state.
func BenchmarkAddPacket(b *testing.B) {
	segs := benchSegments(b)
	s := New(Options{})
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1700000000, 0), nil)
	var total int64
	for _, seg := range segs {
		total += int64(len(seg))
	}
	b.SetBytes(total / int64(len(segs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Data = segs[i%len(segs)]
		p.CaptureLength, p.Length = len(p.Data), len(p.Data)
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		s.AddPacket(p)
	}
}
