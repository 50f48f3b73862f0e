package cilium

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/bpf-metrics-list-node2-denied.json is `cilium-dbg bpf metrics list -o json` recorded from the
// Cilium v1.20.2 agent on node 2 of the local cluster (kube-proxy replacement) after a walk to httpbin
// with a deny-all ingress NetworkPolicy on it.
func TestParsePolicyDropsRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/bpf-metrics-list-node2-denied.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsePolicyDrops(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Policy denied ingress: 2 packets (bpf_lxc.c:2410)"}, got); diff != "" {
		t.Errorf("policy drops (-want +got):\n%s", diff)
	}
	if _, err := parsePolicyDrops([]byte(`{"reason": "Policy denied"}`)); err == nil {
		t.Error("an object, not a list, was read")
	}
}
