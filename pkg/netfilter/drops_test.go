package netfilter

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDropsFor reads filter rules the way iptables-save prints them and keeps those that drop the
// packet.
func TestDropsFor(t *testing.T) {
	rules := `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-FORWARD - [0:0]
:POLICY-IN - [0:0]
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -o cali+ -j POLICY-IN
-A FORWARD -d 10.244.9.9/32 -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A POLICY-IN -p tcp -m tcp --dport 8080 -s 10.244.1.0/24 -j REJECT --reject-with icmp-port-unreachable
-A POLICY-IN -p udp -j DROP
COMMIT
`
	tbl, err := ParseIPTablesSave([]byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	p := Packet{Src: netip.MustParseAddr("10.244.1.5"), Dst: netip.MustParseAddr("10.244.2.7"), Protocol: "tcp", SrcPort: 41000, DstPort: 8080, Out: "cali4a3c027cd7f"}
	// kube-proxy's drop of INVALID conntrack state names nothing of this packet: it is not a finding.
	want := []string{
		"-A POLICY-IN -p tcp -m tcp --dport 8080 -s 10.244.1.0/24 -j REJECT --reject-with icmp-port-unreachable",
	}
	if diff := cmp.Diff(want, tbl.DropsFor(p)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	p.Out = "eth0"
	if got := tbl.DropsFor(p); len(got) != 0 {
		t.Errorf("with -o eth0 the policy chain is not reached, got %q", got)
	}
	p.Dst = netip.MustParseAddr("10.244.9.9")
	if got := tbl.DropsFor(p); len(got) != 1 || got[0] != "-A FORWARD -d 10.244.9.9/32 -j DROP" {
		t.Errorf("a DROP for the destination: %q", got)
	}
}
