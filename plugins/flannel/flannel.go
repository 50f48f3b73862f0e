// Package flannel is packetwalk's knowledge of flannel: pods on the cni0 bridge through vethXXXXXXXX host
// peers, the gateway being cni0's address, and VXLAN (flannel.1, VNI 1, UDP 8472 by default) or WireGuard
// (flannel-wg) between nodes; the host-gw backend routes pod blocks to node addresses with no tunnel.
package flannel

import (
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Plugin is flannel.
type Plugin struct{ dataplane.KernelDatapath }

var _ dataplane.Plugin = Plugin{}

// Name implements dataplane.Plugin.
func (Plugin) Name() string { return "flannel" }

func isFlannelDevice(name string) bool {
	return strings.HasPrefix(name, "flannel.") || strings.HasPrefix(name, "flannel-v6.") || strings.HasPrefix(name, "flannel-wg")
}

// Detect implements dataplane.Plugin.
func (Plugin) Detect(node *nodefacts.Node) dataplane.Detection {
	var d dataplane.Detection
	for _, l := range node.Links {
		if isFlannelDevice(l.Name) {
			d.Confidence = 90
			desc := "link " + l.Name
			if t, ok := dataplane.TunnelOf(node, l); ok && t.Type == "VXLAN" {
				desc += fmt.Sprintf(" (VXLAN VNI %d, UDP %d)", t.VNI, t.Port)
			}
			d.Evidence = append(d.Evidence, desc)
		}
	}
	if d.Confidence == 0 {
		return d
	}
	if cni0, ok := node.Links.ByName("cni0"); ok && cni0.Kind() == "bridge" {
		d.Confidence = 95
		ports := 0
		for _, l := range node.Links {
			if l.Master == "cni0" {
				ports++
			}
		}
		d.Evidence = append(d.Evidence, fmt.Sprintf("bridge cni0 with %d pod veth(s)", ports))
	}
	return d
}

// Tunnels implements dataplane.Plugin.
func (Plugin) Tunnels(node *nodefacts.Node) []dataplane.Tunnel {
	return dataplane.TunnelsNamed(node, isFlannelDevice)
}

// Describe implements dataplane.Plugin.
func (p Plugin) Describe(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) dataplane.Description {
	d := dataplane.Description{Gateway: dataplane.PodGatewayOf(p, node, pod, att)}
	if att.HostPeer.Name != "" && att.HostPeer.Master != "cni0" {
		d.Warnings = append(d.Warnings, fmt.Sprintf("host peer %s is not a port of cni0 (master %q)", att.HostPeer.Name, att.HostPeer.Master))
	}
	return d
}

// Warnings implements dataplane.Plugin.
func (Plugin) Warnings(*nodefacts.Node) []string { return nil }
