package walk

import (
	"cmp"
	"fmt"
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// nodeHops are the hops from the source node's routing decision to the endpoint.
func (r *reasoner) nodeHops(ep EndpointInput) []api.Hop {
	in := r.in
	src := in.Source
	nv := r.node(src.Node)
	pkt := &api.HopPacket{Src: hostPort(in.SourceIP, in.SourcePort), Dst: ep.AddrPort()}
	if nv.Facts == nil {
		return []api.Hop{{Kind: api.HopRoute, Title: "routing decision", Node: src.Node, Packet: pkt,
			Summary: "node " + src.Node + "'s facts were not read", Problems: []string{"no facts from node " + src.Node}}}
	}

	// A pod talking to a pod on its own subnet through a bridge never reaches the node's routing.
	if in.Service == nil && r.podRouteOK && r.podRoute.Gateway == "" && r.srcAttOK && r.srcAtt.HostPeer.Master != "" {
		if br, ok := nv.Facts.Links.ByName(r.srcAtt.HostPeer.Master); ok {
			return r.bridgeHops(src.Node, br, ep, pkt)
		}
	}

	q := RouteQuery{Node: src.Node, Dst: ep.IP.String()}
	if !src.HostNetwork {
		q.From = in.SourceIP.String()
		if r.srcAttOK {
			q.Iif = r.srcAtt.HostPeer.Name
			if r.srcAtt.HostPeer.Master != "" {
				// A bridge port's packets are routed as arriving on the bridge.
				q.Iif = r.srcAtt.HostPeer.Master
			}
		}
	}
	route, hops, ok := r.routeHop(api.HopRoute, "routing decision", nv, q, pkt)
	if !ok {
		return hops
	}
	return append(hops, r.afterRoute(nv, route, ep, pkt, q.Iif)...)
}

// routeHop asks node nv the route question q and makes the hop that shows the answer.
func (r *reasoner) routeHop(kind, title string, nv *NodeView, q RouteQuery, pkt *api.HopPacket) (iproute.Route, []api.Hop, bool) {
	h := api.Hop{Kind: kind, Title: title, Node: nv.Name, Packet: pkt}
	rt, ev, failure, ok := r.routeGet(q, nv.Facts.Routes)
	if ev.Shows != "" {
		h.Evidence = append(h.Evidence, ev)
	}
	if !ok {
		h.Summary = "no route to " + q.Dst + ": " + failure
		h.Problems = append(h.Problems, routeProblem(failure, q.Iif, nv))
		return rt, []api.Hop{h}, false
	}
	h.Interface = rt.Dev
	h.Summary = rt.String()
	if dst, err := netip.ParseAddr(q.Dst); err == nil {
		if tr, found := nv.Facts.Routes.Lookup(dst); found {
			h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.RouteShow(familyOf(dst)),
				Shows: "the node's route table entry: " + tr.String()})
		}
	}
	if by, bypass := nv.plugin().Bypass(nv.Facts); bypass && by.RouteNote != "" {
		h.Summary += " (" + by.RouteNote + ")"
	}
	return rt, []api.Hop{h}, true
}

// routeProblem says why a node refused to route, with the node's facts that explain it.
func routeProblem(failure, iif string, nv *NodeView) string {
	msg := "no route: " + failure
	if nv.Facts == nil {
		return msg
	}
	if on, known := nv.Facts.Sysctls.IPForward(); known && !on && iif != "" {
		return msg + " (net.ipv4.ip_forward=0: the node does not forward)"
	}
	if iif != "" {
		if mode, known := nv.Facts.Sysctls.RPFilter(iif); known && mode == 1 {
			return msg + fmt.Sprintf(" (rp_filter=1 on %s: strict reverse-path filtering drops packets whose source is not routed back through %s)", iif, iif)
		}
	}
	return msg
}

// afterRoute follows the route the source node chose.
func (r *reasoner) afterRoute(nv *NodeView, rt iproute.Route, ep EndpointInput, pkt *api.HopPacket, iif string) []api.Hop {
	kind, dev := classify(rt, nv.Facts.Links)
	if by, bypass := nv.plugin().Bypass(nv.Facts); bypass && kind != egressLocal && kind != egressPodPeer {
		if cmp.Or(ep.Node, r.nodeOwning(ep.IP)) == nv.Name {
			if peer, ok := endpointPeer(nv, ep); ok {
				return r.destinationHops(nv, peer, ep, pkt)
			}
		} else if by.HasTunnel {
			return r.tunnelHops(nv, rt, by.Tunnel, ep, pkt)
		}
	}
	switch kind {
	case egressLocal:
		return []api.Hop{r.localDelivery(nv, ep, pkt)}
	case egressPodPeer:
		return r.destinationHops(nv, dev, ep, pkt)
	case egressBridge:
		return r.bridgeHops(nv.Name, dev, ep, pkt)
	case egressTunnel:
		return r.tunnelHops(nv, rt, dev, ep, pkt)
	case egressDirect:
		return r.directHops(nv, rt, dev, ep, pkt)
	}
	return []api.Hop{{Kind: api.HopUnderlay, Title: "egress", Node: nv.Name, Interface: rt.Dev, Packet: pkt,
		Summary:  "the route's device " + rt.Dev + " is not in the node's link table",
		Problems: []string{"device " + rt.Dev + " not found on node " + nv.Name}}}
}

// endpointPeer is the host peer of the endpoint pod's interface on node nv, when its namespace was read.
func endpointPeer(nv *NodeView, ep EndpointInput) (iproute.Link, bool) {
	if ep.Pod == nil || ep.Pod.Net == nil {
		return iproute.Link{}, false
	}
	att, ok := attachmentFor(ep.Pod.Net.Links, nv.Facts.Links, "")
	if !ok || att.HostPeer.Name == "" {
		return iproute.Link{}, false
	}
	return att.HostPeer, true
}

func (r *reasoner) localDelivery(nv *NodeView, ep EndpointInput, pkt *api.HopPacket) api.Hop {
	h := api.Hop{Kind: api.HopLocalDelivery, Title: "delivered to the node", Node: nv.Name, Packet: pkt,
		Summary: ep.IP.String() + " is an address of node " + nv.Name + ": the packet goes up the node's own stack (a hostNetwork pod or a node port)"}
	if l, ok := nv.Facts.Links.WithIP(ep.IP); ok {
		h.Interface = l.Name
		h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.AddrShow(), Shows: l.Name + " holds " + ep.IP.String()})
	}
	if ep.Pod != nil && ep.Pod.HostNetwork {
		h.Evidence = append(h.Evidence, api.Evidence{Object: "Pod " + ep.Pod.Ref.String(), Shows: "the endpoint pod uses its node's network (hostNetwork)"})
	}
	return h
}

// bridgeHops: a bridge switches the frame to the port the destination's MAC was learned on, then the
// destination's veth and pod.
func (r *reasoner) bridgeHops(node string, br iproute.Link, ep EndpointInput, pkt *api.HopPacket) []api.Hop {
	nv := r.node(node)
	h := api.Hop{Kind: api.HopBridge, Title: "bridge", Node: node, Interface: br.Name, Packet: pkt}
	port, how := r.bridgePort(nv, br, ep)
	if port.Name != "" {
		h.Summary = fmt.Sprintf("%s switches the frame to its port %s (%s)", br.Name, port.Name, how.Shows)
		h.Evidence = append(h.Evidence, how)
	} else {
		h.Summary = br.Name + " switches the frame to the port that has learned " + ep.IP.String() + "'s MAC"
		if how.Shows != "" {
			h.Problems = append(h.Problems, how.Shows)
		}
	}
	hops := []api.Hop{h}
	if port.Name == "" {
		return append(hops, r.destinationPodHop(nv, ep, pkt))
	}
	return append(hops, r.destinationHops(nv, port, ep, pkt)...)
}

// bridgePort finds the bridge port towards ep: the endpoint pod's own host peer when its namespace was
// read, otherwise the neighbour entry for its IP on the bridge and the bridge's FDB entry for that MAC.
func (r *reasoner) bridgePort(nv *NodeView, br iproute.Link, ep EndpointInput) (iproute.Link, api.Evidence) {
	if ep.Pod != nil && ep.Pod.Net != nil {
		if att, ok := attachmentFor(ep.Pod.Net.Links, nv.Facts.Links, ""); ok && att.HostPeer.Master == br.Name {
			return att.HostPeer, api.Evidence{Node: nv.Name, Command: iproute.AddrShow(),
				Shows: fmt.Sprintf("%s is the peer of %s's %s and a port of %s", att.HostPeer.Name, ep.Pod.Ref, att.PodLink.Name, br.Name)}
		}
	}
	n, ok := nv.Facts.Neighbours.Find(ep.IP.String(), br.Name)
	if !ok || n.LLAddr == "" {
		return iproute.Link{}, api.Evidence{Node: nv.Name, Command: iproute.NeighShow(), Shows: "no neighbour entry for " + ep.IP.String() + " on " + br.Name + " yet (it is learned when the node first talks to the pod)"}
	}
	for _, e := range nv.Facts.FDB {
		if e.MAC == n.LLAddr && e.Master == br.Name {
			if l, ok := nv.Facts.Links.ByName(e.Dev); ok {
				return l, api.Evidence{Node: nv.Name, Command: iproute.FDBShow(), Shows: fmt.Sprintf("FDB: %s is on port %s of %s", n.LLAddr, e.Dev, br.Name)}
			}
		}
	}
	return iproute.Link{}, api.Evidence{Node: nv.Name, Command: iproute.FDBShow(), Shows: "no FDB entry on " + br.Name + " for " + n.LLAddr + " (" + ep.IP.String() + ")"}
}

// destinationHops: the destination pod's host peer, where the packet leaves the node into the pod, and
// the pod itself.
func (r *reasoner) destinationHops(nv *NodeView, peer iproute.Link, ep EndpointInput, pkt *api.HopPacket) []api.Hop {
	h := api.Hop{Kind: api.HopDestinationHostPeer, Title: "destination host peer", Node: nv.Name, Interface: peer.Name, Packet: pkt,
		Capture: &api.HopCapture{Node: nv.Name, Interface: peer.Name, Filter: r.plainFilter(true)}}
	h.Summary = fmt.Sprintf("%s@if%d carries it into the pod's namespace", peer.Name, peer.PeerIndex)
	if ep.Pod != nil && ep.Pod.Net != nil {
		if att, ok := attachmentFor(ep.Pod.Net.Links, nv.Facts.Links, ""); ok {
			if att.HostPeer.Name == peer.Name {
				h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: nsenter(ep.Pod.Net.PID, iproute.AddrShow()),
					Shows: fmt.Sprintf("%s's %s@if%d pairs with %s (ifindex %d)", ep.Pod.Ref, att.PodLink.Name, att.PodLink.PeerIndex, peer.Name, peer.Index)})
			} else {
				h.Problems = append(h.Problems, fmt.Sprintf("the node routes %s to %s, but %s's interface pairs with %s: a stale route to an old pod?", ep.IP, peer.Name, ep.Pod.Ref, att.HostPeer.Name))
			}
		}
	}
	if !peer.Up() {
		h.Problems = append(h.Problems, peer.Name+" is down")
	}
	if mode, known := nv.Facts.Sysctls.RPFilter(peer.Name); known && ep.IP.Is4() {
		h.Summary += fmt.Sprintf(", rp_filter=%d", mode)
		h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: sysctl.ReadArgv(), Shows: fmt.Sprintf("%s = %d", sysctl.IfaceKey("ipv4", peer.Name, "rp_filter"), mode)})
	}
	if by, bypass := nv.plugin().Bypass(nv.Facts); bypass && by.HostPeerNote != "" {
		h.Summary += "; " + by.HostPeerNote
	}
	return []api.Hop{h, r.destinationPodHop(nv, ep, pkt)}
}

func (r *reasoner) destinationPodHop(nv *NodeView, ep EndpointInput, pkt *api.HopPacket) api.Hop {
	h := api.Hop{Kind: api.HopDestinationPod, Title: "destination pod", Node: nv.Name, Packet: pkt}
	name := ep.IP.String()
	if ep.Pod != nil {
		name = ep.Pod.Ref.String()
		h.Evidence = append(h.Evidence, api.Evidence{Object: "Pod " + ep.Pod.Ref.String(), Shows: "status.podIPs holds " + ep.IP.String()})
		if ep.Pod.Net != nil {
			if l, ok := ep.Pod.Net.Links.WithIP(ep.IP); ok {
				h.Interface = l.Name
				h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: nsenter(ep.Pod.Net.PID, iproute.AddrShow()),
					Shows: fmt.Sprintf("%s holds %s in the pod's namespace (MAC %s)", l.Name, ep.IP, l.MAC)})
			}
		}
	}
	h.Summary = "delivered to " + name + " at " + ep.AddrPort()
	if h.Interface != "" {
		h.Summary += " on " + h.Interface
	}
	return h
}
