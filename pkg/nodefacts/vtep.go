package nodefacts

import "github.com/packetwalk/kubectl-packetwalk/pkg/iproute"

// RemoteVTEP is the underlay address a packet routed via gateway on dev is sent to: for a VXLAN device,
// the FDB entry of the gateway's MAC (from the neighbour table); for an IPIP/onlink route, the gateway
// itself. The path walk and the node view use it to name the node behind a pod route.
func (n *Node) RemoteVTEP(gateway, dev string) (vtep string, how string, ok bool) {
	if gateway == "" {
		return "", "", false
	}
	l, found := n.Links.ByName(dev)
	if found && l.Kind() == "vxlan" {
		neigh, ok := n.Neighbours.Find(gateway, dev)
		if !ok || neigh.LLAddr == "" {
			return "", "", false
		}
		fdb, ok := n.FDB.Find(neigh.LLAddr, dev)
		if !ok || fdb.Dst == "" {
			return "", "", false
		}
		return fdb.Dst, "neighbour " + gateway + " is " + neigh.LLAddr + ", whose FDB entry sends it to " + fdb.Dst, true
	}
	return gateway, "the route's next hop", true
}

// Link returns the node's link called name as a value, for callers that want its zero value when absent.
func (n *Node) Link(name string) iproute.Link {
	l, _ := n.Links.ByName(name)
	return l
}
