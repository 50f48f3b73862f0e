package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	ngSectionHeader       = 0x0a0d0d0a
	ngInterfaceDesc       = 0x00000001
	ngEnhancedPacket      = 0x00000006
	ngByteOrderMagic      = 0x1a2b3c4d
	ngOptEnd              = 0
	ngOptSHBUserAppl      = 4
	ngOptIfName           = 2
	ngOptIfDescription    = 3
	ngOptIfTsResol        = 9
	ngOptIfFilter         = 11
	ngEnhancedPacketFixed = 28 + 4 // block header, interface, timestamps, lengths, trailing length
)

// Interface is one interface description block.
type Interface struct {
	Name        string // if_name, e.g. "node1/cali35e3a5cb80b (default/curl)"
	Description string // if_description
	Filter      string // if_filter, the BPF expression tcpdump was given
	LinkType    uint16 // LINKTYPE_* of its packets
	SnapLen     uint32
	Nanosecond  bool // timestamps in nanoseconds (if_tsresol 9) instead of microseconds
}

// PcapngWriter writes one pcapng section, little-endian, to an io.Writer. It is safe for concurrent use:
// packets from several captures are interleaved in the order WritePacket is called. Blocks are buffered
// until Flush, so a caller delivering a batch of packets flushes once per batch.
type PcapngWriter struct {
	mu       sync.Mutex
	bw       *bufio.Writer
	flushOut func() error
	nano     []bool // per interface id
	block    []byte
	trailer  [8]byte // padding and trailing length of a packet block; a field so it does not escape per packet
	packets  int64
	err      error
}

// NewPcapngWriter writes the section header block to w and flushes it, so a reader such as Wireshark
// starts at once.
func NewPcapngWriter(w io.Writer) (*PcapngWriter, error) {
	nw := &PcapngWriter{bw: bufio.NewWriterSize(w, 64<<10), block: make([]byte, 0, 512)}
	if f, ok := w.(interface{ Flush() error }); ok {
		nw.flushOut = f.Flush
	}
	b := nw.block[:0]
	b = le32(b, ngSectionHeader)
	b = le32(b, 0) // length, set by endBlock
	b = le32(b, ngByteOrderMagic)
	b = le16(b, 1)
	b = le16(b, 0)
	b = le64(b, ^uint64(0)) // section length unknown: it is a stream
	b = appendOption(b, ngOptSHBUserAppl, "kubectl-packetwalk")
	b = le32(b, ngOptEnd)
	nw.writeBlock(b)
	return nw, nw.Flush()
}

// AddInterface writes an interface description block and returns the interface id packets refer to.
// Interfaces may be added after packets: readers such as Wireshark, tshark, libpcap and gopacket take them
// at any point of the section.
func (w *PcapngWriter) AddInterface(iface Interface) (uint32, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	b := w.block[:0]
	b = le32(b, ngInterfaceDesc)
	b = le32(b, 0)
	b = le16(b, iface.LinkType)
	b = le16(b, 0)
	b = le32(b, iface.SnapLen)
	b = appendOption(b, ngOptIfName, iface.Name)
	if iface.Description != "" {
		b = appendOption(b, ngOptIfDescription, iface.Description)
	}
	if iface.Nanosecond {
		b = appendOption(b, ngOptIfTsResol, "\x09")
	}
	if iface.Filter != "" {
		b = appendOption(b, ngOptIfFilter, "\x00"+iface.Filter) // filter type 0: libpcap's expression syntax
	}
	b = le32(b, ngOptEnd)
	w.writeBlock(b)
	w.nano = append(w.nano, iface.Nanosecond)
	return uint32(len(w.nano) - 1), w.err
}

// WritePacket writes p as an enhanced packet block of interface id.
func (w *PcapngWriter) WritePacket(id uint32, p Packet) error {
	return w.writePacket(id, p, nil, p.Data)
}

// writePacket writes a packet whose bytes are prefix followed by payload, so a rewritten link-layer header
// needs no copy of the payload. p.CapLen and p.OrigLen must already count the prefix.
func (w *PcapngWriter) writePacket(id uint32, p Packet, prefix, payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if int(id) >= len(w.nano) {
		return fmt.Errorf("pcapng: packet for interface %d, but only %d interfaces were added", id, len(w.nano))
	}
	var ts uint64
	if w.nano[id] {
		ts = uint64(p.Sec)*1e9 + uint64(p.Frac)
	} else {
		ts = uint64(p.Sec)*1e6 + uint64(p.Frac)
	}
	dataLen := len(prefix) + len(payload)
	pad := -dataLen & 3
	total := uint32(ngEnhancedPacketFixed + dataLen + pad)
	b := w.block[:0]
	b = le32(b, ngEnhancedPacket)
	b = le32(b, total)
	b = le32(b, id)
	b = le32(b, uint32(ts>>32))
	b = le32(b, uint32(ts))
	b = le32(b, uint32(dataLen))
	b = le32(b, p.OrigLen)
	b = append(b, prefix...)
	w.write(b)
	w.write(payload)
	w.trailer = [8]byte{}
	binary.LittleEndian.PutUint32(w.trailer[pad:], total)
	w.write(w.trailer[:pad+4])
	w.block = b[:0]
	if w.err == nil {
		w.packets++
	}
	return w.err
}

// Packets is the number of packets written.
func (w *PcapngWriter) Packets() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packets
}

// Flush writes buffered blocks to the underlying writer, and flushes that too if it can be flushed.
func (w *PcapngWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	if w.flushOut != nil {
		if err := w.flushOut(); err != nil {
			w.err = err
		}
	}
	return w.err
}

// writeBlock completes a block built in b (with a zero length word) and writes it.
func (w *PcapngWriter) writeBlock(b []byte) {
	total := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:], total)
	b = le32(b, total)
	w.write(b)
	w.block = b[:0]
}

func (w *PcapngWriter) write(b []byte) {
	if w.err != nil || len(b) == 0 {
		return
	}
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
	}
}

func appendOption(b []byte, code uint16, value string) []byte {
	if len(value) > 0xfff0 {
		value = value[:0xfff0] // an option's length is 16 bits
	}
	b = le16(b, code)
	b = le16(b, uint16(len(value)))
	b = append(b, value...)
	for range -len(value) & 3 {
		b = append(b, 0)
	}
	return b
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
