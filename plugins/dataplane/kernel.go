package dataplane

import (
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// KernelDatapath answers the walk's questions for dataplanes whose packets follow the node's routes,
// neighbour and FDB tables and kube-proxy's rules, and whose gateway is answered by the kernel. Plugins
// embed it and override what their datapath does otherwise.
type KernelDatapath struct{}

// Gateway implements Plugin.
func (KernelDatapath) Gateway(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment, rt iproute.Route) GatewayExplanation {
	return ExplainGateway(node, pod, att, rt)
}

// Bypass implements Forwarding.
func (KernelDatapath) Bypass(*nodefacts.Node) (Bypass, bool) { return Bypass{}, false }

// ServiceLB implements Forwarding.
func (KernelDatapath) ServiceLB(*nodefacts.Node) (ServiceLB, bool) { return ServiceLB{}, false }

// RemoteVTEP implements Forwarding.
func (KernelDatapath) RemoteVTEP(iproute.Link, string, []netip.Addr) (VTEP, bool) {
	return VTEP{}, false
}
