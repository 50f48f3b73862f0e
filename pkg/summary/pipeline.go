package summary

import (
	"context"
	"fmt"
	"io"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// ReadStream's two stages hand frames over in batches. The batches are allocated once per stream and go round
// between the stages, so the steady state allocates nothing.
const (
	batchFrames   = 256
	batchesInUse  = 6
	maxFrameBytes = 60 + 16 + maxRequestLine + maxDNSName // what compact keeps of one frame
)

type batch struct {
	frames [batchFrames]frame
	n      int
	// arena holds the bytes the frames refer to: the packet data they came from is the reader's and is
	// overwritten by the next packet.
	arena []byte
	// ifaces are the capture interfaces described since the previous batch.
	ifaces []pcapread.Interface
	// last marks the final batch, with the reader's error (io.EOF at a clean end) and skipped records.
	last    bool
	err     error
	skipped int
}

type pipeline struct {
	full, free chan *batch
}

func newPipeline() *pipeline {
	p := &pipeline{full: make(chan *batch, batchesInUse), free: make(chan *batch, batchesInUse)}
	for range batchesInUse {
		p.free <- &batch{arena: make([]byte, 0, batchFrames*maxFrameBytes)}
	}
	return p
}

// produce reads and decodes packets into batches until the stream ends, and always sends a last batch.
func (s *Summarizer) produce(ctx context.Context, rd *pcapread.Reader, base int, p *pipeline) {
	var pkt pcapread.Packet
	known := 0 // interfaces of rd already handed over
	b := <-p.free
	// A bug in decoding a strange packet ends the stream with an error, not the process.
	defer func() {
		if v := recover(); v != nil {
			b.last, b.err = true, fmt.Errorf("reading stopped at packet %d: %v: %w", rd.Stats().Packets, v, pcapread.ErrCorrupt)
			p.full <- b
			close(p.full)
		}
	}()
	b.n, b.arena, b.ifaces, b.last, b.err = 0, b.arena[:0], b.ifaces[:0], false, nil
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			b.last, b.err = true, ctx.Err()
			break
		}
		if err := rd.Next(&pkt); err != nil {
			b.last, b.err = true, err
			break
		}
		if ifs := rd.Interfaces(); len(ifs) > known {
			b.ifaces = append(b.ifaces, ifs[known:]...)
			known = len(ifs)
		}
		pkt.Interface += base
		f := &b.frames[b.n]
		s.dec.decode(&pkt, f)
		f.compact(&b.arena)
		b.n++
		if b.n == batchFrames {
			p.full <- b
			b = <-p.free
			b.n, b.arena, b.ifaces, b.last, b.err = 0, b.arena[:0], b.ifaces[:0], false, nil
		}
	}
	if ifs := rd.Interfaces(); len(ifs) > known {
		b.ifaces = append(b.ifaces, ifs[known:]...)
	}
	b.skipped = rd.Stats().SkippedRecords
	if b.err == io.EOF {
		b.err = nil
	}
	p.full <- b
	close(p.full)
}

// compact copies the bytes the frame refers to, as much of them as accounting uses, into the arena.
func (f *frame) compact(arena *[]byte) {
	keep := func(b []byte, limit int) []byte {
		if b == nil {
			return nil
		}
		if len(b) > limit {
			b = b[:limit]
		}
		start := len(*arena)
		*arena = append(*arena, b...)
		return (*arena)[start:len(*arena):len(*arena)]
	}
	f.tcpHeader = keep(f.tcpHeader, 60)
	f.payload = keep(f.payload, 16) // packetSignature and matchDNAT read up to 16 bytes
	f.httpRequest = keep(f.httpRequest, maxRequestLine)
	f.dnsName = keep(f.dnsName, maxDNSName)
}
