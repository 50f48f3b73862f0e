package walk

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// maxPaths bounds the endpoints of a Service the walk reasons about and captures for.
const maxPaths = 8

// expect reasons the expected path from in. The answers to `ip route get` it needs and does not find in
// in.Routes are returned as missing: the caller asks the nodes and calls expect again (until nothing is
// missing, the reasoning falls back on the route tables and says so in the evidence).
func expect(in *Input) (walk *api.Walk, missing []RouteQuery) {
	r := &reasoner{in: in, asked: map[RouteQuery]bool{}}
	walk = &api.Walk{
		TypeMeta: api.TypeMeta{APIVersion: api.APIVersion, Kind: api.KindWalk},
		Source: api.WalkSource{
			Pod: in.Source.Ref, Node: in.Source.Node, IP: in.SourceIP.String(),
			HostNetwork: in.Source.HostNetwork, Dataplane: r.node(in.Source.Node).Dataplane,
		},
		Destination: api.WalkDestination{
			Kind: in.Dest.Kind, Namespace: in.Dest.Namespace, Name: in.Dest.Name,
			IP: in.Dest.IP.String(), Port: in.Dest.Port, Node: in.Dest.Node, HostNetwork: in.Dest.HostNetwork,
		},
		Protocol: in.Protocol,
		Port:     in.Dest.Port,
		Verdict:  api.Verdict{Result: api.VerdictNotProbed, Summary: "not probed (--no-probe): the expected path only"},
	}
	walk.Warnings = append(walk.Warnings, r.nodeWarnings()...)

	prefix := r.sourceHops()
	endpoints := in.Endpoints
	var weights map[string]float64
	if in.Service != nil {
		svcHop, tr := r.serviceHop()
		walk.Service = tr
		prefix = append(prefix, svcHop)
		endpoints, weights = r.serviceEndpoints(tr)
	}
	if len(endpoints) > maxPaths {
		walk.Warnings = append(walk.Warnings, fmt.Sprintf("the Service has %d endpoints: the walk follows the first %d", len(endpoints), maxPaths))
		endpoints = endpoints[:maxPaths]
	}
	for _, ep := range endpoints {
		p := api.WalkPath{Endpoint: ep.AddrPort(), Node: ep.Node, Probability: 1}
		if ep.Pod != nil {
			ref := ep.Pod.Ref
			p.Pod = &ref
		}
		if weights != nil {
			p.Probability = weights[ep.AddrPort()]
		}
		p.Hops = append(append([]api.Hop(nil), prefix...), r.nodeHops(ep)...)
		if walk.Service != nil && walk.Service.At == api.TranslatedAtSocket {
			addressedAtConnect(p.Hops, ep.AddrPort())
		}
		p.CrossNode = ep.Node != "" && ep.Node != in.Source.Node
		for _, h := range p.Hops {
			if h.Kind == api.HopUnderlay {
				p.CrossNode = true
			}
		}
		walk.Paths = append(walk.Paths, p)
	}
	if len(walk.Paths) == 0 {
		walk.Paths = []api.WalkPath{{Hops: prefix}}
		walk.Warnings = append(walk.Warnings, "there is no endpoint to walk to: the path ends at the Service translation")
	}
	for q := range r.asked {
		if _, ok := in.Routes[q]; !ok {
			missing = append(missing, q)
		}
	}
	sortQueries(missing)
	return walk, missing
}

// reasoner carries one expect call's input and the route questions it asked.
type reasoner struct {
	in    *Input
	asked map[RouteQuery]bool
	// The source pod's route to the destination and its attachment, found by sourceHops.
	podRoute   iproute.Route
	podRouteOK bool
	srcAtt     podnet.Attachment
	srcAttOK   bool
}

// node returns the view of a node, or an empty one for a node whose facts are not known.
func (r *reasoner) node(name string) *NodeView {
	if nv, ok := r.in.Nodes[name]; ok && nv != nil {
		return nv
	}
	return &NodeView{Name: name}
}

func (r *reasoner) nodeWarnings() []string {
	var out []string
	names := make([]string, 0, len(r.in.Nodes))
	for n := range r.in.Nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		nv := r.in.Nodes[n]
		for _, w := range nv.Warnings {
			out = append(out, "node "+n+": "+w)
		}
		if nv.Facts != nil {
			for _, p := range nv.Facts.Problems {
				out = append(out, "node "+n+": "+p)
			}
		}
	}
	return out
}

// routeGet asks q. Without an answer yet it falls back on a lookup in table (the route table of the node
// or pod) and says so; ok is false when neither gives a route.
func (r *reasoner) routeGet(q RouteQuery, table iproute.Routes) (route iproute.Route, ev api.Evidence, failure string, ok bool) {
	r.asked[q] = true
	if a, found := r.in.Routes[q]; found {
		ev = api.Evidence{Node: q.Node, Command: q.Argv()}
		if a.Err != "" {
			ev.Shows = "the kernel refuses: " + a.Err
			return iproute.Route{}, ev, a.Err, false
		}
		ev.Shows = "the kernel's choice: " + a.Route.String()
		return a.Route, ev, "", true
	}
	dst, err := netip.ParseAddr(q.Dst)
	if err != nil {
		return iproute.Route{}, api.Evidence{}, "not an address: " + q.Dst, false
	}
	rt, found := table.Lookup(dst)
	argv := iproute.RouteShow(familyOf(dst))
	if q.PID != 0 {
		argv = nsenter(q.PID, argv)
	}
	ev = api.Evidence{Node: q.Node, Command: argv}
	if !found {
		ev.Shows = "no route to " + q.Dst + " in the table (ip route get was not asked)"
		return iproute.Route{}, ev, "no route to " + q.Dst, false
	}
	ev.Shows = "the most specific route to " + q.Dst + " in the table (ip route get was not asked): " + rt.String()
	return rt, ev, "", true
}

func familyOf(ip netip.Addr) string {
	if ip.Is4() {
		return "inet"
	}
	return "inet6"
}
