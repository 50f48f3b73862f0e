package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d

	pcapFileHeaderLen   = 24
	pcapRecordHeaderLen = 16
)

// PcapHeader is the file header of a pcap stream.
type PcapHeader struct {
	LinkType     uint32 // LINKTYPE_* value, without the FCS bits
	SnapLen      uint32
	Nanosecond   bool // timestamps' fractions are nanoseconds, not microseconds
	BigEndian    bool // the writer's byte order
	VersionMajor uint16
	VersionMinor uint16
}

// Packet is one pcap record. Data is only valid until the callback that received it returns, and is nil
// when the stream only counts.
type Packet struct {
	Sec     uint32
	Frac    uint32 // microseconds or nanoseconds, after PcapHeader.Nanosecond
	CapLen  uint32
	OrigLen uint32
	Data    []byte
}

// Time is the packet's timestamp.
func (p Packet) Time(nanosecond bool) time.Time {
	if nanosecond {
		return time.Unix(int64(p.Sec), int64(p.Frac)).UTC()
	}
	return time.Unix(int64(p.Sec), int64(p.Frac)*1000).UTC()
}

// PcapStream parses a pcap stream written to it in chunks of any size, as an exec session delivers tcpdump's
// stdout, and calls OnHeader once and OnPacket for each record. A record that arrives whole in one chunk is
// handed over without being copied.
type PcapStream struct {
	OnHeader func(PcapHeader) error
	OnPacket func(Packet) error
	// CountOnly skips packet bytes instead of assembling them: OnPacket, if set, gets Data == nil.
	CountOnly bool

	header     PcapHeader
	haveHeader bool
	partial    [pcapFileHeaderLen]byte // a file or record header split across chunks
	partialLen int
	record     Packet
	inRecord   bool   // the record header is read, its data is not
	missing    uint32 // record bytes still to come
	data       []byte // a record's data split across chunks
	packets    int64
	err        error
}

// ErrNotPcap means the bytes are not a pcap stream, e.g. text on tcpdump's stdout.
var ErrNotPcap = errors.New("not a pcap stream")

// Packets is the number of complete records seen.
func (s *PcapStream) Packets() int64 { return s.packets }

// Header is the stream's file header and whether it has arrived.
func (s *PcapStream) Header() (PcapHeader, bool) { return s.header, s.haveHeader }

// Close reports a stream that ended inside its file header or a record.
func (s *PcapStream) Close() error {
	if s.err != nil {
		return s.err
	}
	if s.partialLen > 0 || s.inRecord {
		return fmt.Errorf("pcap stream ended inside a record after %d packets", s.packets)
	}
	return nil
}

// Write implements io.Writer.
func (s *PcapStream) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := len(p)
	for len(p) > 0 {
		var err error
		switch {
		case !s.haveHeader:
			p, err = s.fileHeader(p)
		case !s.inRecord:
			p, err = s.recordHeader(p)
		default:
			p, err = s.recordData(p)
		}
		if err != nil {
			s.err = err
			return n - len(p), err
		}
	}
	return n, nil
}

// fill collects want header bytes; ok is false while some are still missing.
func (s *PcapStream) fill(p []byte, want int) (hdr, rest []byte, ok bool) {
	if s.partialLen == 0 && len(p) >= want {
		return p[:want], p[want:], true
	}
	c := copy(s.partial[s.partialLen:want], p)
	s.partialLen += c
	if s.partialLen < want {
		return nil, p[c:], false
	}
	s.partialLen = 0
	return s.partial[:want], p[c:], true
}

func (s *PcapStream) u16(b []byte) uint16 {
	if s.header.BigEndian {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (s *PcapStream) u32(b []byte) uint32 {
	if s.header.BigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (s *PcapStream) fileHeader(p []byte) ([]byte, error) {
	hdr, rest, ok := s.fill(p, pcapFileHeaderLen)
	if !ok {
		return rest, nil
	}
	switch binary.LittleEndian.Uint32(hdr) {
	case pcapMagicMicro:
	case pcapMagicNano:
		s.header.Nanosecond = true
	default:
		s.header.BigEndian = true
		switch binary.BigEndian.Uint32(hdr) {
		case pcapMagicMicro:
		case pcapMagicNano:
			s.header.Nanosecond = true
		default:
			return rest, fmt.Errorf("%w: it starts with %q", ErrNotPcap, hdr[:4])
		}
	}
	s.header.VersionMajor = s.u16(hdr[4:])
	s.header.VersionMinor = s.u16(hdr[6:])
	s.header.SnapLen = s.u32(hdr[16:])
	s.header.LinkType = s.u32(hdr[20:]) & 0x0fffffff
	s.haveHeader = true
	if s.OnHeader != nil {
		return rest, s.OnHeader(s.header)
	}
	return rest, nil
}

func (s *PcapStream) recordHeader(p []byte) ([]byte, error) {
	hdr, rest, ok := s.fill(p, pcapRecordHeaderLen)
	if !ok {
		return rest, nil
	}
	s.record = Packet{Sec: s.u32(hdr), Frac: s.u32(hdr[4:]), CapLen: s.u32(hdr[8:]), OrigLen: s.u32(hdr[12:])}
	if limit := max(s.header.SnapLen, DefaultSnapLen); s.record.CapLen > limit {
		return rest, fmt.Errorf("%w: record %d has %d bytes, more than the snapshot length %d",
			ErrNotPcap, s.packets+1, s.record.CapLen, limit)
	}
	s.inRecord = true
	s.missing = s.record.CapLen
	s.data = s.data[:0]
	if s.missing == 0 {
		return rest, s.emit(nil)
	}
	return rest, nil
}

func (s *PcapStream) recordData(p []byte) ([]byte, error) {
	switch {
	case s.CountOnly:
		c := min(uint32(len(p)), s.missing)
		s.missing -= c
		if s.missing > 0 {
			return p[c:], nil
		}
		return p[c:], s.emit(nil)
	case len(s.data) == 0 && uint32(len(p)) >= s.missing:
		whole := p[:s.missing]
		return p[s.missing:], s.emit(whole)
	default:
		c := min(uint32(len(p)), s.missing)
		s.data = append(s.data, p[:c]...)
		s.missing -= c
		if s.missing > 0 {
			return p[c:], nil
		}
		return p[c:], s.emit(s.data)
	}
}

func (s *PcapStream) emit(data []byte) error {
	s.inRecord = false
	s.packets++
	if s.OnPacket == nil {
		return nil
	}
	s.record.Data = data
	err := s.OnPacket(s.record)
	s.record.Data = nil
	return err
}
