package api

// NodeNetwork is `kubectl packetwalk node NODE -o json`: a node's network at a glance. The summarizer reads
// a file of these (one object, a JSON array of them, or a List) with --links to name interfaces and pods.
type NodeNetwork struct {
	TypeMeta `json:",inline"`
	Node     string `json:"node"`
	// Dataplane is the detected CNI dataplane, e.g. "calico", "flannel", "cilium", "generic".
	Dataplane string `json:"dataplane"`
	// Links is the node's own link table (the host network namespace).
	Links []Link `json:"links"`
	// Pods are the pods on the node with the host side of their interfaces.
	Pods []PodAttachment `json:"pods,omitempty"`

	// DataplaneEvidence says how the dataplane was recognised (the interfaces and settings seen).
	DataplaneEvidence []string `json:"dataplaneEvidence,omitempty"`
	// Ready and OS come from the Node object.
	Ready bool   `json:"ready"`
	OS    string `json:"os,omitempty"`
	// Encapsulation lists the node's tunnels; empty means pod traffic leaves the node unencapsulated.
	Encapsulation []Encapsulation `json:"encapsulation,omitempty"`
	// PodMTU is the MTU of the pods' host peers (the most common one).
	PodMTU int `json:"podMTU,omitempty"`
	// PodRoutes are the node's routes to other nodes' pod blocks.
	PodRoutes []Route `json:"podRoutes,omitempty"`
	// KubeProxyMode is iptables, nftables, ipvs, replaced (by the dataplane), none or unknown; KubeProxyEvidence says why.
	KubeProxyMode     string   `json:"kubeProxyMode,omitempty"`
	KubeProxyEvidence []string `json:"kubeProxyEvidence,omitempty"`
	// Warnings are MTU mismatches, dataplane caveats and facts that could not be read.
	Warnings []string `json:"warnings,omitempty"`
}

// Encapsulation is one tunnel device of a node.
type Encapsulation struct {
	// Type is "VXLAN", "IPIP", "Geneve" or "WireGuard".
	Type   string `json:"type"`
	Device string `json:"device"`
	VNI    int    `json:"vni,omitempty"`
	Port   int    `json:"port,omitempty"`
	Local  string `json:"local,omitempty"`
	MTU    int    `json:"mtu,omitempty"`
	// Underlay is the device the encapsulated packets leave by, UnderlayMTU its MTU, Overhead the bytes
	// the encapsulation adds.
	Underlay    string `json:"underlay,omitempty"`
	UnderlayMTU int    `json:"underlayMTU,omitempty"`
	Overhead    int    `json:"overhead,omitempty"`
	// Fits reports whether a full-size pod packet plus Overhead fits the underlay MTU.
	Fits bool `json:"fits"`
}

// Link is one network interface.
type Link struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Kind is the link kind from `ip -d link` (veth, vxlan, bridge, ipip, …); empty for a physical device.
	Kind string `json:"kind,omitempty"`
	MAC  string `json:"mac,omitempty"`
	MTU  int    `json:"mtu,omitempty"`
}

// PodAttachment is a pod and the host-side interface it plugs into.
type PodAttachment struct {
	Pod PodRef   `json:"pod"`
	IPs []string `json:"ips,omitempty"`
	// HostInterface is the host peer of the pod's interface (caliX, lxcX, vethX); empty for hostNetwork pods.
	HostInterface string `json:"hostInterface,omitempty"`
	HostIfIndex   int    `json:"hostIfIndex,omitempty"`

	// Interface is the pod-side interface (eth0); HostNetwork marks a pod that uses the node's interfaces.
	Interface   string `json:"interface,omitempty"`
	HostNetwork bool   `json:"hostNetwork,omitempty"`
	// Status is a Veth* status when the pod has no attachment to show, with Message saying why.
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}
