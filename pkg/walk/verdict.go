package walk

import (
	"fmt"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/capture"
)

// Judge annotates w with what obs saw: each capture hop's observation, the path the probe took, the
// probe itself and the verdict.
func Judge(w *api.Walk, in *Input, obs *Observation) {
	mt := obs.match(w, in)
	annotate(w, obs, mt)
	probe := obs.Probe
	probe.Endpoint = mt.endpoint
	w.Probe = &probe
	w.Verdict = verdictOf(w, in, mt)
}

// judgedPath is the path the verdict is about: the one the probe took, else the only one, else the first
// (whose hops up to the Service translation every path shares).
func judgedPath(w *api.Walk) (int, bool) {
	for i, p := range w.Paths {
		if p.Chosen {
			return i, true
		}
	}
	return 0, len(w.Paths) == 1
}

// captureHops are the indexes of a path's hops that were captured, in order. Without a known path only
// the hops every path shares count.
func captureHops(w *api.Walk, pi int, known bool) []int {
	var out []int
	for hi, h := range w.Paths[pi].Hops {
		if !known && len(w.Paths) > 1 && !sharedHop(w, hi) {
			break
		}
		if h.Capture != nil && h.Observed != nil {
			out = append(out, hi)
		}
	}
	return out
}

func sharedHop(w *api.Walk, hi int) bool {
	first := w.Paths[0].Hops
	for _, p := range w.Paths[1:] {
		if hi >= len(p.Hops) || hi >= len(first) || p.Hops[hi].Kind != first[hi].Kind || p.Hops[hi].Node != first[hi].Node || p.Hops[hi].Interface != first[hi].Interface {
			return false
		}
	}
	return true
}

func ref(w *api.Walk, pi, hi int) *api.HopRef {
	h := w.Paths[pi].Hops[hi]
	return &api.HopRef{Path: pi, Hop: hi, Kind: h.Kind, Node: h.Node, Interface: h.Interface}
}

func hopName(h api.Hop) string {
	where := h.Node
	if h.Interface != "" {
		where = capture.InterfaceName(h.Node, h.Interface, "")
	}
	return fmt.Sprintf("%s (%s)", h.Title, where)
}

func verdictOf(w *api.Walk, in *Input, mt *matched) api.Verdict {
	p := w.Probe
	pi, known := judgedPath(w)
	hops := captureHops(w, pi, known)
	last, missing := -1, -1
	for _, hi := range hops {
		o := w.Paths[pi].Hops[hi].Observed
		if o.Seen {
			last, missing = hi, -1
		} else if missing < 0 && o.Error == "" {
			missing = hi
		}
	}
	v := api.Verdict{}
	if last >= 0 {
		v.LastSeen = ref(w, pi, last)
	}
	if missing >= 0 && missing > last {
		v.FirstMissing = ref(w, pi, missing)
	} else {
		missing = -1
	}
	dst := in.Dest.IP.String()
	if in.Dest.Port != 0 && in.Protocol != ProtocolICMP {
		dst = hostPort(in.Dest.IP, in.Dest.Port)
	}
	if p.Endpoint != "" {
		dst += " (→ " + p.Endpoint + ")"
	}
	rtt := p.RTT
	if rtt == "" && mt.replySeen && !mt.first.IsZero() {
		rtt = formatDuration(mt.replyAt.Sub(mt.first))
	}

	switch {
	case p.Connected || (in.Protocol == ProtocolUDP && mt.replySeen && !mt.refused):
		v.Result, v.RTT = api.VerdictReplyReceived, rtt
		switch in.Protocol {
		case ProtocolICMP:
			v.Summary = fmt.Sprintf("reply received: echo reply from %s in %s", dst, rtt)
		case ProtocolUDP:
			v.Summary = fmt.Sprintf("reply received: %s answered the datagram", dst)
		default:
			v.Summary = fmt.Sprintf("reply received: TCP connection to %s established in %s", dst, rtt)
			if p.HTTPStatus != 0 {
				v.Summary += fmt.Sprintf(" (HTTP %d)", p.HTTPStatus)
			}
		}
		v.FirstMissing = nil
	case mt.refused || (in.Protocol == ProtocolTCP && p.ExitCode == curlCouldNotConnect && mt.replySeen):
		v.Result, v.RTT = api.VerdictRefused, rtt
		v.Summary = fmt.Sprintf("refused: %s answered with a TCP reset or an ICMP error", dst)
		v.LikelyCauses = []string{
			"nothing listens on the destination port in the destination's network namespace",
			"a REJECT rule on the way (kube-proxy rejects connections to a Service without ready endpoints; a NetworkPolicy may reject)",
		}
		v.FirstMissing = nil
	case !anyCaptured(w, pi, hops):
		v.Result = api.VerdictProbeFailed
		v.Summary = "no hop could be captured: " + firstCaptureError(w, pi)
		if p.Output != "" {
			v.Summary += "; the probe said: " + p.Output
		}
	case last < 0:
		v.Result = api.VerdictStopped
		v.Summary = "the probe's packet was not seen at any hop: it did not leave the source pod"
		if p.Output != "" {
			v.Summary += " (" + p.Output + ")"
		}
		v.LikelyCauses = append(problemsUpTo(w, pi, 0, hops[0]), causesBefore(w.Paths[pi].Hops[hops[0]], in)...)
	case missing < 0:
		v.Result = api.VerdictNoReply
		h := w.Paths[pi].Hops[last]
		v.Summary = fmt.Sprintf("the packet reached %s, the last capture point, but no reply came back", hopName(h))
		if !known && len(w.Paths) > 1 {
			v.Summary = fmt.Sprintf("the packet reached %s, but no capture saw which endpoint it was sent to, and no reply came back", hopName(h))
		}
		if in.Protocol == ProtocolUDP {
			v.Summary = fmt.Sprintf("the datagram reached %s; nothing answered it (UDP needs no answer)", hopName(h))
		}
		v.LikelyCauses = append(problemsUpTo(w, pi, last, len(w.Paths[pi].Hops)-1), noReplyCauses(in)...)
	default:
		v.Result = api.VerdictStopped
		lh, mh := w.Paths[pi].Hops[last], w.Paths[pi].Hops[missing]
		v.Summary = fmt.Sprintf("the packet was last seen at %s and not at %s", hopName(lh), hopName(mh))
		v.LikelyCauses = append(problemsUpTo(w, pi, last, missing), causesBefore(mh, in)...)
	}
	return v
}

// anyCaptured says at least one capture hop of the path ran.
func anyCaptured(w *api.Walk, pi int, hops []int) bool {
	for _, hi := range hops {
		if w.Paths[pi].Hops[hi].Observed.Error == "" {
			return true
		}
	}
	return false
}

func firstCaptureError(w *api.Walk, pi int) string {
	for _, h := range w.Paths[pi].Hops {
		if h.Observed != nil && h.Observed.Error != "" {
			return h.Observed.Error
		}
	}
	return "the walk has no capture point"
}

// problemsUpTo are the facts found on the hops from..to (inclusive) that can stop a packet.
func problemsUpTo(w *api.Walk, pi, from, to int) []string {
	var out []string
	hops := w.Paths[pi].Hops
	for hi := from; hi <= to && hi < len(hops); hi++ {
		for _, p := range hops[hi].Problems {
			out = append(out, fmt.Sprintf("%s: %s", hopName(hops[hi]), p))
		}
	}
	return out
}

// causesBefore lists what usually stops a packet just before reaching hop h.
func causesBefore(h api.Hop, in *Input) []string {
	node := h.Node
	switch h.Kind {
	case api.HopHostPeer:
		return []string{
			"the pod has no route for the destination, or cannot resolve its gateway's MAC (proxy-ARP off, no bridge address)",
			"an eBPF or iptables rule inside the pod's namespace drops its egress",
		}
	case api.HopTunnel, api.HopUnderlay:
		c := []string{
			fmt.Sprintf("a filter rule on node %s drops it in FORWARD (a NetworkPolicy, an iptables/nftables DROP)", node),
			fmt.Sprintf("strict rp_filter on the pod's host peer on node %s, or net.ipv4.ip_forward=0", node),
			fmt.Sprintf("no route on node %s for the (translated) destination", node),
		}
		if h.Kind == api.HopUnderlay && h.Packet != nil && h.Packet.Encapsulation != nil {
			c = append(c, "the tunnel cannot encapsulate: no neighbour or FDB entry for the next hop, or no route to the remote VTEP",
				"MTU: a full-size packet plus the encapsulation does not fit the underlay (look for ICMP fragmentation needed)")
		}
		if in.Service != nil {
			c = append(c, "the Service has no ready endpoint: kube-proxy rejects the connection")
		}
		return c
	case api.HopRemoteUnderlay:
		proto := "the traffic"
		if e := encOf(h); e != nil {
			if e.Type == "IPIP" {
				proto = "IP protocol 4 (IPIP)"
			} else {
				proto = fmt.Sprintf("UDP port %d (%s)", e.Port, e.Type)
			}
		}
		return []string{
			fmt.Sprintf("the network between the nodes drops %s: a firewall or a cloud security group", proto),
			"the outer destination is not the remote node's address (a stale FDB entry or tunnel route)",
			"for direct routing: the network does not route pod addresses (cloud source/destination checks)",
		}
	case api.HopDecapsulation:
		return []string{
			fmt.Sprintf("node %s's INPUT rules drop the encapsulated packets", node),
			"the tunnel devices of the two nodes disagree on VNI or UDP port, or the device is down",
			fmt.Sprintf("rp_filter on node %s's underlay interface", node),
		}
	case api.HopDestinationHostPeer, api.HopBridge:
		return []string{
			fmt.Sprintf("a filter rule on node %s drops it in FORWARD (a NetworkPolicy, an iptables/nftables DROP)", node),
			fmt.Sprintf("strict rp_filter on node %s's tunnel or underlay interface (the source pod's address is not routed back through it)", node),
			fmt.Sprintf("no route on node %s to the pod (a missing or stale host route), or net.ipv4.ip_forward=0", node),
		}
	}
	return []string{fmt.Sprintf("a filter rule or a missing route on node %s", node)}
}

func encOf(h api.Hop) *api.PacketEncapsulation {
	if h.Packet != nil {
		return h.Packet.Encapsulation
	}
	return nil
}

func noReplyCauses(in *Input) []string {
	c := []string{
		"the destination's application did not answer (a TCP SYN to a closed port gets a reset, so something drops it or answers elsewhere)",
		"a firewall in the destination pod's namespace or its node's OUTPUT drops the reply",
		"the reply takes another path (asymmetric routing) and is dropped there, e.g. by rp_filter or conntrack",
	}
	if in.Protocol == ProtocolICMP && in.Service != nil {
		c = append([]string{"a ClusterIP does not answer ping: kube-proxy translates only TCP/UDP/SCTP ports"}, c...)
	}
	return c
}
