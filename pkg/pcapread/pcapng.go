package pcapread

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket/layers"
)

const (
	blockSectionHeader     = 0x0A0D0D0A
	blockInterface         = 0x00000001
	blockObsoletePacket    = 0x00000002
	blockSimplePacket      = 0x00000003
	blockEnhancedPacket    = 0x00000006
	byteOrderMagic         = 0x1A2B3C4D
	maxBlockSize           = MaxPacketSize + 1<<16 // a packet plus generous room for options
	minSectionHeaderLength = 28

	optEndOfOpt     = 0
	optIfName       = 2
	optIfDesc       = 3
	optIfTSResol    = 9
	optIfTSOffset   = 14
	defaultTSResol  = 6 // microseconds
	maxDecimalResol = 19
)

type pcapngState struct {
	bigEndian   bool
	sectionBase int // index in Reader.ifaces of the current section's interface 0
	clocks      []tsClock
}

// tsClock turns one interface's timestamp units into time.
type tsClock struct {
	binary    bool   // units are 2^-shift seconds, else 10^-decimals seconds
	shift     uint   // binary resolution
	perSecond uint64 // decimal: units per second
	offset    int64  // if_tsoffset, seconds
}

var pow10 = func() (p [maxDecimalResol + 1]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

func newClock(resol byte, offset int64) tsClock {
	if resol&0x80 != 0 {
		shift := uint(resol & 0x7f)
		if shift > 63 {
			shift = 63
		}
		return tsClock{binary: true, shift: shift, offset: offset}
	}
	if resol > maxDecimalResol {
		resol = defaultTSResol
	}
	return tsClock{perSecond: pow10[resol], offset: offset}
}

func (c tsClock) time(ticks uint64) time.Time {
	var sec, nanos uint64
	if c.binary {
		sec = ticks >> c.shift
		frac := ticks & (1<<c.shift - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		if c.shift == 0 {
			nanos = 0
		} else {
			nanos = hi<<(64-c.shift) | lo>>c.shift
		}
	} else {
		sec = ticks / c.perSecond
		frac := ticks % c.perSecond
		if c.perSecond <= 1e9 {
			nanos = frac * (1e9 / c.perSecond)
		} else {
			nanos = frac / (c.perSecond / 1e9)
		}
	}
	return time.Unix(int64(sec)+c.offset, int64(nanos))
}

func isPcapNGMagic(b []byte) bool { return u32(b, false) == blockSectionHeader }

// readSectionHeader reads a section header block, which sets the byte order for the blocks after it.
func (r *Reader) readSectionHeader() error {
	h, err := r.peek(12)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("section header block at byte %d is cut short: %w", r.offset, ErrTruncated)
		}
		return err
	}
	st := &r.pcapng
	switch u32(h[8:], false) {
	case byteOrderMagic:
		st.bigEndian = false
	case 0x4D3C2B1A:
		st.bigEndian = true
	default:
		return r.corrupt("section header byte-order magic %x is neither 1a2b3c4d nor 4d3c2b1a", h[8:12])
	}
	n := u32(h[4:], st.bigEndian)
	if n < minSectionHeaderLength || n%4 != 0 || n > maxBlockSize {
		return r.corrupt("section header block length %d", n)
	}
	b, err := r.readRecord(int(n))
	if err != nil {
		return err
	}
	if t := u32(b[n-4:], st.bigEndian); t != n {
		return r.corrupt("section header block length %d, trailer says %d", n, t)
	}
	if major := u16(b[12:], st.bigEndian); major != 1 {
		return r.corrupt("pcapng version %d is not 1", major)
	}
	st.sectionBase = len(r.ifaces)
	st.clocks = st.clocks[:0]
	r.stats.Sections++
	return nil
}

func (r *Reader) nextPcapNG(p *Packet) error {
	st := &r.pcapng
	for {
		h, err := r.peek(8)
		if err != nil {
			return err
		}
		typ := u32(h, st.bigEndian)
		if typ == blockSectionHeader {
			if err := r.readSectionHeader(); err != nil {
				return err
			}
			continue
		}
		n := u32(h[4:], st.bigEndian)
		if n < 12 || n%4 != 0 || n > maxBlockSize {
			return r.corrupt("block type %#x has length %d", typ, n)
		}
		b, err := r.readRecord(int(n))
		if err != nil {
			return err
		}
		if t := u32(b[n-4:], st.bigEndian); t != n {
			return r.corrupt("block type %#x length %d, trailer says %d", typ, n, t)
		}
		body := b[8 : n-4]
		switch typ {
		case blockInterface:
			r.readInterface(body)
		case blockEnhancedPacket:
			if r.enhancedPacket(body, p) {
				return nil
			}
			r.stats.SkippedRecords++
		case blockSimplePacket:
			if r.simplePacket(body, p) {
				return nil
			}
			r.stats.SkippedRecords++
		case blockObsoletePacket:
			if r.obsoletePacket(body, p) {
				return nil
			}
			r.stats.SkippedRecords++
		}
	}
}

func (r *Reader) readInterface(body []byte) {
	st := &r.pcapng
	iface := Interface{Section: r.stats.Sections - 1, ID: len(st.clocks)}
	resol := byte(defaultTSResol)
	var offset int64
	if len(body) >= 8 {
		iface.LinkType = layers.LinkType(u16(body, st.bigEndian))
		iface.SnapLen = u32(body[4:], st.bigEndian)
		forEachOption(body[8:], st.bigEndian, func(code uint16, v []byte) {
			switch code {
			case optIfName:
				iface.Name = optionString(v)
			case optIfDesc:
				iface.Description = optionString(v)
			case optIfTSResol:
				if len(v) >= 1 {
					resol = v[0]
				}
			case optIfTSOffset:
				if len(v) >= 8 {
					hi, lo := u32(v, st.bigEndian), u32(v[4:], st.bigEndian)
					if !st.bigEndian {
						hi, lo = lo, hi
					}
					offset = int64(uint64(hi)<<32 | uint64(lo))
				}
			}
		})
	}
	r.ifaces = append(r.ifaces, iface)
	st.clocks = append(st.clocks, newClock(resol, offset))
}

// forEachOption walks a pcapng options list, stopping at opt_endofopt or at an option that runs past the end.
func forEachOption(b []byte, big bool, fn func(code uint16, value []byte)) {
	for len(b) >= 4 {
		code, n := u16(b, big), int(u16(b[2:], big))
		if code == optEndOfOpt {
			return
		}
		if 4+n > len(b) {
			return
		}
		fn(code, b[4:4+n])
		padded := 4 + (n+3)&^3
		if padded > len(b) {
			return
		}
		b = b[padded:]
	}
}

// optionString trims the NUL padding some writers leave in string options.
func optionString(v []byte) string {
	for len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return string(v)
}

// packetFromBlock fills p from the fields that enhanced and obsolete packet blocks share.
func (r *Reader) packetFromBlock(p *Packet, local int, tsHigh, tsLow, capLen, origLen uint32, data []byte) bool {
	st := &r.pcapng
	if local < 0 || local >= len(st.clocks) || int(capLen) > len(data) {
		return false
	}
	global := st.sectionBase + local
	*p = Packet{
		LinkType:      r.ifaces[global].LinkType,
		Interface:     global,
		Timestamp:     st.clocks[local].time(uint64(tsHigh)<<32 | uint64(tsLow)),
		CaptureLength: int(capLen),
		Length:        int(origLen),
		Data:          data[:capLen],
	}
	return true
}

func (r *Reader) enhancedPacket(body []byte, p *Packet) bool {
	if len(body) < 20 {
		return false
	}
	be := r.pcapng.bigEndian
	id := u32(body, be)
	if id > 1<<20 {
		return false
	}
	return r.packetFromBlock(p, int(id), u32(body[4:], be), u32(body[8:], be), u32(body[12:], be), u32(body[16:], be), body[20:])
}

func (r *Reader) obsoletePacket(body []byte, p *Packet) bool {
	if len(body) < 20 {
		return false
	}
	be := r.pcapng.bigEndian
	return r.packetFromBlock(p, int(u16(body, be)), u32(body[4:], be), u32(body[8:], be), u32(body[12:], be), u32(body[16:], be), body[20:])
}

// simplePacket reads a simple packet block: no timestamp, always interface 0 of the section, and a captured
// length implied by the block length, the original length and the interface's snap length. Its Timestamp is
// the zero time.
func (r *Reader) simplePacket(body []byte, p *Packet) bool {
	st := &r.pcapng
	if len(body) < 4 || len(st.clocks) == 0 {
		return false
	}
	origLen := u32(body, st.bigEndian)
	data := body[4:]
	capLen := uint32(len(data))
	if origLen < capLen {
		capLen = origLen
	}
	if snap := r.ifaces[st.sectionBase].SnapLen; snap != 0 && snap < capLen {
		capLen = snap
	}
	*p = Packet{
		LinkType:      r.ifaces[st.sectionBase].LinkType,
		Interface:     st.sectionBase,
		CaptureLength: int(capLen),
		Length:        int(origLen),
		Data:          data[:capLen],
	}
	return true
}
