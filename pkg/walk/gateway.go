package walk

import (
	"cmp"
	"fmt"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// gatewayView is how the pod's next hop is resolved, in words, with its evidence.
type gatewayView struct {
	api.Gateway
	evidence []api.Evidence
	problems []string
}

// gateway says how the pod reaches the route's next hop, as the node's dataplane plugin explains it, with
// what the pod's own neighbour table shows.
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
			Shows: fmt.Sprintf("the pod's neighbour table has %s at %s (%v)", n.Dst, cmp.Or(n.LLAddr, "no MAC"), n.State)})
	}
	if !attOK || nv.Facts == nil {
		gw.Explanation = "gateway " + rt.Gateway + " (its resolution is unknown: the host side was not read)"
		return gw
	}
	ex := nv.plugin().Gateway(nv.Facts, src.Net, att, rt)
	mac := gw.MAC
	gw.Gateway = ex.Gateway
	gw.MAC = cmp.Or(gw.MAC, mac)
	gw.evidence = append(gw.evidence, ex.Evidence...)
	gw.problems = append(gw.problems, ex.Problems...)
	if gw.MAC != "" && gw.ExpectedMAC != "" && gw.MAC != gw.ExpectedMAC {
		gw.problems = append(gw.problems, fmt.Sprintf("the pod resolved %s to %s, but %s on the node answers with %s", rt.Gateway, gw.MAC, att.HostPeer.Name, gw.ExpectedMAC))
	}
	return gw
}
