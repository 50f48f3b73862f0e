package dataplane

import (
	"net/netip"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
)

// Forwarding is what the walk asks a dataplane about the way a packet goes where the node's kernel tables
// and kube-proxy's rules do not tell the whole story. A dataplane whose packets follow those tables embeds
// KernelDatapath; one with a datapath of its own (eBPF) answers here, and this is where it contributes
// facts read from its own agent.
type Forwarding interface {
	// Bypass says whether the dataplane's own programs forward pod traffic on node, whatever the kernel's
	// route says; false means the kernel route is what happens.
	Bypass(node *nodefacts.Node) (Bypass, bool)
	// ServiceLB says whether the dataplane translates Service addresses on node itself (in eBPF, at the
	// socket), in place of kube-proxy's netfilter rules; false means kube-proxy's rules do.
	ServiceLB(node *nodefacts.Node) (ServiceLB, bool)
	// RemoteVTEP finds the outer destination of a packet for an endpoint on endpointNode (with the API's
	// addresses nodeAddrs), encapsulated on dev, when the dataplane keeps it in a map of its own; false
	// means the node's neighbour and FDB tables say.
	RemoteVTEP(dev iproute.Link, endpointNode string, nodeAddrs []netip.Addr) (VTEP, bool)
}

// Bypass is a datapath that forwards by its own maps: a local endpoint's packet goes straight to its host
// peer, a remote one's into Tunnel.
type Bypass struct {
	// Tunnel is the device remote endpoints' packets are encapsulated on; none in native routing.
	Tunnel    iproute.Link
	HasTunnel bool
	// RouteNote is added to every routing decision of the node: what the kernel's answer stands for.
	RouteNote string
	// Deliverer names what hands a packet arriving from another node to the pod's host peer.
	Deliverer string
	// HostPeerNote is added to a destination host peer: what a capture there may miss.
	HostPeerNote string
}

// ServiceLB is a dataplane's own translation of Service addresses.
type ServiceLB struct {
	// Mode names it in the walk's and the node view's output ("replaced": kube-proxy is replaced).
	Mode string
	// Translates starts the Service hop's summary, which goes on with the address and the number of
	// endpoints it chooses from.
	Translates string
	// Evidence says why the node is taken to translate Services this way.
	Evidence []string
	// AtSocket means the translation happens at connect(), before the packet exists: every capture on
	// the source side already sees the endpoint's address, never the Service's.
	AtSocket bool
	// Skipped are the steps a kube-proxy walk shows that this translation never goes through.
	Skipped []string
	// Table reads the dataplane's own Service table on the node; nil when it has none to read.
	Table *ServiceTableReader
}

// ServiceTableReader is how to read a dataplane's Service table on a node: a command run in the
// dataplane's agent on that node, and its parser.
type ServiceTableReader struct {
	Agent Agent
	Argv  []string
	Parse func(stdout []byte) (ServiceTable, error)
	// Source names the table in evidence ("Cilium's service table").
	Source string
}

// ServiceTable is a dataplane's Service frontends with their backends.
type ServiceTable []ServiceEntry

// ServiceEntry is one frontend (address, port, protocol) and the backends it sends to.
type ServiceEntry struct {
	Frontend netip.AddrPort
	Protocol string
	Backends []netip.AddrPort
}

// Lookup is the entry for frontend and protocol ("TCP"); an entry without a protocol matches any.
func (t ServiceTable) Lookup(frontend netip.AddrPort, protocol string) (ServiceEntry, bool) {
	for _, e := range t {
		if e.Frontend == frontend && (e.Protocol == "" || strings.EqualFold(e.Protocol, protocol)) {
			return e, true
		}
	}
	return ServiceEntry{}, false
}

// VTEP is the remote end of a tunnel as the dataplane knows it.
type VTEP struct {
	// Remote is the outer destination address; "" when unknown.
	Remote   string
	How      string
	Evidence []api.Evidence
	Problems []string
}

// Agent is a dataplane's per-node agent pod: found by label in its namespace, on the node.
type Agent struct {
	// Name is the agent for people ("the Cilium agent").
	Name      string
	Namespace string
	Selector  string
	Container string
}
