package summary

import "encoding/binary"

// Tunnel headers are read here, not by gopacket layers: gopacket has no VXLAN-GPE, NSH, ERSPAN III or
// WireGuard layer, its Geneve layer allocates per option, and its VXLAN port is a process-wide registry while
// the ports here are per summarizer (--vxlan-port).

// Default UDP ports of the tunnels recognised by port.
const (
	PortVXLAN        = 4789
	PortVXLANLinux   = 8472 // the Linux kernel's historical default, used by flannel and Cilium
	PortVXLANGPE     = 4790
	PortGeneve       = 6081
	PortWireGuard    = 51820
	portDNS          = 53
	vxlanHeaderLen   = 8
	geneveHeaderLen  = 8
	erspan2HeaderLen = 8
	erspan3HeaderLen = 12
)

// vxlanHeader reads a VXLAN header; the VNI is valid when the I flag is set.
func vxlanHeader(b []byte) (vni uint32, hasVNI bool, payload []byte, ok bool) {
	if len(b) < vxlanHeaderLen {
		return 0, false, nil, false
	}
	return vni24(b[4:]), b[0]&0x08 != 0, b[vxlanHeaderLen:], true
}

func vni24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

// gpeNext maps the next-protocol numbers of VXLAN-GPE and NSH (which share them) to a decoding start;
// nsh reports an NSH header.
func gpeNext(p byte) (st start, nsh bool) {
	switch p {
	case 1:
		return startIPv4, false
	case 2:
		return startIPv6, false
	case 3:
		return startEthernet, false
	case 4:
		return startNone, true
	}
	return startNone, false
}

// vxlanGPEHeader reads a VXLAN-GPE header (UDP 4790). Without the P flag an Ethernet frame follows.
func vxlanGPEHeader(b []byte) (vni uint32, hasVNI bool, next byte, payload []byte, ok bool) {
	if len(b) < vxlanHeaderLen {
		return 0, false, 0, nil, false
	}
	next = 3
	if b[0]&0x04 != 0 {
		next = b[3]
	}
	return vni24(b[4:]), b[0]&0x08 != 0, next, b[vxlanHeaderLen:], true
}

// nshHeader reads a network service header; its length field counts 4-byte words.
func nshHeader(b []byte) (next byte, payload []byte, ok bool) {
	if len(b) < 8 {
		return 0, nil, false
	}
	n := int(b[1]&0x3f) * 4
	if n < 8 || n > len(b) {
		return 0, nil, false
	}
	return b[3], b[n:], true
}

// geneveHeader reads a Geneve header with its options. A header whose options run past the data is
// reported with its VNI and ok false.
func geneveHeader(b []byte) (vni uint32, hasVNI bool, st start, payload []byte, ok bool) {
	if len(b) < geneveHeaderLen {
		return 0, false, startNone, nil, false
	}
	vni, hasVNI = vni24(b[4:]), true
	n := geneveHeaderLen + int(b[0]&0x3f)*4
	if b[0]>>6 != 0 || n > len(b) {
		return vni, hasVNI, startNone, nil, false
	}
	return vni, hasVNI, etherTypeStart(binary.BigEndian.Uint16(b[2:])), b[n:], true
}

// greHeader reads a GRE header (RFC 2784/2890): optional checksum, key and sequence number. Version 1
// (PPTP) and source-routed GRE are recognised but not decoded further.
func greHeader(b []byte) (proto uint16, seqPresent bool, payload []byte, ok bool) {
	if len(b) < 4 {
		return 0, false, nil, false
	}
	flags, version := b[0], b[1]&0x07
	proto = binary.BigEndian.Uint16(b[2:])
	n := 4
	if flags&0xc0 != 0 { // checksum or routing present: checksum and offset words
		n += 4
	}
	if flags&0x20 != 0 {
		n += 4
	}
	seqPresent = flags&0x10 != 0
	if seqPresent {
		n += 4
	}
	if n > len(b) {
		return proto, seqPresent, nil, false
	}
	if version != 0 || flags&0x40 != 0 {
		return proto, seqPresent, nil, true
	}
	return proto, seqPresent, b[n:], true
}

// erspanHeader skips an ERSPAN header after GRE: none for type I (no GRE sequence number), 8 bytes for
// type II, 12 for type III plus an 8-byte platform-specific subheader when its O flag is set.
func erspanHeader(proto uint16, seqPresent bool, b []byte) ([]byte, bool) {
	n := 0
	switch {
	case proto == etherTypeERSP2 && !seqPresent:
		n = 0
	case proto == etherTypeERSP2:
		n = erspan2HeaderLen
	default:
		if len(b) < erspan3HeaderLen {
			return nil, false
		}
		n = erspan3HeaderLen
		if b[11]&0x01 != 0 {
			n += 8
		}
	}
	if n > len(b) {
		return nil, false
	}
	return b[n:], true
}

// wireGuardType recognises a WireGuard message by its header (a type, three zero bytes) and its size, which
// is fixed for handshakes and cookies and at least 32 bytes for data (data is padded to 16 bytes only up to
// the MTU, so full-size messages are not a multiple of 16). It returns 0 for anything else.
func wireGuardType(p []byte) uint8 {
	if len(p) < 4 || p[1]|p[2]|p[3] != 0 {
		return 0
	}
	switch p[0] {
	case 1:
		if len(p) == 148 {
			return 1
		}
	case 2:
		if len(p) == 92 {
			return 2
		}
	case 3:
		if len(p) == 64 {
			return 3
		}
	case 4:
		if len(p) >= 32 {
			return 4
		}
	}
	return 0
}
