package walk

import (
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// serviceHop is the Service address translated to its endpoints on the source node, where the packet
// meets kube-proxy's rules first (PREROUTING for a pod's packet).
func (r *reasoner) serviceHop() (api.Hop, *api.ServiceTranslation) {
	in := r.in
	svc := in.Service
	node := in.Source.Node
	nv := r.node(node)
	tr := &api.ServiceTranslation{
		Namespace: svc.Namespace, Name: svc.Name, ClusterIP: svc.ClusterIP.String(), Port: svc.Port,
		PortName: svc.PortName, TargetPort: svc.TargetPort, Node: node, Mode: string(netfilter.ProxyUnknown),
	}
	h := api.Hop{Kind: api.HopServiceNAT, Title: "Service translation", Node: node,
		Packet: &api.HopPacket{Src: hostPort(in.SourceIP, in.SourcePort), Dst: hostPort(svc.ClusterIP, svc.Port)}}
	for _, obj := range svc.Objects {
		h.Evidence = append(h.Evidence, api.Evidence{Object: obj, Shows: "the Service's port and its endpoints as the API sees them"})
	}

	var rules netfilter.Translation
	var matched bool
	var lb dataplane.ServiceLB
	var byDataplane bool
	if nv.Facts != nil {
		det := nv.Facts.KubeProxy
		tr.Mode = string(det.Mode)
		pkt := netfilter.Packet{Dst: svc.ClusterIP, DstPort: svc.Port, Protocol: in.Protocol}
		lb, byDataplane = nv.plugin().ServiceLB(nv.Facts)
		switch {
		case byDataplane:
			tr.Mode = lb.Mode
			if lb.AtSocket {
				tr.At = api.TranslatedAtSocket
			}
			tr.Skipped = lb.Skipped
			rules, matched = r.dataplaneTable(&h, pkt)
		case det.Mode == netfilter.ProxyNFTables && nv.Facts.NFT != nil:
			rules, matched = nv.Facts.NFT.Translate(pkt)
			h.Evidence = append(h.Evidence, api.Evidence{Node: node, Command: netfilter.NFTListArgv(), Shows: rulesShow(rules, matched, "nftables")})
		case nv.Facts.NAT != nil:
			rules, matched = nv.Facts.NAT.Translate(pkt)
			h.Evidence = append(h.Evidence, api.Evidence{Node: node, Command: netfilter.IPTablesSaveArgv(), Shows: rulesShow(rules, matched, "iptables")})
		}
		for _, e := range det.Evidence {
			h.Evidence = append(h.Evidence, api.Evidence{Node: node, Shows: "kube-proxy mode " + string(det.Mode) + ": " + e})
		}
		for _, e := range lb.Evidence {
			h.Evidence = append(h.Evidence, api.Evidence{Node: node, Shows: e})
		}
	}
	tr.Chains, tr.Rule = rules.Chains, rules.Comment
	tr.Endpoints = mergeEndpoints(rules.Endpoints, in.Endpoints)
	tr.Evidence = h.Evidence

	var shares []string
	for _, e := range tr.Endpoints {
		if e.InRules {
			shares = append(shares, fmt.Sprintf("%s (%.0f%%)", e.Address, e.Probability*100))
		}
	}
	switch {
	case byDataplane && matched:
		h.Summary = fmt.Sprintf("%s %s → %s (%s)", lb.Translates, hostPort(svc.ClusterIP, svc.Port), strings.Join(shares, ", "), in.ServiceTable.Source)
		if lb.AtSocket {
			h.Summary += ": the pod's packet already carries the endpoint's address"
		}
	case byDataplane:
		h.Summary = fmt.Sprintf("%s %s to one of %d endpoints from the EndpointSlices", lb.Translates, hostPort(svc.ClusterIP, svc.Port), len(tr.Endpoints))
	case tr.Mode == string(netfilter.ProxyIPVS):
		h.Summary = fmt.Sprintf("IPVS virtual server %s (kube-proxy ipvs mode) balances to %d endpoints from the EndpointSlices", hostPort(svc.ClusterIP, svc.Port), len(tr.Endpoints))
	case matched && len(shares) > 0:
		h.Summary = fmt.Sprintf("DNAT %s → %s", strings.Join(rules.Chains, " → "), strings.Join(shares, ", "))
	case in.Protocol == ProtocolICMP:
		h.Summary = "no translation: kube-proxy translates TCP/UDP/SCTP ports, not ICMP"
		h.Problems = append(h.Problems, "an ICMP echo to a ClusterIP is not translated by kube-proxy (iptables/nftables): nothing answers it; probe with --protocol tcp")
	case nv.Facts == nil:
		h.Summary = "the source node's rules were not read"
	default:
		h.Summary = fmt.Sprintf("no kube-proxy rule on node %s matches %s/%s", node, hostPort(svc.ClusterIP, svc.Port), in.Protocol)
		h.Problems = append(h.Problems, fmt.Sprintf("kube-proxy on node %s has no %s rule for %s (mode %s): the Service has no ready endpoints, or kube-proxy is not running or not synced", node, tr.Mode, hostPort(svc.ClusterIP, svc.Port), tr.Mode))
	}
	if !anyReady(in.Endpoints) {
		h.Problems = append(h.Problems, "the Service has no ready endpoints in its EndpointSlices: kube-proxy rejects new connections to it")
	}
	return h, tr
}

func rulesShow(tr netfilter.Translation, matched bool, kind string) string {
	if !matched {
		return "no " + kind + " rule matches the Service address and port"
	}
	s := "the " + kind + " rules " + strings.Join(tr.Chains, " → ")
	if tr.Comment != "" {
		s += " (" + tr.Comment + ")"
	}
	return s + fmt.Sprintf(" choose among %d endpoints", len(tr.Endpoints))
}

func anyReady(eps []EndpointInput) bool {
	for _, e := range eps {
		if e.Ready {
			return true
		}
	}
	return false
}

// mergeEndpoints lists the rules' endpoints in their order, then the EndpointSlices' endpoints the rules
// do not have.
func mergeEndpoints(rules []netfilter.Endpoint, slices []EndpointInput) []api.ServiceEndpoint {
	byAddr := map[string]EndpointInput{}
	for _, e := range slices {
		byAddr[e.AddrPort()] = e
	}
	var out []api.ServiceEndpoint
	seen := map[string]bool{}
	for _, re := range rules {
		se := api.ServiceEndpoint{Address: re.Address, Chain: re.Chain, Probability: re.Probability, InRules: true}
		if e, ok := byAddr[re.Address]; ok {
			fillEndpoint(&se, e)
		}
		seen[re.Address] = true
		out = append(out, se)
	}
	for _, e := range slices {
		if seen[e.AddrPort()] {
			continue
		}
		se := api.ServiceEndpoint{Address: e.AddrPort()}
		fillEndpoint(&se, e)
		out = append(out, se)
	}
	return out
}

func fillEndpoint(se *api.ServiceEndpoint, e EndpointInput) {
	se.Ready, se.Node = e.Ready, e.Node
	if e.Pod != nil {
		ref := e.Pod.Ref
		se.Pod = &ref
	}
}

// serviceEndpoints are the endpoints the walk follows, with each one's share: the rules' own when the
// node has rules, otherwise an even share of the ready ones.
func (r *reasoner) serviceEndpoints(tr *api.ServiceTranslation) ([]EndpointInput, map[string]float64) {
	byAddr := map[string]EndpointInput{}
	for _, e := range r.in.Endpoints {
		byAddr[e.AddrPort()] = e
	}
	weights := map[string]float64{}
	var out []EndpointInput
	anyRules := false
	for _, se := range tr.Endpoints {
		if se.InRules {
			anyRules = true
		}
	}
	ready := 0
	for _, se := range tr.Endpoints {
		if se.Ready || se.InRules {
			ready++
		}
	}
	for _, se := range tr.Endpoints {
		if anyRules && !se.InRules {
			continue
		}
		e, ok := byAddr[se.Address]
		if !ok {
			e = endpointFromAddress(se.Address)
			if !e.IP.IsValid() {
				continue
			}
			e.Node = r.nodeOwning(e.IP)
		}
		if anyRules {
			weights[se.Address] = se.Probability
		} else if ready > 0 && (se.Ready || se.InRules) {
			weights[se.Address] = 1 / float64(ready)
		}
		out = append(out, e)
	}
	return out, weights
}

// addressedAtConnect readdresses the hops before a Service translated at connect() to the endpoint: the
// packet never carries the Service's address, so that is what every capture there sees.
func addressedAtConnect(hops []api.Hop, endpoint string) {
	for i := range hops {
		if hops[i].Kind == api.HopServiceNAT {
			return
		}
		if hops[i].Packet != nil {
			pk := *hops[i].Packet
			pk.Dst = endpoint
			hops[i].Packet = &pk
		}
	}
}
