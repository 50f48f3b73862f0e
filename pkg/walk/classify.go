package walk

import (
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// egress is what a node does with a packet, read from the route the kernel chose.
type egress int

const (
	egressUnknown egress = iota
	// egressLocal: the destination is one of the node's own addresses.
	egressLocal
	// egressPodPeer: out of a pod's host peer on this node (Calico's /32 routes, ptp).
	egressPodPeer
	// egressBridge: out of a bridge whose ports are the pods' veths (flannel's cni0).
	egressBridge
	// egressTunnel: into a tunnel device that encapsulates it (vxlan.calico, flannel.1, tunl0, cilium_vxlan).
	egressTunnel
	// egressDirect: out of a node interface unencapsulated (direct routing, host-gw, BGP without overlay).
	egressDirect
)

// classify reads the route the kernel chose on a node into what happens to the packet next.
func classify(rt iproute.Route, links iproute.Links) (egress, iproute.Link) {
	if rt.Type == "local" {
		return egressLocal, iproute.Link{}
	}
	l, ok := links.ByName(rt.Dev)
	if !ok {
		return egressUnknown, iproute.Link{Name: rt.Dev}
	}
	if _, ok := dataplane.EncapsulationOfLink(l.Kind()); ok {
		return egressTunnel, l
	}
	switch {
	case l.Kind() == "bridge":
		return egressBridge, l
	case isPodPeer(l) && rt.Gateway == "":
		return egressPodPeer, l
	}
	return egressDirect, l
}

// isPodPeer says l looks like a pod's host peer: a veth into another namespace without an address of its
// own beyond link-local ones. A node's eth0 can be a veth too (kind-like clusters, the local lab), but it
// holds the node's address.
func isPodPeer(l iproute.Link) bool {
	if l.Kind() != "veth" || l.PeerNetnsID == nil {
		return false
	}
	for _, p := range l.Prefixes() {
		if !p.Addr().IsLinkLocalUnicast() {
			return false
		}
	}
	return true
}

// tunnelType is the encapsulation of a tunnel device ("VXLAN", "IPIP", …).
func tunnelType(l iproute.Link) string {
	e, _ := dataplane.EncapsulationOfLink(l.Kind())
	return e.Type
}

// defaultPort is the UDP port of an encapsulation when the device does not say.
func defaultPort(typ string) int {
	e, _ := dataplane.EncapsulationOfType(typ)
	return e.DefaultPort
}

// endpointFromAddress parses "ip:port" or "[ip]:port" or a bare IP.
func endpointFromAddress(s string) EndpointInput {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return EndpointInput{IP: ap.Addr().Unmap(), Port: int(ap.Port())}
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return EndpointInput{IP: ip.Unmap()}
	}
	return EndpointInput{}
}

// nodeOwning is the node an address belongs to: a node with the address on one of its links, or a node
// that routes it to one of its own pods. "" when none of the known nodes does.
func (r *reasoner) nodeOwning(ip netip.Addr) string {
	for name, nv := range r.in.Nodes {
		for _, a := range nv.Addresses {
			if a == ip {
				return name
			}
		}
		if nv.Facts == nil {
			continue
		}
		if _, ok := nv.Facts.Links.WithIP(ip); ok {
			return name
		}
	}
	for name, nv := range r.in.Nodes {
		if nv.Facts == nil {
			continue
		}
		if rt, ok := nv.Facts.Routes.Lookup(ip); ok {
			if e, _ := classify(rt, nv.Facts.Links); e == egressPodPeer || e == egressBridge {
				return name
			}
		}
	}
	return ""
}

// nodeWithAddress is the node holding ip as a node address (an underlay address or a VTEP).
func (r *reasoner) nodeWithAddress(ip netip.Addr) string {
	for name, nv := range r.in.Nodes {
		for _, a := range nv.Addresses {
			if a == ip {
				return name
			}
		}
		if nv.Facts != nil && !ip.IsLinkLocalUnicast() {
			if _, ok := nv.Facts.Links.WithIP(ip); ok {
				return name
			}
		}
	}
	return ""
}
