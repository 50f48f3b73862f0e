package walk

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// The walk decodes only the few packets of one probe, so a small decoder that keeps what matching needs
// is clearer here than the summarizer's flow engine. It looks inside VXLAN, Geneve and IP-in-IP to the
// innermost IP header, as the summarizer does (pkg/summary), and could be replaced by a per-packet entry
// point of it once there is one.

// encap is one encapsulation header with the outer addresses that carried it.
type encap struct {
	typ          string // "VXLAN", "Geneve", "IPIP", "6in4"
	vni          int
	src, dst     netip.Addr
	sport, dport int
}

// quotedHeader is the start of the packet an ICMP error refers to.
type quotedHeader struct {
	src, dst     netip.Addr
	proto        uint8
	sport, dport int
}

// frame is one decoded packet.
type frame struct {
	ts       time.Time
	encaps   []encap
	src, dst netip.Addr
	proto    uint8
	ipID     uint16
	// Transport: ports for TCP and UDP, TCP sequence numbers and flags.
	sport, dport int
	seq, ack     uint32
	tcpFlags     uint8
	// ICMP (and ICMPv6): type and code, echo id and sequence, and what an error quotes.
	icmpType, icmpCode uint8
	icmpID, icmpSeq    uint16
	quoted             *quotedHeader
}

const (
	protoICMP   = 1
	protoIPIP   = 4
	protoTCP    = 6
	protoUDP    = 17
	protoIPv6   = 41
	protoICMPv6 = 58

	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// decoder knows which UDP ports carry VXLAN and Geneve.
type decoder struct {
	vxlanPorts  map[int]bool
	genevePorts map[int]bool
}

func newDecoder(vxlanPorts ...int) *decoder {
	d := &decoder{vxlanPorts: map[int]bool{4789: true, 8472: true}, genevePorts: map[int]bool{6081: true}}
	for _, p := range vxlanPorts {
		d.vxlanPorts[p] = true
	}
	return d
}

// decode reads one captured packet of link type lt. ok is false when it holds no IP packet.
func (d *decoder) decode(lt layers.LinkType, data []byte, ts time.Time) (frame, bool) {
	f := frame{ts: ts}
	switch lt {
	case layers.LinkTypeEthernet:
		return f, d.ethernet(&f, data, 0)
	case layers.LinkTypeLinuxSLL:
		if len(data) < 16 {
			return f, false
		}
		return f, d.etherType(&f, binary.BigEndian.Uint16(data[14:16]), data[16:], 0)
	case layers.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			return f, false
		}
		return f, d.etherType(&f, binary.BigEndian.Uint16(data[0:2]), data[20:], 0)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		return f, d.ip(&f, data, 0)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(data) < 4 {
			return f, false
		}
		return f, d.ip(&f, data[4:], 0)
	}
	return f, false
}

const maxDepth = 6

func (d *decoder) ethernet(f *frame, b []byte, depth int) bool {
	if len(b) < 14 {
		return false
	}
	et := binary.BigEndian.Uint16(b[12:14])
	b = b[14:]
	for (et == 0x8100 || et == 0x88a8) && len(b) >= 4 {
		et = binary.BigEndian.Uint16(b[2:4])
		b = b[4:]
	}
	return d.etherType(f, et, b, depth)
}

func (d *decoder) etherType(f *frame, et uint16, b []byte, depth int) bool {
	switch et {
	case 0x0800, 0x86dd:
		return d.ip(f, b, depth)
	case 0x8100, 0x88a8:
		if len(b) < 4 {
			return false
		}
		return d.etherType(f, binary.BigEndian.Uint16(b[2:4]), b[4:], depth)
	}
	return false
}

func (d *decoder) ip(f *frame, b []byte, depth int) bool {
	if depth > maxDepth || len(b) < 1 {
		return false
	}
	var payload []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return false
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl {
			return false
		}
		f.src = netip.AddrFrom4([4]byte(b[12:16]))
		f.dst = netip.AddrFrom4([4]byte(b[16:20]))
		f.proto = b[9]
		f.ipID = binary.BigEndian.Uint16(b[4:6])
		end := int(binary.BigEndian.Uint16(b[2:4]))
		if end < ihl || end > len(b) {
			end = len(b)
		}
		if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
			return true // a later fragment: no transport header
		}
		payload = b[ihl:end]
	case 6:
		if len(b) < 40 {
			return false
		}
		f.src = netip.AddrFrom16([16]byte(b[8:24]))
		f.dst = netip.AddrFrom16([16]byte(b[24:40]))
		next := b[6]
		payload = b[40:]
		for next == 0 || next == 43 || next == 60 || next == 44 {
			if len(payload) < 8 {
				return true
			}
			if next == 44 {
				f.ipID = uint16(binary.BigEndian.Uint32(payload[4:8]))
				if binary.BigEndian.Uint16(payload[2:4])&0xfff8 != 0 {
					return true
				}
				next, payload = payload[0], payload[8:]
				continue
			}
			n := (int(payload[1]) + 1) * 8
			if len(payload) < n {
				return true
			}
			next, payload = payload[0], payload[n:]
		}
		f.proto = next
	default:
		return false
	}
	return d.transport(f, payload, depth)
}

func (d *decoder) transport(f *frame, b []byte, depth int) bool {
	switch f.proto {
	case protoIPIP, protoIPv6:
		typ := "IPIP"
		if f.proto == protoIPv6 {
			typ = "6in4"
		}
		f.encaps = append(f.encaps, encap{typ: typ, src: f.src, dst: f.dst})
		inner := *f
		if !d.ip(&inner, b, depth+1) {
			return true // keep the outer packet
		}
		*f = inner
	case protoTCP:
		// An ICMP error quotes only the first 8 bytes of the transport header.
		if len(b) < 8 {
			return true
		}
		f.sport, f.dport = int(binary.BigEndian.Uint16(b[0:2])), int(binary.BigEndian.Uint16(b[2:4]))
		f.seq = binary.BigEndian.Uint32(b[4:8])
		if len(b) >= 14 {
			f.ack, f.tcpFlags = binary.BigEndian.Uint32(b[8:12]), b[13]
		}
	case protoUDP:
		if len(b) < 8 {
			return true
		}
		f.sport, f.dport = int(binary.BigEndian.Uint16(b[0:2])), int(binary.BigEndian.Uint16(b[2:4]))
		d.udpTunnel(f, b[8:], depth)
	case protoICMP, protoICMPv6:
		if len(b) < 8 {
			return true
		}
		f.icmpType, f.icmpCode = b[0], b[1]
		f.icmpID, f.icmpSeq = binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8])
		if isICMPError(f.proto, f.icmpType) {
			f.quoted = quote(b[8:])
		}
	}
	return true
}

// udpTunnel decapsulates VXLAN and Geneve; the frame becomes the inner packet when that decodes.
func (d *decoder) udpTunnel(f *frame, b []byte, depth int) {
	switch {
	case d.vxlanPorts[f.dport] && len(b) >= 8 && b[0]&0x08 != 0:
		e := encap{typ: "VXLAN", vni: int(b[4])<<16 | int(b[5])<<8 | int(b[6]), src: f.src, dst: f.dst, sport: f.sport, dport: f.dport}
		inner := frame{ts: f.ts, encaps: append(append([]encap(nil), f.encaps...), e)}
		if d.ethernet(&inner, b[8:], depth+1) {
			*f = inner
		}
	case d.genevePorts[f.dport] && len(b) >= 8:
		optLen := int(b[0]&0x3f) * 4
		if len(b) < 8+optLen {
			return
		}
		e := encap{typ: "Geneve", vni: int(b[4])<<16 | int(b[5])<<8 | int(b[6]), src: f.src, dst: f.dst, sport: f.sport, dport: f.dport}
		inner := frame{ts: f.ts, encaps: append(append([]encap(nil), f.encaps...), e)}
		if d.etherType(&inner, binary.BigEndian.Uint16(b[2:4]), b[8+optLen:], depth+1) ||
			(binary.BigEndian.Uint16(b[2:4]) == 0x6558 && d.ethernet(&inner, b[8+optLen:], depth+1)) {
			*f = inner
		}
	}
}

func isICMPError(proto, typ uint8) bool {
	if proto == protoICMP {
		return typ == 3 || typ == 11 || typ == 12
	}
	return typ >= 1 && typ <= 4
}

func quote(b []byte) *quotedHeader {
	var q frame
	d := decoder{}
	if !d.ip(&q, b, maxDepth) {
		return nil
	}
	return &quotedHeader{src: q.src, dst: q.dst, proto: q.proto, sport: q.sport, dport: q.dport}
}

// outer is the outermost encapsulation, if any.
func (f *frame) outer() (encap, bool) {
	if len(f.encaps) == 0 {
		return encap{}, false
	}
	return f.encaps[0], true
}
