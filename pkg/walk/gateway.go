package walk

import (
	"fmt"
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// gatewayView is how the pod's next hop is resolved, in words, with its evidence.
type gatewayView struct {
	api.Gateway
	evidence []api.Evidence
	problems []string
}

// gateway explains how the pod reaches the route's next hop: proxy-ARP on the host veth (Calico's
// 169.254.1.1), the bridge's own address (flannel's cni0), an address of a host interface (cilium_host),
// or no gateway at all (the destination is on the pod's own subnet). The dataplane plugin's description
// wins when there is one.
func (r *reasoner) gateway(rt iproute.Route, att podnet.Attachment, attOK bool) gatewayView {
	src := r.in.Source
	nv := r.node(src.Node)
	gw := gatewayView{Gateway: api.Gateway{IP: rt.Gateway, Dev: rt.Dev, Resolution: api.GatewayUnknown}}
	if rt.Gateway == "" {
		gw.Explanation = "no gateway: the destination is on the pod's own subnet, so the pod resolves it directly on " + rt.Dev
		if attOK && att.HostPeer.Master != "" {
			gw.Explanation += " and bridge " + att.HostPeer.Master + " switches the frame"
		}
		return gw
	}
	if n, ok := src.Net.Neighbours.Find(rt.Gateway, rt.Dev); ok {
		gw.MAC = n.LLAddr
		gw.evidence = append(gw.evidence, api.Evidence{Node: src.Node, Command: nsenter(src.Net.PID, iproute.NeighShow()),
			Shows: fmt.Sprintf("the pod's neighbour table has %s at %s (%v)", n.Dst, orNone(n.LLAddr), n.State)})
	}
	if !attOK || nv.Facts == nil {
		gw.Explanation = "gateway " + rt.Gateway + " (its resolution is unknown: the host side was not read)"
		return gw
	}
	peer := att.HostPeer
	gwIP, _ := netip.ParseAddr(rt.Gateway)
	if nv.Describe != nil {
		if d := nv.Describe(src.Net, att); d.Gateway != nil && d.Gateway.Explanation != "" && d.Gateway.IP == rt.Gateway {
			gw.Gateway = *d.Gateway
			gw.MAC = firstNonEmpty(gw.Gateway.MAC, gw.MAC)
		}
	}
	if gw.Explanation == "" {
		r.explainGateway(&gw, gwIP, peer, nv)
	}
	if gw.MAC != "" && gw.ExpectedMAC != "" && gw.MAC != gw.ExpectedMAC {
		gw.problems = append(gw.problems, fmt.Sprintf("the pod resolved %s to %s, but %s on the node answers with %s", rt.Gateway, gw.MAC, peer.Name, gw.ExpectedMAC))
	}
	return gw
}

func (r *reasoner) explainGateway(gw *gatewayView, gwIP netip.Addr, peer iproute.Link, nv *NodeView) {
	src := r.in.Source
	links := nv.Facts.Links
	if peer.Master != "" {
		if br, ok := links.ByName(peer.Master); ok && br.HasIP(gwIP) {
			gw.Resolution, gw.ExpectedMAC = api.GatewayBridge, br.MAC
			gw.Explanation = fmt.Sprintf("gateway %s is bridge %s's own address (%s)", gwIP, br.Name, br.MAC)
			gw.evidence = append(gw.evidence, api.Evidence{Node: src.Node, Command: iproute.AddrShow(), Shows: fmt.Sprintf("%s holds %s; %s is its port", br.Name, gwIP, peer.Name)})
			return
		}
	}
	if peer.HasIP(gwIP) {
		gw.Resolution, gw.ExpectedMAC = api.GatewayHostInterface, peer.MAC
		gw.Explanation = fmt.Sprintf("gateway %s is the host peer %s's own address (%s)", gwIP, peer.Name, peer.MAC)
		gw.evidence = append(gw.evidence, api.Evidence{Node: src.Node, Command: iproute.AddrShow(), Shows: peer.Name + " holds " + gwIP.String()})
		return
	}
	if owner, ok := links.WithIP(gwIP); ok && !gwIP.IsLinkLocalUnicast() {
		gw.Resolution, gw.ExpectedMAC = api.GatewayHostInterface, owner.MAC
		gw.Explanation = fmt.Sprintf("gateway %s is an address of %s on the node (%s)", gwIP, owner.Name, owner.MAC)
		gw.evidence = append(gw.evidence, api.Evidence{Node: src.Node, Command: iproute.AddrShow(), Shows: owner.Name + " holds " + gwIP.String()})
		return
	}
	if gwIP.Is4() {
		if on, known := nv.Facts.Sysctls.ProxyARP(peer.Name); known {
			gw.evidence = append(gw.evidence, api.Evidence{Node: src.Node, Command: sysctl.ReadArgv(),
				Shows: fmt.Sprintf("%s = %d", sysctl.IfaceKey("ipv4", peer.Name, "proxy_arp"), b2i(on))})
			if on {
				gw.Resolution, gw.ExpectedMAC = api.GatewayProxyARP, peer.MAC
				gw.Explanation = fmt.Sprintf("gateway %s is answered by proxy-ARP on %s (%s): no interface holds it", gwIP, peer.Name, peer.MAC)
				return
			}
			gw.Explanation = fmt.Sprintf("gateway %s is held by no interface on the node and proxy_arp is off on %s: nothing answers the pod's ARP", gwIP, peer.Name)
			gw.problems = append(gw.problems, gw.Explanation)
			return
		}
	}
	gw.Explanation = fmt.Sprintf("gateway %s is held by no interface of the node", gwIP)
}

func orNone(s string) string {
	if s == "" {
		return "no MAC"
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
