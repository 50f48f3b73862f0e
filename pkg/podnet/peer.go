package podnet

import (
	"fmt"
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
)

// HoldsIPs reports whether the namespace's links hold every one of ips (the pod's IPs from its status).
func HoldsIPs(links iproute.Links, ips []netip.Addr) bool {
	if len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if _, ok := links.WithIP(ip); !ok {
			return false
		}
	}
	return true
}

// PodInterfaces are the pod namespace's interfaces that can carry its traffic: every link but loopback
// and links that are down with no address.
func PodInterfaces(links iproute.Links) iproute.Links {
	var out iproute.Links
	for _, l := range links {
		if l.LinkType == "loopback" || l.Name == "lo" {
			continue
		}
		if !l.Up() && len(l.Prefixes()) == 0 {
			continue
		}
		out = append(out, l)
	}
	return out
}

// Attach pairs each pod interface with its host peer in the node's link table. A pod interface's
// PeerIndex names an ifindex in the node's namespace; the pair is Verified when that host link's own
// PeerIndex points back. A pod interface whose peer is not in the node's table (an ipvlan/macvlan slave,
// a Multus interface into another namespace) gets an Attachment with an empty HostPeer.
func Attach(podLinks, hostLinks iproute.Links) []Attachment {
	var out []Attachment
	for _, pl := range PodInterfaces(podLinks) {
		a := Attachment{PodLink: pl}
		if pl.PeerIndex != 0 && pl.PeerNetnsID != nil {
			if hl, ok := hostLinks.ByIndex(pl.PeerIndex); ok {
				a.HostPeer = hl
				a.Verified = hl.PeerIndex == pl.Index && hl.PeerNetnsID != nil
			}
		}
		out = append(out, a)
	}
	return out
}

func isHostRoute(r iproute.Route, ip netip.Addr) bool {
	fam := "inet"
	if ip.Is6() {
		fam = "inet6"
	}
	p, ok := r.DstPrefix(fam)
	return ok && p.Bits() == ip.BitLen()
}

// Confirm looks in the node's routes and forwarding database for a fact that ties each verified
// attachment's host peer to this pod (podIPs are the pod's IPs from its status), and records it in
// ConfirmedBy.
func Confirm(atts []Attachment, podIPs []netip.Addr, nodeRoutes iproute.Routes, nodeFDB iproute.FDB) {
	for i := range atts {
		a := &atts[i]
		if !a.Verified {
			continue
		}
		for _, ip := range podIPs {
			// Only a host route (/32, /128) names one pod; a prefix or default route through the
			// same device proves nothing about which pod is behind it.
			if r, ok := nodeRoutes.Lookup(ip); ok && r.Dev == a.HostPeer.Name && isHostRoute(r, ip) {
				a.ConfirmedBy = fmt.Sprintf("the node routes %s to %s", ip, r.Dev)
				break
			}
		}
		if a.ConfirmedBy != "" || a.PodLink.MAC == "" {
			continue
		}
		for _, e := range nodeFDB {
			if e.MAC == a.PodLink.MAC && e.Dev == a.HostPeer.Name {
				a.ConfirmedBy = fmt.Sprintf("bridge %s learned the pod's MAC %s on port %s", e.Master, e.MAC, e.Dev)
				break
			}
		}
	}
}
