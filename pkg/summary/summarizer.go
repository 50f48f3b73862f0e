// Package summary turns a packet capture into what a person wants to know about it: the flows (by their
// innermost 5-tuple, whatever tunnels carried them and wherever they were seen), their TCP state, HTTP and
// DNS, and the problems: MTU, unanswered SYNs, resets, retransmissions, ICMP errors, ARP, Service DNAT.
//
// It reads a pcap or pcapng stream (offline: `kubectl packetwalk summarize`, live: `capture --summary`) in
// bounded memory, without allocating per packet on the hot path.
package summary

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// Defaults for Options.
const (
	DefaultMaxFlows    = 16384
	DefaultIdleTimeout = 2 * time.Minute
)

// Options configure a Summarizer. The zero value is usable.
type Options struct {
	// VXLANPorts are UDP ports to decode as VXLAN in addition to 4789 and 8472.
	VXLANPorts []uint16
	// MaxFlows bounds the flow table (DefaultMaxFlows when 0). When it is full, the oldest finished flow, or
	// else the least recently seen one, makes room; the report counts them.
	MaxFlows int
	// IdleTimeout is how long, in capture time, a flow may see no packet before it is reported done
	// (DefaultIdleTimeout when 0).
	IdleTimeout time.Duration
	// Links are the nodes' link tables and pods (`kubectl packetwalk node -o json`): they name the interface
	// indexes of Linux cooked captures and the pods' IPs.
	Links []api.NodeNetwork
	// Names names IP addresses, e.g. a Service's cluster IP as "svc default/httpbin". They take precedence
	// over the pod names from Links.
	Names Names
	// OnFlowDone, if set, is called once for each flow when it finishes (FIN both ways, RST, DNS answered),
	// goes idle, or is pushed out of a full table, on the goroutine that called ReadStream or AddPacket.
	// Flows still open at the end are only in Report.
	OnFlowDone func(api.Flow)
}

// Names maps IP addresses to what they are known as.
type Names map[netip.Addr]string

// Summarizer accumulates packets into a summary. It is not safe for concurrent use: call Report after the
// packets are in.
type Summarizer struct {
	opts     Options
	idle     int64
	dec      *decoder
	frame    frame
	flows    *flowTable
	dedup    *dedupCache
	frags    *fragTable
	nat      *natIndex
	names    *resolver
	chains   []tunnelChain
	chainIdx map[tunnelChain]int32

	arp       arpTable
	icmp      icmpTable
	dns       dnsTable
	errs      decodeErrors
	undecoded undecodedLinks
	dnat      map[dnatKey]*dnatPair
	dnatOut   int64
	retired   retiredFlows

	ifaces   []pcapread.Interface
	ifIndex  map[ifKey]int32 // into ifCounts
	ifKeys   []ifKey
	ifCounts []int64
	ifCache  [4][256]int32 // ifCounts index + 1 for small interface numbers and ifindexes
	ifOther  int64         // frames at interfaces beyond maxInterfaceCounts
	format   pcapread.Format
	readErr  error
	counts   counters
	lastTS   int64
}

type counters struct {
	packets, bytes, unique, copies, nonIP, cut, malformed, skipped int64
	first, last                                                    int64
	haveTime                                                       bool
	clampedTimes                                                   int64
	flowsSeen, evicted, dropped                                    int64
}

type ifKey struct {
	iface   int
	ifIndex uint32
}

// tunnelChain is the tunnel headers of one observation point, interned so that flows refer to it by index.
type tunnelChain struct {
	n       int
	tunnels [maxTunnels]tunnel
}

// New returns a Summarizer.
func New(opts Options) *Summarizer {
	if opts.MaxFlows <= 0 {
		opts.MaxFlows = DefaultMaxFlows
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	return &Summarizer{
		opts:     opts,
		idle:     int64(opts.IdleTimeout),
		dec:      newDecoder(opts.VXLANPorts),
		flows:    newFlowTable(opts.MaxFlows),
		dedup:    new(dedupCache),
		frags:    new(fragTable),
		nat:      new(natIndex),
		names:    newResolver(opts.Links, opts.Names),
		chainIdx: map[tunnelChain]int32{},
		dnat:     map[dnatKey]*dnatPair{},
		ifIndex:  map[ifKey]int32{},
	}
}

// ReadStream reads a pcap or pcapng stream (the format is told by its magic) until its end or until ctx is
// done, and returns nil at a clean end, ctx.Err() when ctx ended it, or the reading error (wrapping
// pcapread.ErrTruncated or pcapread.ErrCorrupt). Report includes everything read either way. When ctx is
// done and r is an io.Closer, r is closed so that a blocked read returns.
//
// Reading and decoding run on one goroutine and the flow accounting on the calling one, so that a summary
// uses two cores. ReadStream may be called again for another stream: its interfaces are numbered after the
// earlier ones.
func (s *Summarizer) ReadStream(ctx context.Context, r io.Reader) error {
	if c, ok := r.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		defer stop()
	}
	rd, err := pcapread.NewReader(r)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.readErr = err
		return fmt.Errorf("reading capture: %w", err)
	}
	s.format = rd.Format()
	p := newPipeline()
	go s.produce(ctx, rd, len(s.ifaces), p)
	for b := range p.full {
		s.ifaces = append(s.ifaces, b.ifaces...)
		for i := range b.frames[:b.n] {
			s.accountFrame(&b.frames[i])
		}
		if b.last {
			s.counts.skipped += int64(b.skipped)
			switch {
			case b.err == nil || errors.Is(b.err, io.EOF):
				return nil
			case ctx.Err() != nil:
				return ctx.Err()
			}
			s.readErr = b.err
			return fmt.Errorf("reading capture: %w", b.err)
		}
		p.free <- b
	}
	return nil
}

// AddInterface declares a capture interface for AddPacket and returns its number, for callers that hand
// packets over one by one. Packets naming an undeclared interface are still summarized.
func (s *Summarizer) AddInterface(iface pcapread.Interface) int {
	s.ifaces = append(s.ifaces, iface)
	return len(s.ifaces) - 1
}

// AddPacket summarizes one packet. p.Data is not kept after the call.
func (s *Summarizer) AddPacket(p *pcapread.Packet) {
	s.dec.decode(p, &s.frame)
	s.accountFrame(&s.frame)
}

func (s *Summarizer) accountFrame(f *frame) {
	s.counts.packets++
	f.number = s.counts.packets
	if f.ts == 0 { // a pcapng simple packet block has no timestamp
		f.ts = s.lastTS
	}
	s.account(f)
}

func (s *Summarizer) account(f *frame) {
	c := &s.counts
	if !c.haveTime || f.ts < c.first {
		c.first = f.ts
	}
	if !c.haveTime || f.ts > c.last {
		c.last = f.ts
	}
	c.haveTime = true
	if f.tsClamped {
		c.clampedTimes++
	}
	s.lastTS = f.ts
	c.bytes += int64(f.wireLen)
	if f.capLen < f.wireLen {
		c.cut++
	}
	s.countInterface(f)
	if f.linkNotDecoded {
		s.undecoded.add(f.linkType)
	}
	if f.err != nil {
		c.malformed++
		s.errs.add(f)
	}
	switch f.net {
	case netNone:
		c.nonIP++
		return
	case netARP:
		c.nonIP++
		sig := mix(mixAddr(mixAddr(uint64(f.arpOp), f.src), f.dst), uint64(f.arpSenderMAC[0])<<40|uint64(f.arpSenderMAC[5]))
		if !s.dedup.isCopy(sig, sightingPoint(observationPoint(f), f), f.ts) {
			s.arp.add(f)
		}
		return
	}
	if f.icmpError {
		// An ICMP error belongs to the flow it quotes, not to a flow of its own.
		s.icmp.add(f)
		s.icmpToFlow(f)
		return
	}
	s.observe(f)
	if c.packets&8191 == 0 {
		s.sweepIdle(f.ts)
	}
}

// maxInterfaceCounts bounds the interfaces counted one by one: an `-i any` capture names an interface by its
// ifindex, and a node (or a crafted file) may have any number of them.
const maxInterfaceCounts = 4096

// countInterface counts a frame against its capture interface and ifindex, without a map lookup for the
// common case of a few interfaces with small ifindexes.
func (s *Summarizer) countInterface(f *frame) {
	small := f.iface >= 0 && f.iface < len(s.ifCache) && f.ifIndex < uint32(len(s.ifCache[0]))
	if small {
		if i := s.ifCache[f.iface][f.ifIndex]; i > 0 {
			s.ifCounts[i-1]++
			return
		}
	}
	k := ifKey{f.iface, f.ifIndex}
	i, ok := s.ifIndex[k]
	if !ok && len(s.ifCounts) == maxInterfaceCounts {
		s.ifOther++
		return
	}
	if !ok {
		i = int32(len(s.ifCounts))
		s.ifIndex[k] = i
		s.ifKeys = append(s.ifKeys, k)
		s.ifCounts = append(s.ifCounts, 0)
		if small {
			s.ifCache[f.iface][f.ifIndex] = i + 1
		}
	}
	s.ifCounts[i]++
}

// icmpToFlow counts an ICMP error against the flow of the packet it quotes.
func (s *Summarizer) icmpToFlow(f *frame) {
	q := f.quoted
	if !q.ok {
		return
	}
	g := frame{src: q.src, dst: q.dst, proto: q.proto, hasPorts: q.hasPorts, sport: q.sport, dport: q.dport}
	k, _ := keyOf(&g)
	if i, ok := s.flows.index[k]; ok {
		s.flows.at(i).icmpErrors++
	}
}
