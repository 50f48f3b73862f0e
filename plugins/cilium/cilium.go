// Package cilium is packetwalk's knowledge of Cilium: pods plugged into lxc* host veths, cilium_host and
// cilium_net as the node's side of the pod network, VXLAN (cilium_vxlan, UDP 8472) or Geneve
// (cilium_geneve, UDP 6081) tunnels, and an eBPF datapath that answers ARP and may skip the host veth.
package cilium

import (
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Plugin is Cilium.
type Plugin struct{}

var _ dataplane.Plugin = Plugin{}

// Name implements dataplane.Plugin.
func (Plugin) Name() string { return "cilium" }

// Detect implements dataplane.Plugin.
func (Plugin) Detect(node *nodefacts.Node) dataplane.Detection {
	var d dataplane.Detection
	for _, name := range []string{"cilium_host", "cilium_net", "cilium_vxlan", "cilium_geneve", "cilium_wg0"} {
		if _, ok := node.Links.ByName(name); ok {
			d.Confidence = 95
			d.Evidence = append(d.Evidence, "link "+name)
		}
	}
	lxc := 0
	for _, l := range node.Links {
		if strings.HasPrefix(l.Name, "lxc") && l.Kind() == "veth" {
			lxc++
		}
	}
	if lxc > 0 {
		if d.Confidence == 0 {
			d.Confidence = 60
		}
		d.Evidence = append(d.Evidence, fmt.Sprintf("%d veth host peers named lxc*", lxc))
	}
	return d
}

// Tunnels implements dataplane.Plugin.
func (Plugin) Tunnels(node *nodefacts.Node) []dataplane.Tunnel {
	ts := dataplane.TunnelsNamed(node, func(name string) bool {
		return name == "cilium_vxlan" || name == "cilium_geneve" || name == "cilium_wg0"
	})
	// Cilium's tunnel devices are in collect-metadata ("external") mode: the VNI of each packet is the
	// source's security identity, not a device setting.
	for i := range ts {
		ts[i].VNI = 0
	}
	return ts
}

// Describe implements dataplane.Plugin.
func (p Plugin) Describe(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) dataplane.Description {
	d := dataplane.Description{Gateway: dataplane.PodGatewayOf(p, node, pod, att)}
	d.Warnings = append(d.Warnings, fmt.Sprintf("Cilium's eBPF datapath can deliver packets past the host veth %s (bpf_redirect_peer, eBPF host routing): tcpdump there may see only one direction or nothing", att.HostPeer.Name))
	return d
}

// Warnings implements dataplane.Plugin.
func (Plugin) Warnings(node *nodefacts.Node) []string {
	if node.KubeProxy.Mode == netfilter.ProxyNone {
		return []string{"no kube-proxy rules on this node: Cilium handles Services in eBPF (kube-proxy replacement), so Service translation is not visible in iptables or nftables"}
	}
	return nil
}
