package api

// VethList is `kubectl packetwalk veth … -o json|yaml`: one item per pod interface, plus one item for each
// pod that has no interface to show (hostNetwork, not running, …) with Status saying why.
type VethList struct {
	TypeMeta `json:",inline"`
	Items    []Veth `json:"items"`
}

// Veth statuses: why a pod has, or has not, an interface row.
const (
	VethOK            = "OK"
	VethHostNetwork   = "HostNetwork"
	VethNotScheduled  = "NotScheduled"
	VethNotRunning    = "NotRunning"
	VethWindowsNode   = "WindowsNode"
	VethNodeNotReady  = "NodeNotReady"
	VethNetnsNotFound = "NetnsNotFound"
	VethError         = "Error"
)

// Veth is one pod interface and the host-side interface it plugs into.
type Veth struct {
	TypeMeta `json:",inline"`
	Pod      PodRef `json:"pod"`
	Node     string `json:"node,omitempty"`
	// Status is one of the Veth* constants; Message explains any status but OK in one line.
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	// Dataplane is the node's detected dataplane ("calico", "flannel", "cilium", "generic").
	Dataplane string `json:"dataplane,omitempty"`

	// Interface is the pod-side interface: name, ifindex and the ifindex of its peer in the host's
	// namespace (`eth0@if19` is Name eth0, PeerIndex 19).
	Interface *PodInterface `json:"interface,omitempty"`
	// HostPeer is the other end of the pod's interface in the node's namespace.
	HostPeer *HostPeer `json:"hostPeer,omitempty"`
	// Gateway is the pod's next hop for remote destinations and how its MAC address is resolved.
	Gateway *Gateway `json:"gateway,omitempty"`
	// HostRoutes are the node's routes to the pod's IPs.
	HostRoutes []Route `json:"hostRoutes,omitempty"`
	// Warnings are dataplane caveats (e.g. an eBPF datapath that bypasses the host veth) and
	// inconsistencies found while checking (e.g. a host peer name the dataplane would not choose).
	Warnings []string `json:"warnings,omitempty"`
}

// PodInterface is an interface inside the pod's network namespace.
type PodInterface struct {
	Name      string   `json:"name"`
	Index     int      `json:"index"`
	PeerIndex int      `json:"peerIndex,omitempty"`
	IPs       []string `json:"ips,omitempty"`
	MAC       string   `json:"mac,omitempty"`
	MTU       int      `json:"mtu,omitempty"`
	// RouteMTU is the MTU set on the pod's route for remote traffic (Cilium sets one below the device
	// MTU); 0 when the route has none.
	RouteMTU int    `json:"routeMTU,omitempty"`
	Kind     string `json:"kind,omitempty"`
}

// HostPeer is the host side of a pod interface.
type HostPeer struct {
	Name string `json:"name"`
	// Index is the peer's ifindex in the node's namespace; PeerIndex the pod side's ifindex as the host
	// side sees it (`cali35e3a5cb80b@if3`).
	Index     int    `json:"index"`
	PeerIndex int    `json:"peerIndex,omitempty"`
	MAC       string `json:"mac,omitempty"`
	MTU       int    `json:"mtu,omitempty"`
	// Master is the bridge the peer is enslaved to (cni0 for flannel), if any.
	Master string `json:"master,omitempty"`
	// ProxyARP is net.ipv4.conf.<peer>.proxy_arp; nil when it could not be read.
	ProxyARP *bool `json:"proxyARP,omitempty"`
	// Verified is true when the peer's own peer index points back at the pod's interface.
	Verified bool `json:"verified"`
	// ConfirmedBy is a node-side fact tying the peer to this pod (a host route to the pod's IP through
	// it, or the pod's MAC learned on it by a bridge); empty when the node's tables hold none, as with
	// eBPF dataplanes.
	ConfirmedBy string `json:"confirmedBy,omitempty"`
	// ExpectedName is the name the dataplane would give this peer (calico's cali+sha1), when it has a rule.
	ExpectedName string `json:"expectedName,omitempty"`
}

// Gateway resolutions: how the pod's gateway MAC is answered.
const (
	// GatewayProxyARP: a link-local gateway (169.254.1.1) answered by proxy-ARP on the host veth (calico).
	GatewayProxyARP = "ProxyARP"
	// GatewayBridge: the gateway is the bridge's own address (flannel, bridge CNI, kindnet).
	GatewayBridge = "Bridge"
	// GatewayHostInterface: the gateway is an address of a host interface (cilium_host, ptp).
	GatewayHostInterface = "HostInterface"
	// GatewayUnknown: no rule explains the gateway.
	GatewayUnknown = "Unknown"
)

// Gateway is the pod's next hop.
type Gateway struct {
	IP  string `json:"ip,omitempty"`
	Dev string `json:"dev,omitempty"`
	// MAC is the gateway's MAC in the pod's neighbour table (empty if not yet resolved); ExpectedMAC the
	// MAC that should answer for it on the host side.
	MAC         string `json:"mac,omitempty"`
	ExpectedMAC string `json:"expectedMAC,omitempty"`
	// Resolution is one of the Gateway* constants; Explanation says it in a sentence.
	Resolution  string `json:"resolution"`
	Explanation string `json:"explanation,omitempty"`
}

// Route is a route in a node's or pod's table.
type Route struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
	OnLink  bool   `json:"onlink,omitempty"`
	// Node is the node that owns Dst, for routes to other nodes' pod blocks.
	Node string `json:"node,omitempty"`
	// VTEP is the underlay address the tunnel sends to for this route, when it differs from Gateway
	// (VXLAN: the FDB entry of the gateway's MAC).
	VTEP string `json:"vtep,omitempty"`
}
