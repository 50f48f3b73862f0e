package netfilter

// ProxyMode is how kube-proxy (or its replacement) implements Services on a node.
type ProxyMode string

const (
	ProxyIPTables ProxyMode = "iptables"
	ProxyNFTables ProxyMode = "nftables"
	ProxyIPVS     ProxyMode = "ipvs"
	// ProxyNone means no kube-proxy rules at all: no kube-proxy, or a replacement such as Cilium's eBPF
	// service handling.
	ProxyNone ProxyMode = "none"
	// ProxyUnknown means the rules could not be read (e.g. no iptables-save or nft in the helper image).
	ProxyUnknown ProxyMode = "unknown"
)

// ProxyDetection is the detected mode and the facts it rests on.
type ProxyDetection struct {
	Mode     ProxyMode
	Evidence []string
}
