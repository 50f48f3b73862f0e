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
}
