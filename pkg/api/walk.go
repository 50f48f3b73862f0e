package api

// KindWalk is the Kind of a Walk.
const KindWalk = "Walk"

// Walk is `kubectl packetwalk pod SRC --to DST -o json|yaml`: the path a packet from a pod takes to a pod,
// Service or address, hop by hop, with the evidence behind each hop, what a probe observed at each hop,
// and the verdict. docs/output.md documents every field.
type Walk struct {
	TypeMeta    `json:",inline"`
	Source      WalkSource      `json:"source"`
	Destination WalkDestination `json:"destination"`
	// Protocol is "tcp", "udp" or "icmp"; Port the destination port as asked (0 for icmp).
	Protocol string `json:"protocol"`
	Port     int    `json:"port,omitempty"`
	// Service is how the Service address is translated, when the destination is a Service.
	Service *ServiceTranslation `json:"service,omitempty"`
	// Paths are the expected paths, one per endpoint the packet can be sent to (one for a pod or an
	// address). With a probe, the path the probe took has Chosen set.
	Paths []WalkPath `json:"paths"`
	// Probe is the packet that was sent and what came back; nil with --no-probe.
	Probe   *Probe  `json:"probe,omitempty"`
	Verdict Verdict `json:"verdict"`
	// Warnings are dataplane caveats and facts that could not be gathered.
	Warnings []string `json:"warnings,omitempty"`
}

// WalkSource is the pod the packet starts from.
type WalkSource struct {
	Pod  PodRef `json:"pod"`
	Node string `json:"node"`
	// IP is the source address used (the pod IP of the destination's family).
	IP          string `json:"ip"`
	HostNetwork bool   `json:"hostNetwork,omitempty"`
	// Dataplane is the source node's detected dataplane.
	Dataplane string `json:"dataplane,omitempty"`
}

// Destination kinds.
const (
	DestinationPod     = "Pod"
	DestinationService = "Service"
	DestinationIP      = "IP"
)

// WalkDestination is what the packet is sent to, as asked and as resolved.
type WalkDestination struct {
	// Kind is Pod, Service or IP; Namespace and Name name the pod or Service.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	// IP and Port are the address the packet is sent to (the ClusterIP for a Service).
	IP   string `json:"ip"`
	Port int    `json:"port,omitempty"`
	// Node is the node of a destination pod; HostNetwork marks a pod that uses its node's addresses.
	Node        string `json:"node,omitempty"`
	HostNetwork bool   `json:"hostNetwork,omitempty"`
}

// ServiceTranslation is how a Service address is translated to its endpoints on the source node.
type ServiceTranslation struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	ClusterIP string `json:"clusterIP"`
	Port      int    `json:"port"`
	// PortName is the Service port's name; TargetPort the port the endpoints listen on.
	PortName   string `json:"portName,omitempty"`
	TargetPort int    `json:"targetPort,omitempty"`
	// Node is the node whose rules were read (the source pod's node: kube-proxy translates there).
	Node string `json:"node"`
	// Mode is how the node translates Service addresses: iptables, nftables, ipvs, replaced (by the
	// dataplane, e.g. Cilium's kube-proxy replacement), none or unknown.
	Mode string `json:"mode"`
	// At is where the translation happens: "socket" when it is done at connect(), before the packet
	// exists (every capture already sees the endpoint); empty for a translation of the packet.
	At string `json:"at,omitempty"`
	// Skipped are the steps of a kube-proxy translation this one never goes through: none of them is
	// observed.
	Skipped []string `json:"skipped,omitempty"`
	// Chains is the path through kube-proxy's rules (KUBE-SERVICES → KUBE-SVC-…, or services → service-…);
	// Rule is kube-proxy's comment naming the Service port ("default/httpbin:http").
	Chains []string `json:"chains,omitempty"`
	Rule   string   `json:"rule,omitempty"`
	// Endpoints are the addresses the Service can translate to, from the node's rules and the
	// EndpointSlices.
	Endpoints []ServiceEndpoint `json:"endpoints"`
	Evidence  []Evidence        `json:"evidence,omitempty"`
}

// TranslatedAtSocket is ServiceTranslation.At for a translation done at connect().
const TranslatedAtSocket = "socket"

// ServiceEndpoint is one address a Service can translate to.
type ServiceEndpoint struct {
	// Address is "10.244.2.7:8080" ("[fd00::7]:8080" for IPv6).
	Address string `json:"address"`
	// Chain is the node's rule for this endpoint (KUBE-SEP-…, endpoint-…), empty if no rule was found.
	Chain string `json:"chain,omitempty"`
	// Probability is the share of new connections the node's rules send here, 0..1; 0 with no rule.
	Probability float64 `json:"probability"`
	Pod         *PodRef `json:"pod,omitempty"`
	Node        string  `json:"node,omitempty"`
	// Ready is the EndpointSlice's ready condition; InRules says the node's rules list this endpoint.
	Ready   bool `json:"ready"`
	InRules bool `json:"inRules"`
}

// WalkPath is the expected path to one endpoint.
type WalkPath struct {
	// Endpoint is the address the packet is delivered to ("10.244.2.7:8080").
	Endpoint string  `json:"endpoint"`
	Pod      *PodRef `json:"pod,omitempty"`
	Node     string  `json:"node,omitempty"`
	// Probability is the Service's share of connections for this endpoint (1 for a pod or an address).
	Probability float64 `json:"probability"`
	// CrossNode says the path leaves the source node.
	CrossNode bool `json:"crossNode"`
	// Chosen is set on the path the probe took.
	Chosen bool  `json:"chosen,omitempty"`
	Hops   []Hop `json:"hops"`
}

// Hop kinds, in the order a packet meets them.
const (
	// HopPodInterface: the source pod's interface, its route and how its gateway's MAC is resolved.
	HopPodInterface = "PodInterface"
	// HopHostPeer: the host side of the source pod's veth, where the packet enters the node.
	HopHostPeer = "HostPeer"
	// HopServiceNAT: the Service address translated to an endpoint (DNAT) on the source node.
	HopServiceNAT = "ServiceNAT"
	// HopRoute: the source node's routing decision for the (translated) destination.
	HopRoute = "Route"
	// HopBridge: a bridge switching the frame between two of its ports (same-node pods on cni0).
	HopBridge = "Bridge"
	// HopTunnel: the tunnel device that encapsulates the packet (VXLAN, IPIP, Geneve).
	HopTunnel = "Tunnel"
	// HopUnderlay: the node interface the packet (encapsulated or not) leaves by.
	HopUnderlay = "Underlay"
	// HopRemoteUnderlay: the destination node's interface the packet arrives on.
	HopRemoteUnderlay = "RemoteUnderlay"
	// HopDecapsulation: the destination node's tunnel device that removes the outer header.
	HopDecapsulation = "Decapsulation"
	// HopRemoteRoute: the destination node's routing decision towards the pod.
	HopRemoteRoute = "RemoteRoute"
	// HopDestinationHostPeer: the host side of the destination pod's veth, where the packet leaves the node.
	HopDestinationHostPeer = "DestinationHostPeer"
	// HopDestinationPod: the destination pod's interface.
	HopDestinationPod = "DestinationPod"
	// HopLocalDelivery: the destination is the node itself (a hostNetwork pod or a node address).
	HopLocalDelivery = "LocalDelivery"
)

// Hop is one place on the path.
type Hop struct {
	// Kind is one of the Hop* constants; Title says it for people ("host peer", "VXLAN encapsulation").
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Node  string `json:"node,omitempty"`
	// Interface is the interface the hop is about (where it is captured, for capture points).
	Interface string `json:"interface,omitempty"`
	// Summary is the hop in one line: the route, the gateway, the translation, the encapsulation.
	Summary string `json:"summary"`
	// Packet is the packet as it should look at this hop.
	Packet *HopPacket `json:"packet,omitempty"`
	// Evidence is where each fact of the hop comes from.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Capture is set on hops where the probe's packet can be captured.
	Capture *HopCapture `json:"capture,omitempty"`
	// Observed is what the probe's capture saw here; nil when the hop is not a capture point or there
	// was no probe.
	Observed *Observation `json:"observed,omitempty"`
	// Problems are facts at this hop that can stop the packet (rp_filter, no route, a missing FDB entry).
	Problems []string `json:"problems,omitempty"`
}

// HopPacket is a packet's addresses at a hop: the inner ones, and the outer ones when encapsulated.
type HopPacket struct {
	// Src and Dst are "ip:port" (just "ip" for icmp).
	Src           string               `json:"src"`
	Dst           string               `json:"dst"`
	Encapsulation *PacketEncapsulation `json:"encapsulation,omitempty"`
	// OuterSrc and OuterDst are the tunnel endpoints (node addresses) when encapsulated.
	OuterSrc string `json:"outerSrc,omitempty"`
	OuterDst string `json:"outerDst,omitempty"`
}

// PacketEncapsulation is the encapsulation header a packet carries at a hop.
type PacketEncapsulation struct {
	// Type is the tunnel device's: "VXLAN", "IPIP", "Geneve", "6in4", "IPIP6" or "WireGuard"; an observed
	// packet may also show "GRE", "ERSPAN", "VXLAN-GPE" or "NSH". VNI and Port are the VXLAN/Geneve network
	// id and UDP port.
	Type string `json:"type"`
	VNI  int    `json:"vni,omitempty"`
	Port int    `json:"port,omitempty"`
	// Device is the tunnel device that adds it (expected packets only); MTU its MTU; Overhead the bytes
	// the encapsulation adds to an IPv4 packet; UnderlayMTU the MTU of the device the outer packet leaves
	// by; Fits whether MTU + Overhead fits UnderlayMTU (absent when unknown).
	Device      string `json:"device,omitempty"`
	MTU         int    `json:"mtu,omitempty"`
	Overhead    int    `json:"overhead,omitempty"`
	UnderlayMTU int    `json:"underlayMTU,omitempty"`
	Fits        *bool  `json:"fits,omitempty"`
}

// Evidence is one source of a hop's facts: a command on a node (Node and Command) or an API object.
type Evidence struct {
	Node    string   `json:"node,omitempty"`
	Command []string `json:"command,omitempty"`
	// Object is an API object ("Service default/httpbin", "EndpointSlice default/httpbin-7x2k").
	Object string `json:"object,omitempty"`
	// Shows is what the command's output or the object proves, in a sentence.
	Shows string `json:"shows"`
}

// HopCapture is how the probe's packet is captured at a hop.
type HopCapture struct {
	Node      string `json:"node"`
	Interface string `json:"interface"`
	// Filter is the tcpdump (BPF) filter.
	Filter string `json:"filter"`
}

// Observation is what a capture at a hop saw of the probe.
type Observation struct {
	// Seen says the probe's packet was captured here; Packet is how it looked.
	Seen   bool       `json:"seen"`
	Packet *HopPacket `json:"packet,omitempty"`
	// SinceFirst is the time from the first hop that saw the packet to this one ("84µs"). Clocks of
	// different nodes are compared as they are.
	SinceFirst string `json:"sinceFirst,omitempty"`
	// ReplySeen says the reply (SYN-ACK, echo reply, ICMP error) was captured here on its way back.
	ReplySeen bool `json:"replySeen,omitempty"`
	// Packets counts the probe's packets (both ways) captured here.
	Packets int `json:"packets"`
	// Error says why the capture could not run (e.g. no such device).
	Error string `json:"error,omitempty"`
	// Note is what the capture shows that the expected path does not say, e.g. a source NAT (masquerade).
	Note string `json:"note,omitempty"`
}

// Probe is the packet packetwalk sent from the source pod's network namespace.
type Probe struct {
	// Kind is "http" (a TCP connection and an HTTP request), "icmp" (one echo request) or "udp" (one
	// datagram: a TFTP read request).
	Kind    string   `json:"kind"`
	Node    string   `json:"node"`
	Command []string `json:"command"`
	// SourcePort is the probe's source port (0 for icmp).
	SourcePort int `json:"sourcePort,omitempty"`
	ExitCode   int `json:"exitCode"`
	// Output is what the probe command printed (its error, or curl's status line).
	Output string `json:"output,omitempty"`
	// Connected says the TCP handshake completed (or the echo reply came back); HTTPStatus is the HTTP
	// status code when one was received.
	Connected  bool `json:"connected"`
	HTTPStatus int  `json:"httpStatus,omitempty"`
	// RTT is the round trip time of the handshake or echo ("1.2ms").
	RTT string `json:"rtt,omitempty"`
	// Endpoint is where the packet went after translation, as captured ("10.244.2.7:8080").
	Endpoint string `json:"endpoint,omitempty"`
	// Duration is the whole observed run: captures started, probe sent, captures stopped.
	Duration string `json:"duration,omitempty"`
}

// Verdict results.
const (
	// VerdictReplyReceived: the destination answered (handshake, echo reply, or an answer to the datagram).
	VerdictReplyReceived = "ReplyReceived"
	// VerdictRefused: the destination (or a rule on the way) answered with a TCP reset or ICMP error.
	VerdictRefused = "Refused"
	// VerdictStopped: the packet was seen up to a hop and not after it.
	VerdictStopped = "Stopped"
	// VerdictNoReply: the packet reached the destination's last capture point, but no answer came back.
	VerdictNoReply = "NoReply"
	// VerdictNotProbed: --no-probe; only the expected path is shown.
	VerdictNotProbed = "NotProbed"
	// VerdictProbeFailed: the probe or the captures could not run.
	VerdictProbeFailed = "ProbeFailed"
)

// Verdict sums the walk up.
type Verdict struct {
	// Result is one of the Verdict* constants; Summary says it in a sentence.
	Result  string `json:"result"`
	Summary string `json:"summary"`
	RTT     string `json:"rtt,omitempty"`
	// LastSeen is the last hop where the packet was captured and FirstMissing the first capture point
	// after it where it was not.
	LastSeen     *HopRef `json:"lastSeen,omitempty"`
	FirstMissing *HopRef `json:"firstMissing,omitempty"`
	// LikelyCauses are what usually stops a packet between those two hops, the ones backed by facts
	// found on the nodes first.
	LikelyCauses []string `json:"likelyCauses,omitempty"`
	// DeniedBy are the NetworkPolicies ("namespace/name") that select the destination pod and admit
	// none of the probe, when the probe was lost; DropEvidence is the dataplane's own count of its
	// policy drops on the destination's node.
	DeniedBy     []string `json:"deniedBy,omitempty"`
	DropEvidence []string `json:"dropEvidence,omitempty"`
}

// HopRef points at a hop of a path.
type HopRef struct {
	Path      int    `json:"path"`
	Hop       int    `json:"hop"`
	Kind      string `json:"kind"`
	Node      string `json:"node,omitempty"`
	Interface string `json:"interface,omitempty"`
}
