package netfilter

// IPTables is one table of `iptables-save` output (packetwalk reads the nat table).
type IPTables struct {
	Table string
	// Chains holds each chain's rules in order; built-in and user chains alike.
	Chains map[string][]Rule
	// Policies holds the policy of built-in chains (ACCEPT, DROP).
	Policies map[string]string
}

// Rule is one `-A CHAIN …` line, split into words as iptables-save quotes them.
type Rule struct {
	Chain string
	Words []string
}

// Translation is how a Service address is translated on a node: the rule chain that matched and the
// endpoints it can choose.
type Translation struct {
	// Chains is the path through the rules, e.g. KUBE-SERVICES → KUBE-SVC-ABC (or service-ips →
	// service-XYZ-ns/name/tcp/http for nftables).
	Chains    []string
	Endpoints []Endpoint
	// Comment is kube-proxy's comment naming the Service and port ("default/httpbin:http").
	Comment string
}

// Endpoint is one DNAT target of a Service.
type Endpoint struct {
	// Chain is the endpoint's own chain (KUBE-SEP-…, endpoint-…).
	Chain string
	// Address is the DNAT target "10.244.2.7:8080".
	Address string
	// Probability is the share of new connections this endpoint gets, 0..1 (computed from iptables'
	// cascading random probabilities or nftables' numgen map).
	Probability float64
}
