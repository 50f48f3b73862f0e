package capture

import (
	"fmt"
	"io"
)

// pcapngTarget turns one target's pcap stream into packets of the shared pcapng writer: one interface block
// for the target, or, for an `-i any` capture in LINUX_SLL2, one per node interface its packets came from.
type pcapngTarget struct {
	target  Target
	filter  string
	out     *PcapngWriter
	stream  PcapStream
	nano    bool
	snapLen uint32
	iface   uint32         // the target's interface id, when not split
	split   bool           // an SLL2 `-i any` capture, split by ifindex
	byIndex map[int]uint32 // ifindex → interface id, when split
	sll     [sllHeaderLen]byte
	written int64
}

func newPcapngTarget(t Target, filter string, out *PcapngWriter) *pcapngTarget {
	s := &pcapngTarget{target: t, filter: filter, out: out}
	s.stream.OnHeader = s.header
	s.stream.OnPacket = s.packet
	return s
}

// Write takes a chunk of tcpdump's stdout and flushes the packets it completed.
func (s *pcapngTarget) Write(p []byte) (int, error) {
	n, err := s.stream.Write(p)
	if err != nil {
		return n, err
	}
	return n, s.out.Flush()
}

// packets is the number of packets written to the output.
func (s *pcapngTarget) packets() int64 { return s.written }

func (s *pcapngTarget) header(h PcapHeader) error {
	if h.LinkType > 0xffff {
		return fmt.Errorf("link type %d of %s does not fit a pcapng interface block", h.LinkType, s.target)
	}
	s.nano, s.snapLen = h.Nanosecond, h.SnapLen
	if s.target.IfaceName() == AnyInterface && h.LinkType == LinkTypeLinuxSLL2 {
		s.split = true
		s.byIndex = map[int]uint32{}
		return nil
	}
	id, err := s.out.AddInterface(Interface{
		Name:        s.target.String(),
		Description: fmt.Sprintf("tcpdump -i %s on node %s", s.target.IfaceName(), s.target.Node),
		Filter:      s.filter,
		LinkType:    uint16(h.LinkType),
		SnapLen:     h.SnapLen,
		Nanosecond:  h.Nanosecond,
	})
	s.iface = id
	return err
}

func (s *pcapngTarget) packet(p Packet) error {
	var err error
	if s.split {
		err = s.splitPacket(p)
	} else {
		err = s.out.WritePacket(s.iface, p)
	}
	if err == nil {
		s.written++
	}
	return err
}

func (s *pcapngTarget) splitPacket(p Packet) error {
	ifindex, header, payload := sll2ToSLL(&s.sll, p.Data)
	id, ok := s.byIndex[ifindex]
	if !ok {
		var err error
		if id, err = s.addLink(ifindex); err != nil {
			return err
		}
	}
	shrink := uint32(sll2HeaderLen - sllHeaderLen)
	p.CapLen = uint32(len(header) + len(payload))
	p.OrigLen = max(p.OrigLen, shrink) - shrink
	return s.out.writePacket(id, p, header, payload)
}

func (s *pcapngTarget) addLink(ifindex int) (uint32, error) {
	name, label := s.target.linkName(ifindex)
	id, err := s.out.AddInterface(Interface{
		Name: InterfaceName(s.target.Node, name, label),
		Description: fmt.Sprintf("ifindex %d on node %s, from tcpdump -i any (LINUX_SLL2 rewritten as LINUX_SLL)",
			ifindex, s.target.Node),
		Filter:     s.filter,
		LinkType:   LinkTypeLinuxSLL,
		SnapLen:    s.snapLen,
		Nanosecond: s.nano,
	})
	s.byIndex[ifindex] = id
	return id, err
}

// passThrough copies a single target's pcap stream unchanged, flushing each chunk, and counts its records
// by reading their headers on the way.
type passThrough struct {
	out      io.Writer
	flushOut func() error
	counter  PcapStream
}

func newPassThrough(out io.Writer) *passThrough {
	p := &passThrough{out: out, counter: PcapStream{CountOnly: true}}
	if f, ok := out.(interface{ Flush() error }); ok {
		p.flushOut = f.Flush
	}
	return p
}

func (p *passThrough) Write(b []byte) (int, error) {
	n, err := p.out.Write(b)
	if err != nil {
		return n, err
	}
	if p.flushOut != nil {
		if err := p.flushOut(); err != nil {
			return n, err
		}
	}
	if _, err := p.counter.Write(b); err != nil {
		return n, err
	}
	return n, nil
}

func (p *passThrough) packets() int64 { return p.counter.Packets() }
