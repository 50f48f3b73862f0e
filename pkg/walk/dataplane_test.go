package walk

import (
	"context"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// ebpfLike is a dataplane the walk has never heard of: flannel's node layout with a datapath of its own
// that translates Services at the socket and forwards past the bridge.
type ebpfLike struct{ dataplane.Plugin }

func (ebpfLike) ServiceLB(*nodefacts.Node) (dataplane.ServiceLB, bool) {
	return dataplane.ServiceLB{Mode: "socket", Translates: "ebpf-like's socket LB translates"}, true
}

func (ebpfLike) Bypass(*nodefacts.Node) (dataplane.Bypass, bool) {
	return dataplane.Bypass{RouteNote: "ebpf-like forwards by its own maps", HostPeerNote: "ebpf-like may skip this veth"}, true
}

// TestTheNodesPluginDecidesTheWalk: what a dataplane does beyond the kernel's tables comes from the
// node's plugin alone, so a new dataplane needs no change to the walk.
func TestTheNodesPluginDecidesTheWalk(t *testing.T) {
	s, runner := walktest.Load(t, "flannel")
	in, err := Gather(context.Background(), Cluster{Client: s.Client(), Runner: runner}, svcHTTPBin, 40000)
	if err != nil {
		t.Fatal(err)
	}
	kernel, _ := expect(in)
	for _, nv := range in.Nodes {
		nv.Plugin = ebpfLike{nv.Plugin}
	}
	own, _ := expect(in)

	if kernel.Service.Mode != "iptables" || own.Service.Mode != "socket" {
		t.Errorf("Service translation by %s, then %s; want iptables, then the plugin's socket", kernel.Service.Mode, own.Service.Mode)
	}
	same := pathTo(t, own, "10.244.1.6:8080")
	mustContain(t, "Service hop", hop(t, same, api.HopServiceNAT).Summary, "ebpf-like's socket LB translates 10.96.")
	mustContain(t, "route hop", hop(t, same, api.HopRoute).Summary, "(ebpf-like forwards by its own maps)")
	mustContain(t, "destination host peer", hop(t, same, api.HopDestinationHostPeer).Summary, "; ebpf-like may skip this veth")
	if hasKind(same, api.HopBridge) {
		t.Error("the plugin forwards past the bridge, but the walk goes through it")
	}
	if !hasKind(pathTo(t, kernel, "10.244.1.6:8080"), api.HopBridge) {
		t.Error("without the plugin's datapath the same-node path has no bridge hop")
	}
}

func hasKind(p api.WalkPath, kind string) bool {
	for _, h := range p.Hops {
		if h.Kind == kind {
			return true
		}
	}
	return false
}
