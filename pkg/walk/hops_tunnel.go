package walk

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// tunnel is an encapsulation as the walk reasons about it.
type tunnel struct {
	typ    string
	dev    iproute.Link
	vni    int
	port   int
	local  string // the outer source (this node's VTEP)
	remote string // the outer destination (the remote node's VTEP)
	// inDataplaneMap: the remote VTEP came from the dataplane's own tunnel map, not the FDB.
	inDataplaneMap bool
	underlay       iproute.Route
}

// tunnelHops: the source node encapsulates the packet on a tunnel device and sends it out of its
// underlay interface; the remote node decapsulates it and routes it to the pod.
func (r *reasoner) tunnelHops(nv *NodeView, rt iproute.Route, dev iproute.Link, ep EndpointInput, pkt *api.HopPacket) []api.Hop {
	t := tunnel{typ: tunnelType(dev), dev: dev}
	if d := dev.Info; d != nil && d.Data != nil {
		t.vni, t.port = d.Data.ID, d.Data.Port
		if a, err := netip.ParseAddr(d.Data.Local); err == nil && !a.IsUnspecified() {
			t.local = a.String()
		}
	}
	if t.port == 0 && (t.typ == "VXLAN" || t.typ == "Geneve") {
		t.port = defaultPort(t.typ)
	}
	h := api.Hop{Kind: api.HopTunnel, Title: t.typ + " encapsulation", Node: nv.Name, Interface: dev.Name, Packet: pkt,
		Capture: &api.HopCapture{Node: nv.Name, Interface: dev.Name, Filter: r.plainFilter(true)}}
	h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.AddrShow(), Shows: tunnelShows(t)})
	how := r.remoteVTEP(nv, rt, &t, ep, &h)

	if !dev.Up() {
		h.Problems = append(h.Problems, dev.Name+" is down")
	}
	remoteNode := ep.Node
	if a, err := netip.ParseAddr(t.remote); err == nil {
		if n := r.nodeWithAddress(a); n != "" {
			remoteNode = n
		}
	}
	hops := []api.Hop{h}
	under, ok := r.underlayHop(nv, &t, pkt)
	enc := &api.PacketEncapsulation{Type: t.typ, Device: dev.Name, VNI: t.vni, Port: t.port, MTU: dev.MTU, Overhead: overhead(t.typ)}
	if ok {
		if ul, found := nv.Facts.Links.ByName(t.underlay.Dev); found && dev.MTU > 0 && ul.MTU > 0 {
			fits := dev.MTU+enc.Overhead <= ul.MTU
			enc.UnderlayMTU, enc.Fits = ul.MTU, &fits
			if !fits {
				under.Problems = append(under.Problems, fmt.Sprintf("MTU: %s's MTU %d + %d bytes of %s is more than %s's MTU %d: full-size packets are dropped or fragmented", dev.Name, dev.MTU, enc.Overhead, t.typ, ul.Name, ul.MTU))
			}
		}
	}
	hops[0].Summary = fmt.Sprintf("%s%s: %s", t.typ, tunnelParams(t), how)
	outer := &api.HopPacket{Src: pkt.Src, Dst: pkt.Dst, Encapsulation: enc, OuterSrc: t.local, OuterDst: t.remote}
	hops[0].Packet = outer
	under.Packet = outer
	hops = append(hops, under)
	if !ok {
		return hops
	}
	rnv, known := r.in.Nodes[remoteNode]
	if !known || rnv.Facts == nil {
		if remoteNode == "" {
			remoteNode = t.remote
		}
		hops[len(hops)-1].Problems = append(hops[len(hops)-1].Problems, "the facts of the node behind "+t.remote+" ("+remoteNode+") were not read: the walk ends here")
		return hops
	}
	return append(hops, r.remoteHops(rnv, &t, ep, pkt, outer)...)
}

func overhead(typ string) int {
	e, _ := dataplane.EncapsulationOfType(typ)
	return e.Overhead
}

func tunnelShows(t tunnel) string {
	s := fmt.Sprintf("%s is a %s device", t.dev.Name, t.typ)
	if t.vni != 0 {
		s += fmt.Sprintf(" with VNI %d", t.vni)
	}
	if t.port != 0 {
		s += fmt.Sprintf(", UDP port %d", t.port)
	}
	if t.local != "" {
		s += ", local " + t.local
	}
	if t.dev.MTU != 0 {
		s += fmt.Sprintf(", MTU %d", t.dev.MTU)
	}
	return s
}

func tunnelParams(t tunnel) string {
	var p []string
	if t.vni != 0 {
		p = append(p, fmt.Sprintf("VNI %d", t.vni))
	}
	if t.port != 0 {
		p = append(p, fmt.Sprintf("UDP %d", t.port))
	}
	if t.typ == "IPIP" {
		p = append(p, "IP protocol 4")
	}
	if len(p) == 0 {
		return ""
	}
	return " (" + strings.Join(p, ", ") + ")"
}

// remoteVTEP finds the outer destination: the device's fixed remote, IPIP's gateway (a node address), or
// the dataplane's own tunnel map, or for VXLAN the next hop's MAC from the neighbour table and that MAC's
// VTEP from the FDB, as Calico and flannel program them.
func (r *reasoner) remoteVTEP(nv *NodeView, rt iproute.Route, t *tunnel, ep EndpointInput, h *api.Hop) string {
	if d := t.dev.Info; d != nil && d.Data != nil && d.Data.Remote != "" && d.Data.Remote != "any" {
		t.remote = d.Data.Remote
		return "the device's fixed remote " + t.remote
	}
	if v, ok := nv.plugin().RemoteVTEP(t.dev, ep.Node, r.node(ep.Node).Addresses); ok {
		t.remote, t.inDataplaneMap = v.Remote, true
		h.Evidence = append(h.Evidence, v.Evidence...)
		h.Problems = append(h.Problems, v.Problems...)
		return v.How
	}
	nextHop := rt.Gateway
	if nextHop == "" {
		nextHop = ep.IP.String()
	}
	if t.typ == "IPIP" || t.typ == "6in4" {
		t.remote = nextHop
		return fmt.Sprintf("next hop %s is the remote node: the outer header goes to it", nextHop)
	}
	neigh, ok := nv.Facts.Neighbours.Find(nextHop, t.dev.Name)
	if !ok || neigh.LLAddr == "" {
		h.Problems = append(h.Problems, fmt.Sprintf("no neighbour entry for %s on %s: the node cannot build the inner Ethernet header (VXLAN dataplanes program it statically)", nextHop, t.dev.Name))
		h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.NeighShow(), Shows: "no entry for " + nextHop + " on " + t.dev.Name})
		return "next hop " + nextHop + ", whose MAC is unknown"
	}
	h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.NeighShow(),
		Shows: fmt.Sprintf("%s is at %s on %s (%s)", nextHop, neigh.LLAddr, t.dev.Name, strings.Join(neigh.State, ","))})
	fdb, ok := nv.Facts.FDB.Find(neigh.LLAddr, t.dev.Name)
	if !ok || fdb.Dst == "" {
		h.Problems = append(h.Problems, fmt.Sprintf("no FDB entry for %s on %s: the node does not know which VTEP owns it", neigh.LLAddr, t.dev.Name))
		h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.FDBShow(), Shows: "no entry for " + neigh.LLAddr + " on " + t.dev.Name})
		return fmt.Sprintf("next hop %s at %s, whose VTEP is unknown", nextHop, neigh.LLAddr)
	}
	t.remote = fdb.Dst
	if fdb.VNI != 0 {
		t.vni = fdb.VNI
	}
	h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.FDBShow(),
		Shows: fmt.Sprintf("FDB: %s on %s is behind VTEP %s", neigh.LLAddr, t.dev.Name, fdb.Dst)})
	return fmt.Sprintf("next hop %s → MAC %s (neighbour) → VTEP %s (FDB)", nextHop, neigh.LLAddr, fdb.Dst)
}

// underlayHop is how the source node reaches the remote VTEP: the outer packet's route.
func (r *reasoner) underlayHop(nv *NodeView, t *tunnel, pkt *api.HopPacket) (api.Hop, bool) {
	h := api.Hop{Kind: api.HopUnderlay, Title: "underlay", Node: nv.Name}
	if t.remote == "" {
		h.Summary = "the remote VTEP is unknown: the packet cannot be encapsulated"
		h.Problems = append(h.Problems, h.Summary)
		return h, false
	}
	rt, ev, failure, ok := r.routeGet(RouteQuery{Node: nv.Name, Dst: t.remote}, nv.Facts.Routes)
	if ev.Shows != "" {
		h.Evidence = append(h.Evidence, ev)
	}
	if !ok {
		h.Summary = "no route to the remote VTEP " + t.remote + ": " + failure
		h.Problems = append(h.Problems, h.Summary)
		return h, false
	}
	t.underlay = rt
	if t.local == "" {
		t.local = rt.PrefSrc
	}
	if t.local == "" {
		if l, ok := nv.Facts.Links.ByName(rt.Dev); ok {
			for _, p := range l.Prefixes() {
				if p.Addr().Is4() == strings.Contains(t.remote, ".") {
					t.local = p.Addr().String()
					break
				}
			}
		}
	}
	h.Interface = rt.Dev
	via := "directly connected"
	if rt.Gateway != "" {
		via = "via router " + rt.Gateway
	}
	h.Summary = fmt.Sprintf("outer %s → %s leaves by %s (%s)", cmp.Or(t.local, "?"), t.remote, rt.Dev, via)
	h.Capture = &api.HopCapture{Node: nv.Name, Interface: rt.Dev, Filter: encapFilter(t.typ, t.port, t.local, t.remote)}
	return h, true
}

// remoteHops: the encapsulated packet arrives on the remote node's underlay, its tunnel device
// decapsulates it, and the node routes the inner packet to the pod.
func (r *reasoner) remoteHops(rnv *NodeView, t *tunnel, ep EndpointInput, pkt, outer *api.HopPacket) []api.Hop {
	in := &api.Hop{Kind: api.HopRemoteUnderlay, Title: "remote underlay", Node: rnv.Name, Packet: outer}
	remote, _ := netip.ParseAddr(t.remote)
	if l, ok := rnv.Facts.Links.WithIP(remote); ok {
		in.Interface = l.Name
		in.Summary = fmt.Sprintf("arrives on %s, which holds %s", l.Name, t.remote)
		in.Evidence = append(in.Evidence, api.Evidence{Node: rnv.Name, Command: iproute.AddrShow(), Shows: l.Name + " holds " + t.remote})
		in.Capture = &api.HopCapture{Node: rnv.Name, Interface: l.Name, Filter: encapFilter(t.typ, t.port, t.local, t.remote)}
	} else {
		in.Summary = "no interface of node " + rnv.Name + " holds " + t.remote
		in.Problems = append(in.Problems, in.Summary+": the outer packet is not for this node")
	}
	hops := []api.Hop{*in}

	dec := api.Hop{Kind: api.HopDecapsulation, Title: "decapsulation", Node: rnv.Name, Packet: pkt}
	rdev, ok := matchingTunnel(rnv.Facts.Links, *t)
	if !ok {
		dec.Summary = fmt.Sprintf("no %s device%s on node %s: the outer packet is dropped", t.typ, tunnelParams(*t), rnv.Name)
		dec.Problems = append(dec.Problems, dec.Summary)
		return append(hops, dec)
	}
	dec.Interface = rdev.Name
	dec.Summary = fmt.Sprintf("%s%s removes the outer header", rdev.Name, tunnelParams(tunnel{typ: t.typ, vni: t.vni, port: t.port}))
	dec.Evidence = append(dec.Evidence, api.Evidence{Node: rnv.Name, Command: iproute.AddrShow(), Shows: tunnelShows(tunnel{typ: t.typ, dev: rdev, vni: vniOf(rdev), port: t.port})})
	dec.Capture = &api.HopCapture{Node: rnv.Name, Interface: rdev.Name, Filter: r.plainFilter(true)}
	if !rdev.Up() {
		dec.Problems = append(dec.Problems, rdev.Name+" is down")
	}
	hops = append(hops, dec)
	return append(hops, r.arrive(rnv, rdev.Name, ep, pkt)...)
}

func vniOf(l iproute.Link) int {
	if l.Info != nil && l.Info.Data != nil {
		return l.Info.Data.ID
	}
	return 0
}

// matchingTunnel is the device on a remote node that takes t's packets: same type, and for VXLAN and
// Geneve the same VNI. A dataplane that keeps its own tunnel map may put something else in the VNI (Cilium
// its security identities), so its device is matched by name.
func matchingTunnel(links iproute.Links, t tunnel) (iproute.Link, bool) {
	if t.inDataplaneMap {
		return links.ByName(t.dev.Name)
	}
	for _, l := range links {
		if tunnelType(l) != t.typ {
			continue
		}
		if (t.typ == "VXLAN" || t.typ == "Geneve") && t.vni != 0 && vniOf(l) != t.vni {
			continue
		}
		return l, true
	}
	return iproute.Link{}, false
}

// arrive is the remote node's routing of the inner packet that came in on iif, and what follows.
func (r *reasoner) arrive(rnv *NodeView, iif string, ep EndpointInput, pkt *api.HopPacket) []api.Hop {
	q := RouteQuery{Node: rnv.Name, Dst: ep.IP.String(), From: r.in.SourceIP.String(), Iif: iif}
	rt, hops, ok := r.routeHop(api.HopRemoteRoute, "remote routing decision", rnv, q, pkt)
	if !ok {
		return hops
	}
	kind, dev := classify(rt, rnv.Facts.Links)
	if by, bypass := rnv.plugin().Bypass(rnv.Facts); bypass && kind != egressPodPeer && kind != egressLocal {
		if peer, found := endpointPeer(rnv, ep); found {
			hops[len(hops)-1].Summary += "; " + by.Deliverer + " on " + iif + " delivers it to " + peer.Name
			return append(hops, r.destinationHops(rnv, peer, ep, pkt)...)
		}
	}
	switch kind {
	case egressLocal:
		return append(hops, r.localDelivery(rnv, ep, pkt))
	case egressPodPeer:
		return append(hops, r.destinationHops(rnv, dev, ep, pkt)...)
	case egressBridge:
		return append(hops, r.bridgeHops(rnv.Name, dev, ep, pkt)...)
	}
	hops[len(hops)-1].Problems = append(hops[len(hops)-1].Problems,
		fmt.Sprintf("node %s sends the packet on by %s instead of to a local pod: %s is not on this node, or its route is stale", rnv.Name, rt.Dev, ep.IP))
	return hops
}

// directHops: no encapsulation; the packet leaves by a node interface with its pod addresses, to the
// remote node (or a router) that routes it on.
func (r *reasoner) directHops(nv *NodeView, rt iproute.Route, dev iproute.Link, ep EndpointInput, pkt *api.HopPacket) []api.Hop {
	h := api.Hop{Kind: api.HopUnderlay, Title: "underlay (no encapsulation)", Node: nv.Name, Interface: dev.Name, Packet: pkt,
		Capture: &api.HopCapture{Node: nv.Name, Interface: dev.Name, Filter: r.destinationFilter(ep)}}
	nextHop := rt.Gateway
	if nextHop == "" {
		nextHop = ep.IP.String()
	}
	h.Summary = fmt.Sprintf("leaves by %s unencapsulated, to next hop %s", dev.Name, nextHop)
	if n, ok := nv.Facts.Neighbours.Find(nextHop, dev.Name); ok {
		h.Evidence = append(h.Evidence, api.Evidence{Node: nv.Name, Command: iproute.NeighShow(),
			Shows: fmt.Sprintf("%s is at %s on %s (%s)", nextHop, cmp.Or(n.LLAddr, "no MAC"), dev.Name, strings.Join(n.State, ","))})
	}
	remoteNode := ep.Node
	if a, err := netip.ParseAddr(nextHop); err == nil {
		if n := r.nodeWithAddress(a); n != "" {
			remoteNode = n
		}
	}
	rnv, known := r.in.Nodes[remoteNode]
	if remoteNode == "" || !known || rnv.Facts == nil || remoteNode == nv.Name {
		if remoteNode == "" {
			h.Summary += "; " + ep.IP.String() + " is not on a node of the cluster that the walk knows"
		}
		return []api.Hop{h}
	}
	hops := []api.Hop{h}
	in := api.Hop{Kind: api.HopRemoteUnderlay, Title: "remote underlay", Node: remoteNode, Packet: pkt}
	if a, err := netip.ParseAddr(nextHop); err == nil {
		if l, ok := rnv.Facts.Links.WithIP(a); ok {
			in.Interface = l.Name
		}
	}
	if in.Interface == "" {
		in.Interface = r.ingressFacing(rnv, nv, rt.Dev)
	}
	in.Summary = "arrives on " + cmp.Or(in.Interface, "?") + " unencapsulated"
	if in.Interface != "" {
		in.Capture = &api.HopCapture{Node: remoteNode, Interface: in.Interface, Filter: r.destinationFilter(ep)}
	}
	hops = append(hops, in)
	return append(hops, r.arrive(rnv, in.Interface, ep, pkt)...)
}

// ingressFacing guesses the remote node's interface on the source node's underlay subnet.
func (r *reasoner) ingressFacing(rnv, nv *NodeView, dev string) string {
	l, ok := nv.Facts.Links.ByName(dev)
	if !ok {
		return ""
	}
	for _, p := range l.Prefixes() {
		for _, rl := range rnv.Facts.Links {
			for _, rp := range rl.Prefixes() {
				if p.Masked() == rp.Masked() && !p.Addr().IsLinkLocalUnicast() {
					return rl.Name
				}
			}
		}
	}
	return ""
}
