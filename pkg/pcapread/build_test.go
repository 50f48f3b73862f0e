package pcapread

import (
	"encoding/binary"
)

// The builders below write capture files byte by byte from the pcap and pcapng specifications, so that the
// reader is tested on both byte orders and on block kinds the captures on this machine do not contain.

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type pcapFile struct {
	order    byteOrder
	nanos    bool
	linkType uint32
	buf      []byte
}

func newPcapFile(order byteOrder, nanos bool, linkType uint32) *pcapFile {
	f := &pcapFile{order: order, nanos: nanos, linkType: linkType}
	magic := uint32(magicMicros)
	if nanos {
		magic = magicNanos
	}
	f.buf = f.order.AppendUint32(f.buf, magic)
	f.buf = f.order.AppendUint16(f.buf, 2)
	f.buf = f.order.AppendUint16(f.buf, 4)
	f.buf = f.order.AppendUint32(f.buf, 0) // thiszone
	f.buf = f.order.AppendUint32(f.buf, 0) // sigfigs
	f.buf = f.order.AppendUint32(f.buf, 262144)
	f.buf = f.order.AppendUint32(f.buf, linkType)
	return f
}

func (f *pcapFile) add(sec, frac uint32, origLen int, data []byte) {
	f.buf = f.order.AppendUint32(f.buf, sec)
	f.buf = f.order.AppendUint32(f.buf, frac)
	f.buf = f.order.AppendUint32(f.buf, uint32(len(data)))
	f.buf = f.order.AppendUint32(f.buf, uint32(origLen))
	f.buf = append(f.buf, data...)
}

type ngFile struct {
	order byteOrder
	buf   []byte
}

type ngOption struct {
	code  uint16
	value []byte
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (f *ngFile) options(opts []ngOption) []byte {
	var b []byte
	for _, o := range opts {
		b = f.order.AppendUint16(b, o.code)
		b = f.order.AppendUint16(b, uint16(len(o.value)))
		b = pad4(append(b, o.value...))
	}
	if len(opts) > 0 {
		b = append(b, 0, 0, 0, 0)
	}
	return b
}

func (f *ngFile) block(typ uint32, body []byte) {
	body = pad4(body)
	n := uint32(12 + len(body))
	f.buf = f.order.AppendUint32(f.buf, typ)
	f.buf = f.order.AppendUint32(f.buf, n)
	f.buf = append(f.buf, body...)
	f.buf = f.order.AppendUint32(f.buf, n)
}

func (f *ngFile) section(order byteOrder) {
	f.order = order
	var b []byte
	b = f.order.AppendUint32(b, byteOrderMagic)
	b = f.order.AppendUint16(b, 1)
	b = f.order.AppendUint16(b, 0)
	b = f.order.AppendUint64(b, ^uint64(0)) // section length unknown
	b = append(b, f.options([]ngOption{{code: 4, value: []byte("pcapread test")}})...)
	f.block(blockSectionHeader, b)
}

func (f *ngFile) iface(linkType uint16, snap uint32, opts ...ngOption) {
	var b []byte
	b = f.order.AppendUint16(b, linkType)
	b = f.order.AppendUint16(b, 0)
	b = f.order.AppendUint32(b, snap)
	b = append(b, f.options(opts)...)
	f.block(blockInterface, b)
}

func (f *ngFile) enhanced(id uint32, ts uint64, origLen int, data []byte) {
	var b []byte
	b = f.order.AppendUint32(b, id)
	b = f.order.AppendUint32(b, uint32(ts>>32))
	b = f.order.AppendUint32(b, uint32(ts))
	b = f.order.AppendUint32(b, uint32(len(data)))
	b = f.order.AppendUint32(b, uint32(origLen))
	b = pad4(append(b, data...))
	b = append(b, f.options([]ngOption{{code: 1, value: []byte("comment")}})...)
	f.block(blockEnhancedPacket, b)
}

func (f *ngFile) obsolete(id uint16, ts uint64, origLen int, data []byte) {
	var b []byte
	b = f.order.AppendUint16(b, id)
	b = f.order.AppendUint16(b, 0) // drops
	b = f.order.AppendUint32(b, uint32(ts>>32))
	b = f.order.AppendUint32(b, uint32(ts))
	b = f.order.AppendUint32(b, uint32(len(data)))
	b = f.order.AppendUint32(b, uint32(origLen))
	f.block(blockObsoletePacket, append(b, data...))
}

func (f *ngFile) simple(origLen int, data []byte) {
	var b []byte
	b = f.order.AppendUint32(b, uint32(origLen))
	f.block(blockSimplePacket, append(b, data...))
}
