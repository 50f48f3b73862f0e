package capture

import (
	"io"
	"testing"
)

// benchStream is a pcap stream of about 1 MB made of the recorded `-i any` capture's packets repeated, as
// tcpdump would deliver a busy node's traffic.
func benchStream(b *testing.B, fixture string) (stream []byte, packets int) {
	capture := readFixture(b, fixture)
	stream = append(stream, capture...)
	records := capture[pcapFileHeaderLen:]
	n := 0
	s := &PcapStream{CountOnly: true}
	_, _ = s.Write(capture)
	per := int(s.Packets())
	for len(stream) < 1<<20 {
		stream = append(stream, records...)
		n++
	}
	return stream, per * (n + 1)
}

// BenchmarkPcapToPcapng is the rewrite path of a node capture: SLL2 records parsed from tcpdump's stream
// in 32 KiB chunks, split by ifindex into named interfaces, rewritten as SLL and written as pcapng.
func BenchmarkPcapToPcapng(b *testing.B) {
	stream, packets := benchStream(b, "any-sll2-nano.pcap")
	target := fixtureTarget(b)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	w, err := NewPcapngWriter(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		sink := newPcapngTarget(target, "", w)
		for rest := stream; len(rest) > 0; {
			n := min(32<<10, len(rest))
			if _, err := sink.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkPassThrough is one target in pcap: tcpdump's bytes copied as they come, records only counted.
func BenchmarkPassThrough(b *testing.B) {
	stream, packets := benchStream(b, "any-sll2-nano.pcap")
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := newPassThrough(io.Discard)
		for rest := stream; len(rest) > 0; {
			n := min(32<<10, len(rest))
			if _, err := p.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
