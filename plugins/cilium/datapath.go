package cilium

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Gateway implements dataplane.Plugin: the gateway is cilium_host's address, but the ARP answer comes
// from Cilium's eBPF program on the pod's lxc device, with the lxc device's MAC.
func (Plugin) Gateway(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment, rt iproute.Route) dataplane.GatewayExplanation {
	gw := dataplane.ExplainGateway(node, pod, att, rt)
	if host, ok := node.Links.ByName("cilium_host"); ok && host.HasIPString(gw.IP) {
		gw.Resolution = api.GatewayHostInterface
		gw.ExpectedMAC = att.HostPeer.MAC
		gw.Explanation = fmt.Sprintf("%s is cilium_host's address; Cilium's eBPF program on %s answers ARP for it with %s's MAC %s", gw.IP, att.HostPeer.Name, att.HostPeer.Name, att.HostPeer.MAC)
	}
	return gw
}

// Bypass implements dataplane.Forwarding: Cilium's eBPF programs forward by their own maps, a local
// endpoint straight to its lxc device, a remote one into the tunnel device, whatever the kernel route
// says (via cilium_host).
func (Plugin) Bypass(node *nodefacts.Node) (dataplane.Bypass, bool) {
	b := dataplane.Bypass{
		RouteNote:    "Cilium's eBPF programs forward pod traffic themselves; this is the route the host stack would use",
		Deliverer:    "Cilium's eBPF program",
		HostPeerNote: "Cilium may redirect straight into the pod (bpf_redirect_peer) so a capture here can see nothing",
	}
	for _, name := range []string{"cilium_vxlan", "cilium_geneve"} {
		if l, ok := node.Links.ByName(name); ok {
			b.Tunnel, b.HasTunnel = l, true
			break
		}
	}
	return b, true
}

// ServiceLB implements dataplane.Forwarding: without kube-proxy's rules, Cilium's kube-proxy replacement
// translates Services in eBPF, at the socket (connect()) for a pod's own connections, from its eBPF
// Service map.
func (Plugin) ServiceLB(node *nodefacts.Node) (dataplane.ServiceLB, bool) {
	if node.KubeProxy.Mode != netfilter.ProxyNone {
		return dataplane.ServiceLB{}, false
	}
	return dataplane.ServiceLB{
		Mode:       "replaced",
		Translates: "Cilium's socket load balancer (kube-proxy replacement) translates at connect()",
		Evidence:   []string{"no kube-proxy rules on the node and Cilium's datapath is there (cilium_host): Cilium replaces kube-proxy"},
		AtSocket:   true,
		Skipped: []string{
			"iptables/nftables Service rules (KUBE-SERVICES): there are none, Cilium's eBPF translates",
			"DNAT in the host stack: the packet leaves the pod already addressed to the endpoint",
		},
		Table: &dataplane.ServiceTableReader{
			Agent:  ciliumAgent,
			Argv:   lbListArgv(),
			Parse:  parseLBList,
			Source: "Cilium's eBPF Service map",
		},
	}, true
}

// RemoteVTEP implements dataplane.Forwarding: Cilium keeps its tunnel map in eBPF, not in the FDB, so the
// remote node's address comes from the API.
func (Plugin) RemoteVTEP(dev iproute.Link, endpointNode string, nodeAddrs []netip.Addr) (dataplane.VTEP, bool) {
	if !strings.HasPrefix(dev.Name, "cilium_") {
		return dataplane.VTEP{}, false
	}
	if len(nodeAddrs) > 0 {
		a := nodeAddrs[0]
		return dataplane.VTEP{
			Remote:   a.String(),
			How:      fmt.Sprintf("to node %s at %s (Cilium's eBPF tunnel map; the VNI carries the source's security identity)", endpointNode, a),
			Evidence: []api.Evidence{{Object: "Node " + endpointNode, Shows: "the endpoint's node address " + a.String() + " (Cilium's tunnel map lives in eBPF, not in the FDB)"}},
		}, true
	}
	return dataplane.VTEP{How: "remote VTEP unknown (Cilium's eBPF tunnel map)",
		Problems: []string{"the endpoint's node address is unknown: Cilium's tunnel map is in eBPF"}}, true
}
