package dataplane

import (
	"fmt"
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// PodGateway is the pod's next hop for a remote destination of the family of probe (nodefacts'
// RemoteProbe4 or RemoteProbe6): the kernel's own answer when `ip route get` succeeded, else the default
// route of the pod's table.
func PodGateway(pod *nodefacts.PodNet, probe netip.Addr) (iproute.Route, bool) {
	if r, ok := pod.RouteGet[probe]; ok && r.Gateway != "" {
		return r, true
	}
	fam := "inet"
	if probe.Is6() {
		fam = "inet6"
	}
	for _, r := range pod.Routes {
		if r.Dst != "default" || r.Gateway == "" {
			continue
		}
		if gw, ok := r.GatewayAddr(); ok && (gw.Is6() == (fam == "inet6")) {
			return r, true
		}
	}
	return iproute.Route{}, false
}

// EffectivePodMTU is the largest packet the pod sends to remote destinations through link: the device
// MTU, or the MTU of the pod's route when it sets a smaller one.
func EffectivePodMTU(pod *nodefacts.PodNet, link iproute.Link) int {
	mtu := link.MTU
	if r, ok := PodGateway(pod, nodefacts.RemoteProbe4); ok && r.Dev == link.Name {
		if m := routeMTU(pod, r); m != 0 && (mtu == 0 || m < mtu) {
			mtu = m
		}
	}
	return mtu
}

// routeMTU is r's MTU, or, for an `ip route get` answer without one, that of the table's default route.
func routeMTU(pod *nodefacts.PodNet, r iproute.Route) int {
	if m := r.MTU(); m != 0 {
		return m
	}
	for _, t := range pod.Routes {
		if t.Dst == "default" && t.Gateway == r.Gateway && t.Dev == r.Dev {
			return t.MTU()
		}
	}
	return 0
}

// GatewayExplanation is how a pod's next hop is resolved, with the node's facts behind it and what is
// wrong with it.
type GatewayExplanation struct {
	api.Gateway
	Evidence []api.Evidence
	Problems []string
}

// PodGatewayOf is p's explanation of the pod's IPv4 gateway (or IPv6 if it has no IPv4 one) as reached
// from att; nil when the pod has none through att.
func PodGatewayOf(p Plugin, node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) *api.Gateway {
	r, ok := PodGateway(pod, nodefacts.RemoteProbe4)
	if !ok {
		if r, ok = PodGateway(pod, nodefacts.RemoteProbe6); !ok {
			return nil
		}
	}
	if r.Dev != "" && r.Dev != att.PodLink.Name {
		return nil
	}
	gw := p.Gateway(node, pod, att, r).Gateway
	return &gw
}

// ExplainGateway explains how the pod resolves its next hop rt.Gateway from att: by proxy-ARP on the host
// veth, as the bridge's own address, or as an address of a host interface. It is every plugin's answer
// unless the dataplane answers ARP its own way.
func ExplainGateway(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment, rt iproute.Route) GatewayExplanation {
	gw := GatewayExplanation{Gateway: api.Gateway{IP: rt.Gateway, Dev: rt.Dev, Resolution: api.GatewayUnknown}}
	if n, ok := pod.Neighbours.Find(rt.Gateway, rt.Dev); ok && n.Resolved() {
		gw.MAC = n.LLAddr
	}
	peer := att.HostPeer
	gwIP, _ := rt.GatewayAddr()
	// Every Calico host veth has the same MAC, hence the same IPv6 link-local address: the peer itself
	// is the owner that counts.
	owner, owned := peer, peer.HasIP(gwIP)
	if !owned {
		owner, owned = node.Links.WithIP(gwIP)
	}
	holds := func(shows string) {
		gw.Evidence = append(gw.Evidence, api.Evidence{Node: node.Name, Command: iproute.AddrShow(), Shows: shows})
	}
	proxyARP, proxyKnown := node.Sysctls.ProxyARP(peer.Name)
	if gwIP.Is4() && !owned && proxyKnown {
		gw.Evidence = append(gw.Evidence, api.Evidence{Node: node.Name, Command: sysctl.ReadArgv(),
			Shows: fmt.Sprintf("%s = %d", sysctl.IfaceKey("ipv4", peer.Name, "proxy_arp"), b2i(proxyARP))})
	}
	switch {
	case gwIP.Is4() && !owned && proxyARP:
		gw.Resolution = api.GatewayProxyARP
		gw.ExpectedMAC = peer.MAC
		gw.Explanation = fmt.Sprintf("%s is no interface's address: the host veth %s answers ARP for it (proxy_arp=1) with its own MAC %s", rt.Gateway, peer.Name, peer.MAC)
	case gwIP.Is4() && !owned:
		gw.Explanation = fmt.Sprintf("%s is no interface's address on the node and proxy_arp on %s is %s: nothing answers ARP for it", rt.Gateway, peer.Name, onOff(proxyARP, proxyKnown))
		if proxyKnown {
			gw.Problems = append(gw.Problems, gw.Explanation)
		}
	case owned && peer.Master != "" && owner.Name == peer.Master:
		gw.Resolution = api.GatewayBridge
		gw.ExpectedMAC = owner.MAC
		gw.Explanation = fmt.Sprintf("%s is bridge %s's own address; %s is a port of %s, which answers ARP with its MAC %s", rt.Gateway, owner.Name, peer.Name, owner.Name, owner.MAC)
		holds(fmt.Sprintf("%s holds %s; %s is its port", owner.Name, rt.Gateway, peer.Name))
	case owned && owner.Name == peer.Name:
		gw.Resolution = api.GatewayHostInterface
		gw.ExpectedMAC = peer.MAC
		gw.Explanation = fmt.Sprintf("%s is the host peer %s's own address; it answers with its MAC %s", rt.Gateway, peer.Name, peer.MAC)
		holds(peer.Name + " holds " + rt.Gateway)
	case owned:
		gw.Resolution = api.GatewayHostInterface
		gw.ExpectedMAC = owner.MAC
		gw.Explanation = fmt.Sprintf("%s is an address of the node's %s", rt.Gateway, owner.Name)
		holds(owner.Name + " holds " + rt.Gateway)
	default:
		gw.Explanation = fmt.Sprintf("%s is held by no interface of the node", rt.Gateway)
	}
	return gw
}

func onOff(on, known bool) string {
	switch {
	case !known:
		return "unknown"
	case on:
		return "1"
	}
	return "0"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
