package iproute

import "fmt"

// Neighbour is one ARP (IPv4) or NDP (IPv6) entry as `ip -j neigh show` prints it.
type Neighbour struct {
	Dst    string `json:"dst"`
	Dev    string `json:"dev"`
	LLAddr string `json:"lladdr,omitempty"`
	// State is e.g. ["REACHABLE"], ["STALE"], ["PERMANENT"], ["FAILED"], ["NOARP"].
	State  []string `json:"state,omitempty"`
	Router bool     `json:"router,omitempty"`
	// Proxy is true for a proxy entry (`ip neigh show proxy`).
	Proxy bool `json:"proxy,omitempty"`
}

// Permanent reports whether the entry was set statically (as Calico and flannel do for VTEPs).
func (n Neighbour) Permanent() bool {
	for _, s := range n.State {
		if s == "PERMANENT" {
			return true
		}
	}
	return false
}

// Resolved reports whether the entry holds a usable link-layer address.
func (n Neighbour) Resolved() bool {
	if n.LLAddr == "" {
		return false
	}
	for _, s := range n.State {
		if s == "FAILED" || s == "INCOMPLETE" {
			return false
		}
	}
	return true
}

// Neighbours is a neighbour table.
type Neighbours []Neighbour

// Find returns the entry for dst on dev (any device if dev is "").
func (ns Neighbours) Find(dst, dev string) (Neighbour, bool) {
	for _, n := range ns {
		if n.Dst == dst && (dev == "" || n.Dev == dev) {
			return n, true
		}
	}
	return Neighbour{}, false
}

// ParseNeighbours parses `ip -j neigh show`.
func ParseNeighbours(out []byte) (Neighbours, error) {
	var ns Neighbours
	if err := unmarshal(out, &ns); err != nil {
		return nil, fmt.Errorf("parsing ip neigh output: %w", err)
	}
	return ns, nil
}
