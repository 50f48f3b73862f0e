// Command gencap writes a synthetic but realistic `tcpdump -i any` capture of a Kubernetes node (LINUX_SLL2,
// full snap length) for hack/bench-summarize: many pod flows, cross-node ones seen three times (on the pod's
// cali veth, on vxlan.calico, and VXLAN-encapsulated on eth0, on UDP 4789 or 8472), same-node ones twice (on
// both pods' veths), TCP handshakes, MSS-sized and GRO-sized segments, ACKs, FINs, and DNS queries to a
// Service IP translated to a CoreDNS pod.
//
// Usage: gencap -o FILE -size BYTES [-seed N]
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

const (
	linkTypeSLL2  = 276
	sll2Len       = 20
	ethLen        = 14
	ipLen         = 20
	tcpLen        = 32 // with the timestamps option
	udpLen        = 8
	vxlanLen      = 8
	mss           = 1448
	localPods     = 48
	activeFlows   = 3000
	ifEth0        = 2
	ifVXLAN       = 3
	ifFirstVeth   = 10
	pktOutgoing   = 4
	pktHost       = 0
	dnsServiceIP  = 0x0a60000a // 10.96.0.10
	vxlanCalico   = 4789
	vxlanFlannel  = 8472
	nodeIP        = 0xc0a83102 // 192.168.49.2
	firstRemoteIP = 0xc0a83103
)

// maxExchanges bounds the data exchanges of a TCP connection (-max-exchanges).
var maxExchanges = 120

type flow struct {
	client, server         uint32 // pod IPs
	clientPort, serverPort uint16
	clientVeth, serverVeth uint32 // 0 when the pod is on another node
	remoteNode             uint32
	vxlanPort              uint16
	vni                    uint32
	seq                    [2]uint32
	ipID                   [2]uint16
	stage, left            int
	dns                    bool
	dnsServer              uint32
	name                   []byte
}

type gen struct {
	w       *bufio.Writer
	rng     *rand.Rand
	ts      time.Time
	written int64
	packets int64
	buf     []byte
	payload []byte
	rec     [16 + sll2Len]byte
}

func main() {
	out := flag.String("o", "", "output file")
	size := flag.Int64("size", 1<<30, "stop after this many bytes")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.IntVar(&maxExchanges, "max-exchanges", maxExchanges, "most data exchanges in one TCP connection (fewer: more, shorter flows)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gencap -o FILE -size BYTES [-seed N]")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	g := &gen{w: bufio.NewWriterSize(f, 1<<20), rng: rand.New(rand.NewPCG(*seed, 42)), ts: time.Unix(1767225600, 0),
		buf: make([]byte, 0, 1<<17), payload: make([]byte, 1<<17)}
	for i := range g.payload {
		g.payload[i] = byte(g.rng.IntN(256))
	}
	g.header()
	flows := make([]*flow, activeFlows)
	for i := range flows {
		flows[i] = g.newFlow()
	}
	for g.written < *size {
		i := g.rng.IntN(len(flows))
		if !g.step(flows[i]) {
			flows[i] = g.newFlow()
		}
	}
	err = g.w.Flush()
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(g.packets)
}

func (g *gen) header() {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], linkTypeSLL2)
	g.write(h)
}

func (g *gen) write(b []byte) {
	n, _ := g.w.Write(b)
	g.written += int64(n)
}

var dnsNames = [][]byte{
	[]byte("httpbin.default.svc.cluster.local"), []byte("kubernetes.default.svc.cluster.local"),
	[]byte("redis.cache.svc.cluster.local"), []byte("api.example.com"), []byte("httpbin.default.svc.cluster.local.cluster.local"),
}

func (g *gen) newFlow() *flow {
	r := g.rng
	fl := &flow{clientPort: uint16(32768 + r.IntN(28000)), seq: [2]uint32{r.Uint32(), r.Uint32()},
		ipID: [2]uint16{uint16(r.Uint32()), uint16(r.Uint32())}}
	pod := r.IntN(localPods)
	fl.client, fl.clientVeth = 0x0af40100|uint32(pod+2), uint32(ifFirstVeth+pod) // 10.244.1.x
	if r.IntN(100) < 15 {                                                        // same node
		other := (pod + 1 + r.IntN(localPods-1)) % localPods
		fl.server, fl.serverVeth = 0x0af40100|uint32(other+2), uint32(ifFirstVeth+other)
	} else {
		node := uint32(r.IntN(4))
		fl.server = 0x0af40000 | (node+2)<<8 | uint32(2+r.IntN(60)) // 10.244.(2..5).x
		fl.remoteNode = firstRemoteIP + node
		fl.vxlanPort, fl.vni = vxlanCalico, 4096
		if r.IntN(2) == 0 {
			fl.vxlanPort, fl.vni = vxlanFlannel, 1
		}
	}
	if r.IntN(100) < 12 { // a DNS lookup through the kube-dns Service, answered by one of two CoreDNS pods
		node := uint32(r.IntN(2))
		fl.server, fl.serverVeth, fl.remoteNode = 0x0af40203+node<<8, 0, firstRemoteIP+node // 10.244.2.3, 10.244.3.3
		fl.vxlanPort, fl.vni = vxlanCalico, 4096
		fl.dns, fl.serverPort, fl.dnsServer = true, 53, fl.server
		fl.name = dnsNames[r.IntN(len(dnsNames))]
		fl.left = 1 + r.IntN(2)
		return fl
	}
	fl.serverPort = []uint16{8080, 80, 443, 6379, 5432}[r.IntN(5)]
	fl.left = 1 + r.IntN(maxExchanges)
	return fl
}

// step emits the flow's next exchange and reports whether the flow goes on.
func (g *gen) step(fl *flow) bool {
	if fl.dns {
		g.dns(fl)
		fl.left--
		return fl.left > 0
	}
	const syn, ack, psh, fin = 0x02, 0x10, 0x08, 0x01
	switch fl.stage {
	case 0:
		g.tcp(fl, 0, syn, 0)
		g.tcp(fl, 1, syn|ack, 0)
		g.tcp(fl, 0, ack, 0)
		g.tcp(fl, 0, psh|ack, 80+g.rng.IntN(300)) // request
		fl.stage = 1
		return true
	case 1:
		if fl.left > 0 {
			fl.left--
			n := mss
			switch x := g.rng.IntN(100); {
			case x < 45:
				n = 60 + g.rng.IntN(600)
			case x < 50:
				n = mss * (3 + g.rng.IntN(20)) // a GRO super-packet
			}
			dir := 1
			if g.rng.IntN(5) == 0 {
				dir = 0
			}
			g.tcp(fl, dir, psh|ack, n)
			g.tcp(fl, 1-dir, ack, 0)
			return true
		}
		g.tcp(fl, 0, fin|ack, 0)
		g.tcp(fl, 1, fin|ack, 0)
		g.tcp(fl, 0, ack, 0)
		return false
	}
	return false
}

func (g *gen) tcp(fl *flow, dir, flags, n int) {
	b := g.inner(fl, dir, 6, tcpLen+n)
	t := b[ipLen:]
	sp, dp := fl.clientPort, fl.serverPort
	if dir == 1 {
		sp, dp = dp, sp
	}
	binary.BigEndian.PutUint16(t, sp)
	binary.BigEndian.PutUint16(t[2:], dp)
	binary.BigEndian.PutUint32(t[4:], fl.seq[dir])
	binary.BigEndian.PutUint32(t[8:], fl.seq[1-dir])
	t[12], t[13] = tcpLen/4<<4, byte(flags)
	binary.BigEndian.PutUint16(t[14:], 512)
	copy(t[20:], []byte{1, 1, 8, 10})
	binary.BigEndian.PutUint32(t[24:], uint32(g.ts.UnixMilli()))
	binary.BigEndian.PutUint32(t[28:], uint32(g.ts.UnixMilli()-1))
	off := g.rng.IntN(len(g.payload) - n)
	copy(t[tcpLen:], g.payload[off:off+n])
	fl.seq[dir] += uint32(n)
	if flags&0x03 != 0 {
		fl.seq[dir]++
	}
	g.emit(fl, dir, b)
}

func (g *gen) dns(fl *flow) {
	q := make([]byte, 0, 128)
	q = binary.BigEndian.AppendUint16(q, uint16(g.rng.Uint32()))
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0)
	for _, label := range splitDots(fl.name) {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	q = append(q, 0, 0, 1, 0, 1)
	// The query to the Service IP, seen on the pod's veth before DNAT; then to the CoreDNS pod.
	// Translation changes the address, not the IP identification: both sightings carry the same one.
	fl.serverPort = 53
	server := fl.server
	fl.server = dnsServiceIP
	g.emitUDP(fl, 0, q, true)
	fl.server = server
	fl.ipID[0]--
	g.emitUDP(fl, 0, q, false)
	r := append([]byte(nil), q...)
	r[2], r[3] = 0x81, 0x80
	if fl.name[len(fl.name)-1] == 'l' && len(fl.name) > 40 {
		r[3] = 0x83 // NXDOMAIN for the search-path name
	} else {
		r[7] = 1
		r = append(r, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, byte(g.rng.IntN(250)))
	}
	g.emitUDP(fl, 1, r, false)
	fl.server = dnsServiceIP
	fl.ipID[1]--
	g.emitUDP(fl, 1, r, true)
	fl.server = server
	fl.clientPort = uint16(32768 + g.rng.IntN(28000))
}

func splitDots(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '.' {
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}

// emitUDP writes a DNS datagram; preDNAT frames are only seen on the client's veth.
func (g *gen) emitUDP(fl *flow, dir int, payload []byte, preDNAT bool) {
	b := g.inner(fl, dir, 17, udpLen+len(payload))
	u := b[ipLen:]
	sp, dp := fl.clientPort, fl.serverPort
	if dir == 1 {
		sp, dp = dp, sp
	}
	binary.BigEndian.PutUint16(u, sp)
	binary.BigEndian.PutUint16(u[2:], dp)
	binary.BigEndian.PutUint16(u[4:], uint16(udpLen+len(payload)))
	copy(u[udpLen:], payload)
	if preDNAT {
		g.frame(fl.clientVeth, pktTypeFor(dir, true), b)
		return
	}
	if fl.serverVeth != 0 {
		g.frame(fl.serverVeth, pktTypeFor(dir, false), b)
		return
	}
	if dir == 1 {
		g.frame(ifEth0, pktTypeFor(dir, false), g.vxlan(fl, dir, b))
		g.frame(ifVXLAN, pktTypeFor(dir, false), b)
		return
	}
	g.frame(ifVXLAN, pktTypeFor(dir, false), b)
	g.frame(ifEth0, pktTypeFor(dir, false), g.vxlan(fl, dir, b))
}

func pktTypeFor(dir int, clientSide bool) byte {
	if (dir == 0) == clientSide {
		return pktHost // arriving from the pod
	}
	return pktOutgoing
}

// inner builds the pod's IPv4 header for a packet with an l4 segment of n bytes, returning the packet.
func (g *gen) inner(fl *flow, dir int, proto byte, n int) []byte {
	b := g.buf[sll2Len+ethLen+ipLen+udpLen+vxlanLen+ethLen : sll2Len+ethLen+ipLen+udpLen+vxlanLen+ethLen+ipLen+n]
	src, dst := fl.client, fl.server
	if dir == 1 {
		src, dst = dst, src
	}
	ipHeader(b, ipLen+n, fl.ipID[dir], proto, 64, src, dst)
	fl.ipID[dir]++
	return b
}

func ipHeader(b []byte, total int, id uint16, proto, ttl byte, src, dst uint32) {
	b[0], b[1] = 0x45, 0
	binary.BigEndian.PutUint16(b[2:], uint16(min(total, 65535)))
	binary.BigEndian.PutUint16(b[4:], id)
	b[6], b[7], b[8], b[9] = 0x40, 0, ttl, proto
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint32(b[12:], src)
	binary.BigEndian.PutUint32(b[16:], dst)
	var sum uint32
	for i := 0; i < ipLen; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum))
}

// emit writes a pod packet wherever an -i any capture on the node sees it, in the order it passes them.
func (g *gen) emit(fl *flow, dir int, pkt []byte) {
	client := func() { g.frame(fl.clientVeth, pktTypeFor(dir, true), pkt) }
	server := func() {
		if fl.serverVeth != 0 {
			g.frame(fl.serverVeth, pktTypeFor(dir, false), pkt)
			return
		}
		if dir == 1 {
			g.frame(ifEth0, pktTypeFor(dir, false), g.vxlan(fl, dir, pkt))
			g.frame(ifVXLAN, pktTypeFor(dir, false), pkt)
			return
		}
		g.frame(ifVXLAN, pktTypeFor(dir, false), pkt)
		g.frame(ifEth0, pktTypeFor(dir, false), g.vxlan(fl, dir, pkt))
	}
	if dir == 0 {
		client()
		server()
	} else {
		server()
		client()
	}
}

// vxlan wraps the pod packet (which sits in g.buf right after room for the outer headers) in Ethernet,
// VXLAN, UDP and the nodes' IPv4 header. The cooked header stands for eth0's own Ethernet header.
func (g *gen) vxlan(fl *flow, dir int, pkt []byte) []byte {
	start := sll2Len + ethLen
	b := g.buf[start : start+ipLen+udpLen+vxlanLen+ethLen+len(pkt)]
	outer := b
	src, dst := uint32(nodeIP), fl.remoteNode
	if dir == 1 {
		src, dst = dst, src
	}
	ipHeader(outer, ipLen+udpLen+vxlanLen+ethLen+len(pkt), uint16(g.rng.Uint32()), 17, 64, src, dst)
	u := outer[ipLen:]
	binary.BigEndian.PutUint16(u, 32768|fl.clientPort^fl.serverPort)
	binary.BigEndian.PutUint16(u[2:], fl.vxlanPort)
	binary.BigEndian.PutUint16(u[4:], uint16(udpLen+vxlanLen+ethLen+len(pkt)))
	u[6], u[7] = 0, 0
	v := u[udpLen:]
	v[0], v[1], v[2], v[3] = 0x08, 0, 0, 0
	v[4], v[5], v[6], v[7] = byte(fl.vni>>16), byte(fl.vni>>8), byte(fl.vni), 0
	copy(v[vxlanLen:], []byte{0x66, 0, 0, 0, 0, 2, 0x66, 0, 0, 0, 0, 1, 0x08, 0})
	return b
}

// frame writes one SLL2 record around data, which must be a suffix region of g.buf with room before it.
func (g *gen) frame(ifindex uint32, pktType byte, data []byte) {
	g.ts = g.ts.Add(time.Duration(2000+g.rng.IntN(6000)) * time.Nanosecond)
	rec := g.rec[:]
	n := sll2Len + len(data)
	binary.LittleEndian.PutUint32(rec, uint32(g.ts.Unix()))
	binary.LittleEndian.PutUint32(rec[4:], uint32(g.ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(rec[8:], uint32(n))
	binary.LittleEndian.PutUint32(rec[12:], uint32(n))
	h := rec[16:]
	binary.BigEndian.PutUint16(h, 0x0800)
	binary.BigEndian.PutUint32(h[4:], ifindex)
	binary.BigEndian.PutUint16(h[8:], 1)
	h[10], h[11] = pktType, 6
	copy(h[12:], []byte{0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0, 0})
	g.write(rec)
	g.write(data)
	g.packets++
}
