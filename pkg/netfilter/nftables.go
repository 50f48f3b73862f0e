package netfilter

// NFTRuleset is the part of `nft -j list ruleset` packetwalk reads: tables, chains with their rules as raw
// JSON expressions, and maps (kube-proxy's service-ips).
type NFTRuleset struct {
	Tables []*NFTTable
}

// NFTTable is one nftables table.
type NFTTable struct {
	Family string
	Name   string
	Chains map[string]*NFTChain
	Maps   map[string]*NFTMap
}

// NFTChain is one chain of an nftables table.
type NFTChain struct {
	Name  string
	Rules []NFTRule
}

// NFTRule is one rule: its expressions, decoded only as far as packetwalk needs.
type NFTRule struct {
	Comment string
	// Conditional is true when the rule has match expressions, so it applies to some packets only.
	Conditional bool
	// Verdict is the chain a rule jumps or goes to ("" when it has neither).
	Verdict string
	// DNAT is the rule's DNAT target "10.244.2.7:8080", if any.
	DNAT string
	// NumgenVmap maps numgen random values to chains (kube-proxy's endpoint load balancing).
	NumgenMod  int
	NumgenVmap map[int]string
}

// NFTMap is a named map; each element maps a key (as its parts, e.g. ["10.96.0.10", "tcp", "80"]) to a
// verdict chain.
type NFTMap struct {
	Name     string
	Elements []NFTMapElement
}

// NFTMapElement is one element of a map.
type NFTMapElement struct {
	Key     []string
	Verdict string
}
