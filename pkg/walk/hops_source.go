package walk

import (
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// sourceHops are the hops every path shares: the source pod's interface (its route and gateway) and the
// host peer where the packet enters the node.
func (r *reasoner) sourceHops() []api.Hop {
	in := r.in
	src := in.Source
	nv := r.node(src.Node)
	pkt := &api.HopPacket{Src: hostPort(in.SourceIP, in.SourcePort), Dst: hostPort(in.Dest.IP, in.Dest.Port)}

	if src.HostNetwork {
		h := api.Hop{Kind: api.HopPodInterface, Title: "source (host network)", Node: src.Node, Packet: pkt,
			Summary: "the pod uses node " + src.Node + "'s network namespace: the packet starts in the node's own stack"}
		h.Evidence = append(h.Evidence, api.Evidence{Object: "Pod " + src.Ref.String(), Shows: "spec.hostNetwork is true; the source address is the node's " + in.SourceIP.String()})
		if nv.Facts != nil {
			if l, ok := nv.Facts.Links.WithIP(in.SourceIP); ok {
				h.Interface = l.Name
			}
		}
		return []api.Hop{h}
	}

	h := api.Hop{Kind: api.HopPodInterface, Title: "source pod", Node: src.Node, Packet: pkt}
	if src.Net == nil {
		h.Summary = "the pod's network namespace was not found on its node"
		if src.LookupErr != "" {
			h.Problems = append(h.Problems, src.LookupErr)
		}
		return []api.Hop{h}
	}
	rt, ev, failure, ok := r.routeGet(RouteQuery{Node: src.Node, PID: src.Net.PID, Dst: in.Dest.IP.String()}, src.Net.Routes)
	if ev.Shows != "" {
		h.Evidence = append(h.Evidence, ev)
	}
	var att podnet.Attachment
	var attOK bool
	if nv.Facts != nil {
		att, attOK = attachmentFor(src.Net.Links, nv.Facts.Links, rt.Dev)
	}
	r.podRoute, r.podRouteOK, r.srcAtt, r.srcAttOK = rt, ok, att, attOK
	if ok {
		h.Interface = rt.Dev
	} else if attOK {
		h.Interface = att.PodLink.Name
	}
	if !ok {
		h.Summary = "the pod has no route to " + in.Dest.IP.String() + ": " + failure
		h.Problems = append(h.Problems, "no route in the pod's network namespace: "+failure)
	} else {
		gw := r.gateway(rt, att, attOK)
		h.Summary = "route " + rt.String() + "; " + gw.Explanation
		h.Evidence = append(h.Evidence, gw.evidence...)
		h.Problems = append(h.Problems, gw.problems...)
	}
	h.Evidence = append(h.Evidence, api.Evidence{Node: src.Node, Command: nsenter(src.Net.PID, iproute.AddrShow()),
		Shows: fmt.Sprintf("the pod's %s holds %s (netns %s, entered through PID %d)", h.Interface, in.SourceIP, src.Net.NetnsInode, src.Net.PID)})

	hops := []api.Hop{h}
	if !attOK || att.HostPeer.Name == "" {
		hops[0].Problems = append(hops[0].Problems, "the pod's interface has no veth peer in the node's namespace: packets cannot be captured on the node for it")
		return hops
	}
	hops = append(hops, r.hostPeerHop(att, pkt))
	return hops
}

// attachmentFor is the pod interface dev with its host peer; with dev empty or unknown, the first
// interface whose peer is proven from both sides.
func attachmentFor(podLinks, hostLinks iproute.Links, dev string) (podnet.Attachment, bool) {
	atts := podnet.Attach(podLinks, hostLinks)
	for _, a := range atts {
		if a.PodLink.Name == dev {
			return a, true
		}
	}
	for _, a := range atts {
		if a.Verified {
			return a, true
		}
	}
	return podnet.Attachment{}, false
}

func (r *reasoner) hostPeerHop(att podnet.Attachment, pkt *api.HopPacket) api.Hop {
	src := r.in.Source
	nv := r.node(src.Node)
	peer := att.HostPeer
	h := api.Hop{Kind: api.HopHostPeer, Title: "host peer", Node: src.Node, Interface: peer.Name, Packet: pkt,
		Capture: &api.HopCapture{Node: src.Node, Interface: peer.Name, Filter: r.plainFilter(true)}}
	parts := []string{fmt.Sprintf("%s@if%d is the node side of the pod's %s@if%d", peer.Name, peer.PeerIndex, att.PodLink.Name, att.PodLink.PeerIndex)}
	if peer.MAC != "" {
		parts = append(parts, "MAC "+peer.MAC)
	}
	if peer.MTU != 0 {
		parts = append(parts, fmt.Sprintf("MTU %d", peer.MTU))
	}
	if peer.Master != "" {
		parts = append(parts, "port of bridge "+peer.Master)
	}
	shows := fmt.Sprintf("ifindex %d %s points back at the pod's ifindex %d", peer.Index, peer.Name, att.PodLink.Index)
	if !att.Verified {
		shows = fmt.Sprintf("the pod's %s names peer ifindex %d (%s), which does not point back: the pairing is not proven", att.PodLink.Name, att.PodLink.PeerIndex, peer.Name)
		h.Problems = append(h.Problems, shows)
	}
	h.Evidence = append(h.Evidence, api.Evidence{Node: src.Node, Command: iproute.AddrShow(), Shows: shows})
	if nv.Facts != nil {
		if !peer.Up() || peer.OperState == "DOWN" {
			h.Problems = append(h.Problems, peer.Name+" is down on node "+src.Node)
		}
		t := nv.Facts.Sysctls
		if r.in.SourceIP.Is4() && t != nil {
			if on, known := t.ProxyARP(peer.Name); known {
				parts = append(parts, fmt.Sprintf("proxy_arp=%d", b2i(on)))
			}
			if mode, known := t.RPFilter(peer.Name); known {
				parts = append(parts, fmt.Sprintf("rp_filter=%d", mode))
			}
			if on, known := t.IPForward(); known && !on {
				h.Problems = append(h.Problems, "net.ipv4.ip_forward=0 on node "+src.Node+": it does not forward the pod's packets")
			}
			h.Evidence = append(h.Evidence, api.Evidence{Node: src.Node, Command: sysctl.ReadArgv(),
				Shows: "the interface's proxy_arp and rp_filter and the node's ip_forward"})
		}
	}
	h.Summary = strings.Join(parts, ", ")
	return h
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
