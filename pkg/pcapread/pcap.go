package pcapread

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

const (
	pcapHeaderLen = 24
	pcapRecordLen = 16

	magicMicros = 0xa1b2c3d4
	magicNanos  = 0xa1b23c4d
	// linkTypeReservedBits are the bits of the header's link-type field that libpcap requires to be zero; the
	// bits above them carry the FCS length and the bits below the link type.
	linkTypeReservedBits = 0x03ff0000
)

type pcapState struct {
	bigEndian bool
	nanos     bool
	snapLen   uint32
	linkType  layers.LinkType
}

func isPcapMagic(b []byte) bool {
	le, be := u32(b, false), u32(b, true)
	return le == magicMicros || le == magicNanos || be == magicMicros || be == magicNanos
}

func (r *Reader) readPcapHeader() error {
	h, err := r.readRecord(pcapHeaderLen)
	if err != nil {
		return r.wrapHeaderErr(err)
	}
	st := &r.pcap
	magic := u32(h, false)
	st.bigEndian = magic != magicMicros && magic != magicNanos
	magic = u32(h, st.bigEndian)
	st.nanos = magic == magicNanos
	if major := u16(h[4:], st.bigEndian); major != 2 {
		return r.corrupt("pcap version %d.%d is not 2.x", major, u16(h[6:], st.bigEndian))
	}
	st.snapLen = u32(h[16:], st.bigEndian)
	lt := u32(h[20:], st.bigEndian)
	// libpcap, tcpdump and tshark refuse a file with reserved bits set; so do we, with their reason.
	if lt&linkTypeReservedBits != 0 {
		return r.corrupt("pcap link-type field %#08x has reserved bits set", lt)
	}
	st.linkType = layers.LinkType(lt & 0xffff)
	r.ifaces = append(r.ifaces, Interface{LinkType: st.linkType, SnapLen: st.snapLen})
	return nil
}

func (r *Reader) nextPcap(p *Packet) error {
	st := &r.pcap
	h, err := r.peek(pcapRecordLen)
	if err != nil {
		return err
	}
	sec := u32(h[0:], st.bigEndian)
	frac := u32(h[4:], st.bigEndian)
	capLen := u32(h[8:], st.bigEndian)
	origLen := u32(h[12:], st.bigEndian)
	if capLen > MaxPacketSize {
		return r.corrupt("packet record claims %d captured bytes", capLen)
	}
	rec, err := r.readRecord(pcapRecordLen + int(capLen))
	if err != nil {
		return err
	}
	nanos := int64(frac)
	if !st.nanos {
		nanos *= 1000
	}
	*p = Packet{
		LinkType:      st.linkType,
		Interface:     0,
		Timestamp:     time.Unix(int64(sec), nanos),
		CaptureLength: int(capLen),
		Length:        int(origLen),
		Data:          rec[pcapRecordLen:],
	}
	return nil
}

// wrapHeaderErr reports a missing file header as truncation rather than as a clean end.
func (r *Reader) wrapHeaderErr(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("reading file header: %w", ErrTruncated)
	}
	return err
}
