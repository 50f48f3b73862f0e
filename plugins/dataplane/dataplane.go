// Package dataplane is the contract every dataplane plugin implements (plugins/calico, plugins/flannel, …)
// and the helpers they share. Plugins are registered in plugins/registry.go.
package dataplane

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// Plugin is the knowledge packetwalk has about one dataplane (CNI). Code outside plugins/ asks it
// questions and never compares a dataplane's name.
type Plugin interface {
	// Name is the dataplane's name as shown to users ("calico").
	Name() string
	// Detect says how sure the plugin is that the node runs its dataplane, and why.
	Detect(node *nodefacts.Node) Detection
	// Tunnels are the node's encapsulation devices that belong to this dataplane.
	Tunnels(node *nodefacts.Node) []Tunnel
	// Describe explains one pod attachment: the host peer name the dataplane would choose, how the pod's
	// gateway is resolved, and caveats.
	Describe(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) Description
	// Warnings are node-wide caveats of the dataplane (e.g. eBPF bypassing the host veth).
	Warnings(node *nodefacts.Node) []string
	// Gateway explains how the pod resolves its next hop rt.Gateway from att: ExplainGateway, unless the
	// dataplane answers ARP its own way.
	Gateway(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment, rt iproute.Route) GatewayExplanation
	Forwarding
}

// Detection is a plugin's confidence (0: not this dataplane, 100: certain) with the facts behind it.
type Detection struct {
	Confidence int
	Evidence   []string
}

// Tunnel is one encapsulation device.
type Tunnel struct {
	// Type is "VXLAN", "IPIP", "Geneve" or "WireGuard".
	Type   string
	Device string
	VNI    int
	Port   int
	Local  string
	MTU    int
	// Underlay is the device the outer packets leave by ("" when unknown).
	Underlay string
	// Overhead is the bytes the encapsulation adds to an IPv4 packet.
	Overhead int
}

// Description is what a plugin says about one pod attachment.
type Description struct {
	// ExpectedPeerName is the host peer name the dataplane gives this pod ("" when it has no rule).
	ExpectedPeerName string
	Gateway          *api.Gateway
	Warnings         []string
}
