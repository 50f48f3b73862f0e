package summary

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// start is the header a level's decoding starts with.
type start uint8

const (
	startNone start = iota
	startEthernet
	startDot1Q
	startIPv4
	startIPv6
	startARP
	numStarts
)

const (
	etherTypeIPv4  = 0x0800
	etherTypeARP   = 0x0806
	etherTypeRARP  = 0x8035
	etherTypeDot1Q = 0x8100
	etherTypeQinQ  = 0x88a8
	etherTypeIPv6  = 0x86dd
	etherTypeTEB   = 0x6558 // transparent Ethernet bridging: an Ethernet frame follows
	etherTypeERSP2 = 0x88be
	etherTypeERSP3 = 0x22eb

	arphrdNetlink = 824

	sllHeaderLen  = 16
	sll2HeaderLen = 20
	sllAddrMax    = 8
)

func etherTypeStart(et uint16) start {
	switch et {
	case etherTypeIPv4:
		return startIPv4
	case etherTypeIPv6:
		return startIPv6
	case etherTypeARP, etherTypeRARP:
		return startARP
	case etherTypeDot1Q, etherTypeQinQ:
		return startDot1Q
	case etherTypeTEB:
		return startEthernet
	}
	return startNone
}

// ipVersionStart picks IPv4 or IPv6 from the version nibble, for link types that carry raw IP.
func ipVersionStart(data []byte) start {
	if len(data) == 0 {
		return startNone
	}
	switch data[0] >> 4 {
	case 4:
		return startIPv4
	case 6:
		return startIPv6
	}
	return startNone
}

// linkHeader reads the link-layer header of a captured frame and says where decoding goes on. Linux cooked
// headers are read here rather than by gopacket, which drops a frame whose address length is over 8; the
// address field is a fixed 8 bytes, so the length is clamped and the frame decoded (as tshark does).
func linkHeader(lt layers.LinkType, data []byte, f *frame) (start, []byte, string) {
	switch lt {
	case layers.LinkTypeEthernet:
		return startEthernet, data, ""
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		return ipVersionStart(data), data, ""
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(data) < 4 {
			return startNone, nil, "loopback header shorter than 4 bytes"
		}
		family := binary.LittleEndian.Uint32(data)
		if lt == layers.LinkTypeLoop || family > 0xffff {
			family = binary.BigEndian.Uint32(data)
		}
		switch family {
		case 2:
			return startIPv4, data[4:], ""
		case 10, 24, 28, 30: // AF_INET6 on Linux, the BSDs, macOS
			return startIPv6, data[4:], ""
		}
		return startNone, nil, ""
	case layers.LinkTypeLinuxSLL:
		if len(data) < sllHeaderLen {
			return startNone, nil, "Linux cooked header shorter than 16 bytes"
		}
		f.hasPktType, f.pktType = true, uint8(binary.BigEndian.Uint16(data))
		hatype := binary.BigEndian.Uint16(data[2:])
		f.sllClamped = binary.BigEndian.Uint16(data[4:]) > sllAddrMax
		return cookedProtocol(hatype, binary.BigEndian.Uint16(data[14:]), data[sllHeaderLen:])
	case layers.LinkTypeLinuxSLL2:
		if len(data) < sll2HeaderLen {
			return startNone, nil, "Linux cooked v2 header shorter than 20 bytes"
		}
		f.hasIfIndex, f.ifIndex = true, binary.BigEndian.Uint32(data[4:])
		f.hasPktType, f.pktType = true, data[10]
		f.sllClamped = data[11] > sllAddrMax
		return cookedProtocol(binary.BigEndian.Uint16(data[8:]), binary.BigEndian.Uint16(data), data[sll2HeaderLen:])
	case linkTypeNFLOG:
		return nflogPayload(data)
	}
	f.linkNotDecoded = true
	return startNone, nil, ""
}

// linkTypeNFLOG is LINKTYPE_NFLOG, which gopacket does not name.
const linkTypeNFLOG layers.LinkType = 239

const (
	nflogHeaderLen = 4
	nflogTLVHeader = 4
	nflogPayloadTy = 9 // NFULA_PAYLOAD: the packet, from its network header on
)

// nflogPayload finds the packet in an NFLOG record (`tcpdump -i nflog:N`): a 4-byte header, then TLVs
// padded to 4 bytes, one of which holds the packet. The TLVs' length and type are in the capturing host's
// byte order; little-endian is tried first, as on amd64 and arm64.
func nflogPayload(data []byte) (start, []byte, string) {
	if len(data) < nflogHeaderLen {
		return startNone, nil, "NFLOG header shorter than 4 bytes"
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if st, payload, ok := nflogTLVs(data[nflogHeaderLen:], order); ok {
			return st, payload, ""
		}
	}
	return startNone, nil, "NFLOG attributes with lengths that do not add up"
}

// nflogTLVs walks the attributes in one byte order; ok is false when their lengths do not fit the record.
func nflogTLVs(b []byte, order binary.ByteOrder) (start, []byte, bool) {
	for len(b) > 0 {
		if len(b) < nflogTLVHeader {
			return startNone, nil, false
		}
		n, typ := int(order.Uint16(b)), order.Uint16(b[2:])&0x7fff
		if n < nflogTLVHeader || n > len(b) {
			return startNone, nil, false
		}
		if typ == nflogPayloadTy {
			payload := b[nflogTLVHeader:n]
			return ipVersionStart(payload), payload, true
		}
		b = b[min((n+3)&^3, len(b)):]
	}
	return startNone, nil, true
}

// cookedProtocol interprets the protocol field of a Linux cooked header. Values below 0x600 are Linux's
// LINUX_SLL_P_* pseudo-protocols (802.2, CAN, …), not Ethertypes; netlink frames carry no IP.
func cookedProtocol(hatype, proto uint16, payload []byte) (start, []byte, string) {
	if hatype == arphrdNetlink || proto < 0x600 {
		return startNone, nil, ""
	}
	return etherTypeStart(proto), payload, ""
}

// pktTypeOutgoing is the SLL packet type of a packet the capturing host sent.
const pktTypeOutgoing = 4
