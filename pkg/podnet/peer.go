package podnet

import (
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
