package capture

import "encoding/binary"

// Link types (LINKTYPE_* from tcpdump.org) this package handles specially.
const (
	LinkTypeEthernet  = 1
	LinkTypeLinuxSLL  = 113 // Linux cooked v1: what `-i any` gave before libpcap 1.10
	LinkTypeLinuxSLL2 = 276 // Linux cooked v2: adds the interface index; Wireshark < 3.x cannot read it

	sllHeaderLen  = 16
	sll2HeaderLen = 20
)

// sll2ToSLL rewrites the LINUX_SLL2 header at the start of data as a LINUX_SLL one in dst, keeping the
// packet type (direction), ARPHRD type, link-layer address and protocol. It returns the interface index the
// SLL v1 header has no room for, the header bytes to write and the payload that follows it.
//
// SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
// SLL:  pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
//
// A packet cut inside its SLL2 header (a tiny snap length) keeps what it has: its SLL header is cut the
// same way, 4 bytes shorter.
func sll2ToSLL(dst *[sllHeaderLen]byte, data []byte) (ifindex int, header, payload []byte) {
	var sll2 [sll2HeaderLen]byte
	n := copy(sll2[:], data)
	binary.BigEndian.PutUint16(dst[0:], uint16(sll2[10]))
	copy(dst[2:4], sll2[8:10])
	binary.BigEndian.PutUint16(dst[4:], uint16(sll2[11]))
	copy(dst[6:14], sll2[12:20])
	copy(dst[14:16], sll2[0:2])
	ifindex = int(binary.BigEndian.Uint32(sll2[4:8]))
	if n < sll2HeaderLen {
		return ifindex, dst[:max(n-(sll2HeaderLen-sllHeaderLen), 0)], nil
	}
	return ifindex, dst[:], data[sll2HeaderLen:]
}
