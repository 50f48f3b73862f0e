package walk

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// diagnoseDrops looks, after a walk stopped, at the filter rules of the nodes where the packet was last
// seen and first missed, and adds the DROP and REJECT rules that match the probe's packet to the
// verdict's likely causes, first.
func diagnoseDrops(ctx context.Context, r noderun.Runner, in *Input, w *api.Walk) {
	v := &w.Verdict
	if v.Result != api.VerdictStopped && v.Result != api.VerdictNoReply {
		return
	}
	var nodes []string
	var hops []*api.HopRef
	for _, h := range []*api.HopRef{v.LastSeen, v.FirstMissing} {
		if h != nil && !slices.Contains(nodes, h.Node) {
			nodes = append(nodes, h.Node)
			hops = append(hops, h)
		}
	}
	var found []string
	for i, node := range nodes {
		res, err := r.Run(ctx, node, netfilter.IPTablesSaveFilterArgv())
		if err != nil || !res.OK() {
			continue
		}
		t, err := netfilter.ParseIPTablesSave(res.Stdout)
		if err != nil || t == nil {
			continue
		}
		pv := probePacketAt(in, w, hops[i])
		for _, rule := range t.DropsFor(pv) {
			found = append(found, fmt.Sprintf("node %s's filter table (%s) has a rule that drops this packet: %s", node, strings.Join(netfilter.IPTablesSaveFilterArgv(), " "), rule))
		}
	}
	v.LikelyCauses = append(found, v.LikelyCauses...)
}

// probePacketAt is the probe's packet after the Service translation, on the node of hop.
func probePacketAt(in *Input, w *api.Walk, hop *api.HopRef) netfilter.Packet {
	pv := netfilter.Packet{Src: in.SourceIP, Dst: in.Dest.IP, Protocol: in.Protocol, SrcPort: in.SourcePort, DstPort: in.Dest.Port}
	if hop.Path < len(w.Paths) {
		path := w.Paths[hop.Path]
		if ep := endpointFromAddress(path.Endpoint); ep.IP.IsValid() {
			pv.Dst, pv.DstPort = ep.IP, ep.Port
		}
		if hop.Hop < len(path.Hops) {
			pv.In = path.Hops[hop.Hop].Interface
		}
	}
	return pv
}
