package walk

import (
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
	"github.com/packetwalk/kubectl-packetwalk/plugins/generic"
)

// Protocols a walk can probe.
const (
	ProtocolTCP  = "tcp"
	ProtocolUDP  = "udp"
	ProtocolICMP = "icmp"
)

// Input is everything the expected path is reasoned from. Gather fills it from a cluster; tests fill it
// from recorded node output.
type Input struct {
	Source   PodView
	SourceIP netip.Addr
	// SourcePort is the probe's source port, chosen before the walk so captures can filter on it; 0
	// when there is no probe.
	SourcePort int
	Protocol   string
	Dest       Destination
	// Service is set when the destination is a Service.
	Service *ServiceInput
	// ServiceTable is the source node's dataplane's own Service table, when it translates Services
	// itself and has one to read.
	ServiceTable *ServiceTableRead
	// Endpoints are where the packet can be delivered: the destination pod or address, or the Service's
	// endpoints (from the EndpointSlices).
	Endpoints []EndpointInput
	// Nodes holds the facts of the source node and of every node an endpoint is on.
	Nodes map[string]*NodeView
	// Routes holds the answers of the `ip route get` questions asked so far (see RouteQuery).
	Routes RouteAnswers
}

// PodView is a pod as the walk sees it: from the API, and its network namespace from its node.
type PodView struct {
	Ref         api.PodRef
	Node        string
	IPs         []netip.Addr
	HostNetwork bool
	// Net is the pod's network namespace; nil for hostNetwork pods or when it was not looked at or found
	// (LookupErr says why).
	Net       *nodefacts.PodNet
	LookupErr string
}

// NodeView is one node's facts and what the dataplane plugins made of them.
type NodeView struct {
	Name  string
	Facts *nodefacts.Node
	// Dataplane is the detected dataplane's name, with its evidence: for people, never compared.
	Dataplane         string
	DataplaneEvidence []string
	// Addresses are the node's InternalIP/ExternalIP addresses from the Node object.
	Addresses []netip.Addr
	Warnings  []string
	// Plugin is the node's dataplane plugin, which the walk asks what the node's tables do not say; nil
	// when none was detected, and the kernel's tables are taken at their word.
	Plugin dataplane.Plugin
}

// plugin is the node's dataplane plugin, or the fallback that takes the kernel's tables at their word.
func (nv *NodeView) plugin() dataplane.Plugin {
	if nv.Plugin == nil {
		return generic.Plugin{}
	}
	return nv.Plugin
}

// Destination is the destination as resolved from the API.
type Destination struct {
	Kind      string // api.DestinationPod, api.DestinationService or api.DestinationIP
	Namespace string
	Name      string
	IP        netip.Addr
	Port      int
	// Node is the destination pod's node, or the node that owns an IP destination.
	Node        string
	HostNetwork bool
}

// ServiceInput is a Service and the port the walk goes to.
type ServiceInput struct {
	Namespace, Name string
	ClusterIP       netip.Addr
	Port            int
	PortName        string
	TargetPort      int
	// Objects name the API objects read (the Service and its EndpointSlices), for evidence.
	Objects []string
}

// EndpointInput is one place the packet can be delivered to.
type EndpointInput struct {
	IP   netip.Addr
	Port int
	// Pod is the endpoint's pod when known (from the EndpointSlice's targetRef or a pod destination).
	Pod   *PodView
	Node  string
	Ready bool
}

// AddrPort is the endpoint as "ip:port" ("[ip]:port" for IPv6), or the bare IP with no port.
func (e EndpointInput) AddrPort() string { return hostPort(e.IP, e.Port) }

func hostPort(ip netip.Addr, port int) string {
	if port == 0 {
		return ip.String()
	}
	return netip.AddrPortFrom(ip, uint16(port)).String()
}
