package netfilter

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
)

func loadRecorded(t *testing.T) (*IPTables, *NFTRuleset) {
	t.Helper()
	saved, err := os.ReadFile("testdata/kube-proxy-iptables-save.txt")
	if err != nil {
		t.Fatal(err)
	}
	listed, err := os.ReadFile("testdata/kube-proxy-nft.json")
	if err != nil {
		t.Fatal(err)
	}
	nat, err := ParseIPTablesSave(saved)
	if err != nil {
		t.Fatal(err)
	}
	nft, err := ParseNFT(listed)
	if err != nil {
		t.Fatal(err)
	}
	return nat, nft
}

func TestTranslateServiceAddresses(t *testing.T) {
	nat, nft := loadRecorded(t)
	half := 0.5
	tests := []struct {
		name  string
		p     Packet
		want  []string // endpoint addresses
		share []float64
		ok    bool
	}{
		{"cluster IP, one endpoint", Packet{Dst: addr("172.30.0.41"), DstPort: 80, Protocol: "tcp"}, []string{"10.180.0.1:80"}, []float64{1}, true},
		{"cluster IP, two endpoints", Packet{Dst: addr("172.30.0.44"), DstPort: 80, Protocol: "tcp"}, []string{"10.180.0.4:80", "10.180.0.5:80"}, []float64{half, half}, true},
		{"external IP", Packet{Dst: addr("192.168.99.33"), DstPort: 80, Protocol: "tcp"}, []string{"10.180.0.4:80", "10.180.0.5:80"}, []float64{half, half}, true},
		{"load balancer IP behind source ranges", Packet{Dst: addr("5.6.7.8"), DstPort: 80, Protocol: "tcp"}, []string{"10.180.0.3:80"}, []float64{1}, true},
		{"session affinity counts the endpoint once", Packet{Dst: addr("172.30.0.45"), DstPort: 80, Protocol: "tcp"}, []string{"10.180.0.3:80"}, []float64{1}, true},
		{"node port on a node address", Packet{Dst: addr("192.168.0.2"), DstPort: 3001, Protocol: "tcp", DstLocal: true}, []string{"10.180.0.2:80"}, []float64{1}, true},
		{"wrong port", Packet{Dst: addr("172.30.0.44"), DstPort: 81, Protocol: "tcp"}, nil, nil, false},
		{"wrong protocol", Packet{Dst: addr("172.30.0.44"), DstPort: 80, Protocol: "udp"}, nil, nil, false},
		{"not a service", Packet{Dst: addr("10.180.0.4"), DstPort: 80, Protocol: "tcp"}, nil, nil, false},
		{"node port on a remote address", Packet{Dst: addr("192.168.0.9"), DstPort: 3001, Protocol: "tcp"}, nil, nil, false},
	}
	for _, tt := range tests {
		for mode, translate := range map[string]func(Packet) (Translation, bool){"iptables": nat.Translate, "nftables": nft.Translate} {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				got, ok := translate(tt.p)
				if ok != tt.ok {
					t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
				}
				var addrs []string
				var shares []float64
				for _, e := range got.Endpoints {
					addrs = append(addrs, e.Address)
					shares = append(shares, e.Probability)
				}
				if diff := cmp.Diff(tt.want, addrs); diff != "" {
					t.Errorf("endpoints (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.share, shares, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
					t.Errorf("shares (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestTranslateNamesTheChains(t *testing.T) {
	nat, nft := loadRecorded(t)
	p := Packet{Dst: addr("192.168.99.22"), DstPort: 80, Protocol: "tcp"}
	got, _ := nat.Translate(p)
	want := Translation{
		Chains:    []string{"KUBE-SERVICES", "KUBE-EXT-GNZBNJ2PO5MGZ6GT", "KUBE-SVC-GNZBNJ2PO5MGZ6GT"},
		Comment:   "ns2/svc2:p80 external IP",
		Endpoints: []Endpoint{{Chain: "KUBE-SEP-RS4RBKLTHTF2IUXJ", Address: "10.180.0.2:80", Probability: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("iptables (-want +got):\n%s", diff)
	}
	got, _ = nft.Translate(p)
	want = Translation{
		Chains:    []string{"service-ips", "external-42NFTM6N-ns2/svc2/tcp/p80", "service-42NFTM6N-ns2/svc2/tcp/p80"},
		Comment:   "ns2/svc2:p80",
		Endpoints: []Endpoint{{Chain: "endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80", Address: "10.180.0.2:80", Probability: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nftables (-want +got):\n%s", diff)
	}
}

func TestParseIPTablesSaveKeepsQuotedWords(t *testing.T) {
	nat, _ := loadRecorded(t)
	r := nat.Chains["KUBE-SVC-4SW47YFZTEDKD3PK"][1]
	if r.Comment() != "ns4/svc4:p80 -> 10.180.0.4:80" || r.Target() != "KUBE-SEP-UKSFD7AGPMPPLUHC" {
		t.Errorf("rule %q: comment %q target %q", r, r.Comment(), r.Target())
	}
	if _, err := ParseIPTablesSave([]byte("*nat\n-A X -m comment --comment \"open\nCOMMIT\n")); err == nil {
		t.Error("an unterminated quote was accepted")
	}
}

func TestDetectProxyMode(t *testing.T) {
	nat, nft := loadRecorded(t)
	empty, err := ParseNFT([]byte(`{"nftables": [{"metainfo": {"version": "1.0.6"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	emptyNAT, err := ParseIPTablesSave([]byte("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"))
	if err != nil {
		t.Fatal(err)
	}
	ipvs := iproute.Links{{Index: 5, Name: "kube-ipvs0", Info: &iproute.LinkInfo{Kind: "dummy"}}}
	tests := []struct {
		name  string
		nat   *IPTables
		nft   *NFTRuleset
		links iproute.Links
		want  ProxyMode
	}{
		{"iptables", nat, empty, nil, ProxyIPTables},
		{"nftables", emptyNAT, nft, nil, ProxyNFTables},
		{"ipvs", nat, empty, ipvs, ProxyIPVS},
		{"no rules", emptyNAT, empty, nil, ProxyNone},
		{"nothing readable", nil, nil, nil, ProxyUnknown},
		{"only nft readable, iptables-nft rules in it", nil, nft, nil, ProxyNFTables},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectProxyMode(tt.nat, tt.nft, tt.links)
			if got.Mode != tt.want || len(got.Evidence) == 0 {
				t.Errorf("mode %q evidence %q, want %q with evidence", got.Mode, got.Evidence, tt.want)
			}
		})
	}
}

func TestParseEmptyOutputs(t *testing.T) {
	if nat, err := ParseIPTablesSave(nil); nat != nil || err != nil {
		t.Errorf("empty iptables-save: %v, %v", nat, err)
	}
	if rs, err := ParseNFT([]byte("\n")); err != nil || len(rs.Tables) != 0 {
		t.Errorf("empty nft: %v, %v", rs, err)
	}
	if _, err := ParseNFT([]byte("{")); err == nil {
		t.Error("truncated nft JSON was accepted")
	}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestTranslateOnTheLocalCluster reads the nat table a real kube-proxy (v1.33, iptables mode) wrote on the
// local cluster's node 1, recorded by the end-to-end tests.
func TestTranslateOnTheLocalCluster(t *testing.T) {
	saved, err := os.ReadFile("../nodefacts/testdata/cluster-flannel/pw-node1/iptables-save-t-nat.txt")
	if err != nil {
		t.Fatal(err)
	}
	nat, err := ParseIPTablesSave(saved)
	if err != nil {
		t.Fatal(err)
	}
	if d := DetectProxyMode(nat, nil, nil); d.Mode != ProxyIPTables {
		t.Errorf("mode %s", d.Mode)
	}
	// default/httpbin (ClusterIP 10.96.80.41:80 → 8080) has one endpoint: pod httpbin, 10.244.2.2.
	got, ok := nat.Translate(Packet{Dst: addr("10.96.80.41"), DstPort: 80, Protocol: "tcp"})
	if !ok || got.Comment != "default/httpbin:http cluster IP" || len(got.Endpoints) != 1 || got.Endpoints[0].Address != "10.244.2.2:8080" {
		t.Errorf("httpbin's ClusterIP translates to %+v", got)
	}
	// The NodePort Service on node 1's own address, matched by kube-proxy's `-d <node IP> -j KUBE-NODEPORTS`.
	got, ok = nat.Translate(Packet{Dst: addr("10.201.0.11"), DstPort: 30080, Protocol: "tcp", DstLocal: true})
	if !ok || len(got.Endpoints) == 0 || got.Chains[1] != "KUBE-NODEPORTS" {
		t.Fatalf("NodePort 30080 translates to %+v", got)
	}
	for _, e := range got.Endpoints {
		if !strings.HasSuffix(e.Address, ":8080") {
			t.Errorf("NodePort endpoint %s is not an httpbin pod's port 8080", e.Address)
		}
	}
}

// TestTranslateOnAnNFTablesCluster reads what `nft -j list ruleset` printed in the helper image on node 1 of
// the local cluster with kube-proxy v1.33 in nftables mode. The image has no /etc/protocols, so nft printed
// the protocol of every service-ips key as a number (6), not as "tcp".
func TestTranslateOnAnNFTablesCluster(t *testing.T) {
	listed, err := os.ReadFile("testdata/cluster-nftables-pw-node1.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(listed), `{"concat": ["10.96.60.116", 6, 80]}`) {
		t.Fatal("the recording no longer has the numeric protocol this test is about")
	}
	nft, err := ParseNFT(listed)
	if err != nil {
		t.Fatal(err)
	}
	if d := DetectProxyMode(nil, nft, nil); d.Mode != ProxyNFTables {
		t.Errorf("mode %s", d.Mode)
	}
	// default/httpbin (ClusterIP 10.96.60.116:80 → 8080) has one endpoint: pod httpbin, 10.244.2.2.
	got, ok := nft.Translate(Packet{Dst: addr("10.96.60.116"), DstPort: 80, Protocol: "tcp"})
	if !ok || got.Comment != "default/httpbin:http" || len(got.Endpoints) != 1 || got.Endpoints[0].Address != "10.244.2.2:8080" {
		t.Errorf("httpbin's ClusterIP translates to %+v, %v", got, ok)
	}
	if _, ok := nft.Translate(Packet{Dst: addr("10.96.60.116"), DstPort: 80, Protocol: "udp"}); ok {
		t.Error("UDP to httpbin's TCP port was translated")
	}
	// httpbin-nodeport's NodePort 30080 on node 1's own address.
	got, ok = nft.Translate(Packet{Dst: addr("10.201.0.11"), DstPort: 30080, Protocol: "tcp", DstLocal: true})
	if !ok || len(got.Endpoints) != 1 || got.Endpoints[0].Address != "10.244.2.2:8080" || got.Chains[0] != "service-nodeports" {
		t.Errorf("NodePort 30080 translates to %+v, %v", got, ok)
	}
}
