package nodefacts_test

import (
	"context"
	"io"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/google/go-cmp/cmp"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// countingRunner counts the execs that reach the node.
type countingRunner struct {
	noderun.Runner
	execs atomic.Int32
}

func (c *countingRunner) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	c.execs.Add(1)
	return c.Runner.Run(ctx, node, argv)
}

func (c *countingRunner) Stream(ctx context.Context, node string, argv []string, o, e io.Writer) (int, error) {
	c.execs.Add(1)
	return c.Runner.Stream(ctx, node, argv, o, e)
}

func TestGatherManyPodsInTwoExecs(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	r := &countingRunner{Runner: s.Runner}
	pods := s.PodsOn("node1")
	if len(pods) != 2 {
		t.Fatalf("scenario has %d pods on node1, want 2", len(pods))
	}
	node, lookups, err := nodefacts.Gather(context.Background(), r, "node1", pods, nodefacts.WantAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.execs.Load(); got != 2 {
		t.Errorf("%d execs on node1 for %d pods, want 2 (one batch for the node, one for the pods)", got, len(pods))
	}
	if len(node.Problems) != 0 {
		t.Errorf("problems: %q", node.Problems)
	}
	for _, l := range lookups {
		if l.Err != nil || l.Net == nil {
			t.Fatalf("%s: %v", l.Pod.Name, l.Err)
		}
		if l.Net.Name != l.Pod.Name || l.Net.Node != "node1" || l.Net.PID == 0 || !strings.HasPrefix(l.Net.NetnsInode, "net:[") {
			t.Errorf("pod net identity = %s/%s on %s pid %d %s", l.Net.Namespace, l.Net.Name, l.Net.Node, l.Net.PID, l.Net.NetnsInode)
		}
	}
	if node.KubeProxy.Mode != "none" {
		t.Errorf("kube-proxy mode in the lab (no rules) = %q, want none", node.KubeProxy.Mode)
	}
	// The commands a person would run, in the order nodefacts runs them.
	var argvs []string
	for _, c := range s.Runner.Recorded.Calls() {
		argvs = append(argvs, strings.Join(c.Argv, " "))
	}
	wantPrefix := []string{
		"ip -j -d addr show", "ip -j -d -4 route show", "ip -j -d -6 route show", "ip -j neigh show",
		"bridge -j fdb show",
	}
	if diff := cmp.Diff(wantPrefix, argvs[:len(wantPrefix)]); diff != "" {
		t.Errorf("node commands (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(argvs[len(argvs)-1], "nsenter -t ") {
		t.Errorf("the last command was %q, want one run inside a pod namespace", argvs[len(argvs)-1])
	}
}

func TestHostPeers(t *testing.T) {
	for _, tc := range []struct {
		scenario, pod string
		want          string
	}{
		{"calico-vxlan", "curl", "cali35e3a5cb80b"},
		{"calico-vxlan", "httpbin", "cali4a3c027cd7f"},
		{"flannel", "httpbin", "veth"},
	} {
		t.Run(tc.scenario+"/"+tc.pod, func(t *testing.T) {
			s := nodefactstest.Load(t, tc.scenario)
			peers, err := nodefacts.HostPeers(context.Background(), s.Runner, s.Pod("default", tc.pod))
			if err != nil {
				t.Fatal(err)
			}
			if len(peers) != 1 || !strings.HasPrefix(peers[0].Name, tc.want) || peers[0].Index == 0 || peers[0].PodInterface != "eth0" {
				t.Errorf("peers = %+v, want one %s…", peers, tc.want)
			}
		})
	}
}

func TestHostPeersSkipsTheMultusMacvlan(t *testing.T) {
	s := nodefactstest.Load(t, "flannel")
	peers, err := nodefacts.HostPeers(context.Background(), s.Runner, s.Pod("default", "curl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 || peers[0].PodInterface != "eth0" {
		t.Errorf("peers = %+v, want only eth0's (net1 is a macvlan on the node's eth0)", peers)
	}
}

func TestAttachableOddCases(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	base := s.Pod("default", "curl")
	mod := func(f func(p *corev1.Pod)) *corev1.Pod { p := base.DeepCopy(); f(p); return p }
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"running", base, ""},
		{"hostNetwork", mod(func(p *corev1.Pod) { p.Spec.HostNetwork = true }), "uses the node's network"},
		{"not scheduled", mod(func(p *corev1.Pod) { p.Spec.NodeName = "" }), "not scheduled"},
		{"finished", mod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), "has finished"},
		{"no IP yet", mod(func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil; p.Status.Phase = corev1.PodPending }), "no IP yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := nodefacts.Attachable(tt.pod)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Attachable = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestGatherRejectsANamespaceWithoutThePodIP(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	pod := s.Pod("default", "curl")
	// Same processes (same UID), but the API says another IP: a recycled or stale namespace.
	pod.Status.PodIP, pod.Status.PodIPs = "10.244.1.99", []corev1.PodIP{{IP: "10.244.1.99"}}
	_, lookups, err := nodefacts.Gather(context.Background(), s.Runner, "node1", []*corev1.Pod{pod}, nodefacts.WantVeth)
	if err == nil && lookups[0].Net != nil {
		t.Fatalf("accepted a namespace that does not hold 10.244.1.99")
	}
	if err == nil && !strings.Contains(lookups[0].Err.Error(), "holds its IPs") {
		t.Errorf("error = %v", lookups[0].Err)
	}
}

func TestPodIPs(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	got := nodefacts.PodIPs(s.Pod("default", "curl"))
	want := []netip.Addr{netip.MustParseAddr("10.244.1.5"), netip.MustParseAddr("fd00:10:244:1::5")}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Error(diff)
	}
}
