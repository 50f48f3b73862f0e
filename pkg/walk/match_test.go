package walk

import (
	"net/netip"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/summary"
)

// TestICMPErrorsQuotingTheProbe: an error about the probe is a refused reply; a redirect quoting it is
// neither, the probe went on.
func TestICMPErrorsQuotingTheProbe(t *testing.T) {
	src, dst, router := netip.MustParseAddr("10.244.1.5"), netip.MustParseAddr("10.244.2.7"), netip.MustParseAddr("10.201.0.1")
	probe := &summary.Quoted{Src: src, Dst: dst, Proto: protoUDP, SrcPort: 40000, DstPort: 53}
	for _, tc := range []struct {
		name            string
		icmpType, code  uint8
		reply, refusing bool
	}{
		{"port unreachable", 3, 3, true, true},
		{"time exceeded", 11, 0, true, true},
		{"redirect", 5, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newProbeMatcher(ProtocolUDP, src, 40000)
			f := &summary.Packet{Src: router, Dst: src, Proto: protoICMP, ICMPType: tc.icmpType, ICMPCode: tc.code, Quoted: probe}
			if got := m.reply(f); got != tc.reply {
				t.Errorf("reply %v, want %v", got, tc.reply)
			}
			if got := refusal(f); got != tc.refusing {
				t.Errorf("refusal %v, want %v", got, tc.refusing)
			}
		})
	}
}
