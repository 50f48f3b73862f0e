package cilium

import (
	"net/netip"
	"os"
	"strings"
	"testing"
)

// testdata/bpf-lb-list-node1.json is `cilium-dbg bpf lb list -o json` recorded from the Cilium v1.20.2
// agent on node 1 of the local cluster with kube-proxy replacement (httpbin 10.96.204.151 → node 2's
// pod, httpbin-local 10.96.134.43 → node 1's, the API server, a NodePort).
func TestParseLBListRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/bpf-lb-list-node1.json")
	if err != nil {
		t.Fatal(err)
	}
	table, err := parseLBList(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ fe, proto, want string }{
		{"10.96.204.151:80", "tcp", "10.244.2.226:8080"},
		{"10.96.134.43:80", "TCP", "10.244.1.109:8080"},
		{"10.96.0.1:443", "tcp", "10.201.0.1:6443"},
	} {
		e, ok := table.Lookup(netip.MustParseAddrPort(tt.fe), tt.proto)
		if !ok || len(e.Backends) != 1 || e.Backends[0].String() != tt.want {
			t.Errorf("%s/%s: %+v (found %v), want one backend %s", tt.fe, tt.proto, e, ok, tt.want)
		}
	}
	// The Service's own entry (slot 0) and the wildcard "ANY" entry carry no backend.
	if e, ok := table.Lookup(netip.MustParseAddrPort("10.96.204.151:0"), "tcp"); ok && len(e.Backends) != 0 {
		t.Errorf("the ANY entry has backends %v", e.Backends)
	}
	if _, ok := table.Lookup(netip.MustParseAddrPort("10.96.204.151:81"), "tcp"); ok {
		t.Error("a port the Service does not have was found")
	}
}

func TestParseLBListRejectsWhatItDoesNotKnow(t *testing.T) {
	for _, in := range []string{
		`not json`,
		`{"10.96.0.1:443/TCP": []}`,
		`{"10.96.0.1:443/TCP (x)": []}`,
		`{"10.96.0.1:443/tcp (1)": ["10.0.0.1:80/TCP (1) (1)"]}`,
		`{"10.96.0.1:443/TCP (1)": ["\u001b[31m10.0.0.1:80/TCP (1) (1)"]}`,
		`{"10.96.0.1:443/TCP (1)": ["10.0.0.1/TCP (1) (1)"]}`,
	} {
		if _, err := parseLBList([]byte(in)); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
	table, err := parseLBList([]byte(`{"[fd00::10]:80/TCP (1)": ["[fd00:10:244::5]:8080/TCP (3) (1)"]}`))
	if err != nil || len(table) != 1 || !strings.Contains(table[0].Backends[0].String(), "fd00:10:244::5") {
		t.Errorf("IPv6: %+v, %v", table, err)
	}
}
