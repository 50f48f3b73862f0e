// Package generic describes pods on dataplanes packetwalk has no specific knowledge of: the bridge and
// ptp CNI plugins, kindnet and the like. It is the fallback: it only reports what the node's tables show.
package generic

import (
	"fmt"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Plugin is the fallback dataplane.
type Plugin struct{ dataplane.KernelDatapath }

var _ dataplane.Plugin = Plugin{}

// Name implements dataplane.Plugin.
func (Plugin) Name() string { return "generic" }

// Detect implements dataplane.Plugin: a low confidence whenever the node has veth host peers, so any
// specific plugin wins over it.
func (Plugin) Detect(node *nodefacts.Node) dataplane.Detection {
	var d dataplane.Detection
	veths, bridged := 0, map[string]int{}
	for _, l := range node.Links {
		if l.Kind() == "veth" && l.PeerNetnsID != nil {
			veths++
			if l.Master != "" {
				bridged[l.Master]++
			}
		}
	}
	if veths == 0 {
		return d
	}
	d.Confidence = 10
	d.Evidence = append(d.Evidence, fmt.Sprintf("%d veth pairs into other network namespaces", veths))
	for br, n := range bridged {
		d.Evidence = append(d.Evidence, fmt.Sprintf("%d of them on bridge %s (bridge CNI)", n, br))
	}
	if len(bridged) == 0 {
		d.Evidence = append(d.Evidence, "none on a bridge (point-to-point, as the ptp CNI and kindnet do)")
	}
	return d
}

// Tunnels implements dataplane.Plugin: every tunnel device of the node.
func (Plugin) Tunnels(node *nodefacts.Node) []dataplane.Tunnel {
	return dataplane.TunnelsNamed(node, func(string) bool { return true })
}

// Describe implements dataplane.Plugin.
func (p Plugin) Describe(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) dataplane.Description {
	return dataplane.Description{Gateway: dataplane.PodGatewayOf(p, node, pod, att)}
}

// Warnings implements dataplane.Plugin.
func (Plugin) Warnings(*nodefacts.Node) []string { return nil }
