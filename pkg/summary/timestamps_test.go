package summary

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestTimestampsFarFromNow: frames from before 1970 and after 2262 (a pcapng may hold any 64-bit timestamp
// and offset) give a capture range that starts at the earliest and ends at the latest, not one overflowed.
func TestTimestampsFarFromNow(t *testing.T) {
	seg := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 40000, dport: 8080, flags: tcpSYN, seq: 1}
	for _, tc := range []struct {
		name       string
		times      []time.Time
		start, end int // years
		clamped    bool
	}{
		{"before 1970", []time.Time{time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1960, 1, 1, 0, 0, 1, 0, time.UTC)}, 1960, 1960, false},
		{"after 2262", []time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}, 2025, 2116, true},
		{"both", []time.Time{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1823, 2116, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{})
			for _, ts := range tc.times {
				s.AddPacket(packetOf(layers.LinkTypeLinuxSLL2, ts, seg.plain(t, 19)))
			}
			r := s.Report()
			c := r.Capture
			if c.Start == nil || c.End == nil || c.Start.Year() != tc.start || c.End.Year() != tc.end || c.End.Before(*c.Start) {
				t.Errorf("capture from %v to %v, want the years %d to %d", c.Start, c.End, tc.start, tc.end)
			}
			if got := len(notesOf(r, "capture")) > 0; got != tc.clamped {
				t.Errorf("capture notes %q, want a note on clamped timestamps: %v", notesOf(r, "capture"), tc.clamped)
			}
		})
	}
}
