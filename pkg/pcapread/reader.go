// Package pcapread reads classic pcap and pcapng captures from a stream (a file or a pipe: it never seeks),
// without allocating per packet: a packet's Data aliases the reader's buffer until the next call to Next.
//
// It is written here rather than taken from gopacket's pcapgo because the summarizer needs, in one reader:
// the format sniffed from the magic, every packet of a pcapng with mixed link types (pcapgo skips them unless
// asked), the pcapng interface names and descriptions, and a truncated or corrupt stream reported as such after
// the last good packet instead of as a plain EOF.
package pcapread

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// MaxPacketSize bounds one packet record. Real captures stay under 256 KiB (tcpdump's largest snaplen) or a
// little over for BIG TCP super-packets; a larger record length means the stream is corrupt, and refusing it keeps
// a bad length from making the reader allocate gigabytes.
const MaxPacketSize = 4 << 20

// bufferSize is the read buffer. Records that fit in it are returned without a copy. Tests shrink it.
var bufferSize = 1 << 20

// Format is the container format of a capture.
type Format int

const (
	// FormatPcap is the classic libpcap format (microsecond or nanosecond timestamps, either byte order).
	FormatPcap Format = iota + 1
	// FormatPcapNG is the pcap next generation format.
	FormatPcapNG
)

func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// ErrTruncated is wrapped by the error Next returns when the stream ends in the middle of a record. Every
// complete packet before it has been returned.
var ErrTruncated = errors.New("capture is truncated")

// ErrCorrupt is wrapped by the error Next returns when a record header makes no sense (a length that cannot be
// right). The reader cannot find the next record after it, so reading stops.
var ErrCorrupt = errors.New("capture is corrupt")

// ErrUnknownFormat is wrapped by NewReader's error when the stream starts with neither pcap nor pcapng magic.
var ErrUnknownFormat = errors.New("not a pcap or pcapng capture")

// Packet is one captured packet.
type Packet struct {
	// LinkType is the link-layer header type of Data (LINKTYPE_* value).
	LinkType layers.LinkType
	// Interface indexes Reader.Interfaces(). A classic pcap has one interface, 0. In a pcapng with several
	// sections, interfaces are numbered across all sections in the order their blocks appear.
	Interface int
	Timestamp time.Time
	// CaptureLength is len(Data); Length is the packet's length on the wire.
	CaptureLength int
	Length        int
	// Data aliases the reader's buffer: it is valid until the next call to Next.
	Data []byte
}

// Interface describes one capture interface: the whole file for a classic pcap, one interface description
// block for a pcapng.
type Interface struct {
	LinkType layers.LinkType
	// Name and Description are the pcapng if_name and if_description options, if any.
	Name        string
	Description string
	SnapLen     uint32
	// Section is the pcapng section (0-based) the interface belongs to, and ID its interface id within that
	// section, the number pcapng packet blocks (and Wireshark's frame.interface_id) use.
	Section int
	ID      int
}

// Stats counts what the reader has seen so far.
type Stats struct {
	Packets int
	// SkippedRecords counts packet records that could not be returned as packets, such as a pcapng packet
	// block naming an interface that was never described. Non-packet blocks are not counted.
	SkippedRecords int
	// Sections counts pcapng section header blocks.
	Sections int
}

// Reader reads packets from a pcap or pcapng stream.
type Reader struct {
	br     *bufio.Reader
	format Format
	big    []byte // for records that do not fit in br's buffer
	err    error  // sticky: once reading has failed, Next keeps returning it
	offset int64  // bytes consumed from the stream, for error messages
	ifaces []Interface
	stats  Stats

	pcap   pcapState
	pcapng pcapngState
}

// NewReader reads the start of the stream to tell pcap from pcapng and returns a reader positioned at the
// first packet record.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, bufferSize)}
	magic, err := rd.br.Peek(4)
	if err != nil {
		if len(magic) == 0 && errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading capture header: empty input: %w", ErrUnknownFormat)
		}
		return nil, fmt.Errorf("reading capture header: %w", truncatedOr(err))
	}
	switch {
	case isPcapMagic(magic):
		rd.format = FormatPcap
		err = rd.readPcapHeader()
	case isPcapNGMagic(magic):
		rd.format = FormatPcapNG
		err = rd.readSectionHeader()
	default:
		return nil, fmt.Errorf("magic %x: %w", magic, ErrUnknownFormat)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Format is the stream's container format.
func (r *Reader) Format() Format { return r.format }

// Interfaces lists the interfaces described so far. A pcapng may describe more as reading goes on.
func (r *Reader) Interfaces() []Interface { return r.ifaces }

// Stats counts what has been read so far.
func (r *Reader) Stats() Stats { return r.stats }

// Next reads the next packet into p. It returns io.EOF at the clean end of the stream, an error wrapping
// ErrTruncated when the stream ends inside a record, and one wrapping ErrCorrupt when a record cannot be
// parsed. After an error, Next returns the same error again.
func (r *Reader) Next(p *Packet) error {
	if r.err != nil {
		return r.err
	}
	var err error
	if r.format == FormatPcap {
		err = r.nextPcap(p)
	} else {
		err = r.nextPcapNG(p)
	}
	if err != nil {
		r.err = err
		return err
	}
	r.stats.Packets++
	return nil
}

// readRecord returns the next n bytes of the stream and consumes them. Records that fit in the read buffer
// are returned in place; larger ones are copied into a buffer reused across calls.
func (r *Reader) readRecord(n int) ([]byte, error) {
	if n <= r.br.Size() {
		b, err := r.br.Peek(n)
		if err != nil {
			return nil, r.shortRead(len(b), n, err)
		}
		_, _ = r.br.Discard(n)
		r.offset += int64(n)
		return b, nil
	}
	if cap(r.big) < n {
		r.big = make([]byte, n)
	}
	b := r.big[:n]
	if got, err := io.ReadFull(r.br, b); err != nil {
		return nil, r.shortRead(got, n, err)
	}
	r.offset += int64(n)
	return b, nil
}

// peek returns the next n bytes without consuming them; n must fit in the read buffer.
func (r *Reader) peek(n int) ([]byte, error) {
	b, err := r.br.Peek(n)
	if err != nil {
		return nil, r.shortRead(len(b), n, err)
	}
	return b, nil
}

// shortRead turns a failed read of want bytes, of which got arrived, into io.EOF (nothing at all at a record
// boundary), a truncation, or the underlying I/O error.
func (r *Reader) shortRead(got, want int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if got == 0 {
			return io.EOF
		}
		return fmt.Errorf("record at byte %d needs %d bytes, the stream ends after %d: %w", r.offset, want, got, ErrTruncated)
	}
	return fmt.Errorf("reading capture at byte %d: %w", r.offset, err)
}

// truncatedOr marks an EOF inside a header as truncation and leaves other errors as they are.
func truncatedOr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

func (r *Reader) corrupt(format string, args ...any) error {
	return fmt.Errorf("record at byte %d: %s: %w", r.offset, fmt.Sprintf(format, args...), ErrCorrupt)
}

func u16(b []byte, big bool) uint16 {
	_ = b[1]
	if big {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

func u32(b []byte, big bool) uint32 {
	_ = b[3]
	if big {
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	return uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
}
