package walk

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// FilterSaveArgv reads the iptables filter table, where DROP and REJECT rules (NetworkPolicies, host
// firewalls) live. nodefacts reads only the nat table.
func FilterSaveArgv() []string { return []string{"iptables-save", "-t", "filter"} }

// packetView is the probe's packet as a filter rule on one node sees it.
type packetView struct {
	src, dst     netip.Addr
	proto        string
	sport, dport int
	in, out      string
}

// DiagnoseDrops looks, after a walk stopped, at the filter rules of the nodes where the packet was last
// seen and first missed, and adds the DROP and REJECT rules that match the probe's packet to the
// verdict's likely causes, first.
func DiagnoseDrops(ctx context.Context, r noderun.Runner, in *Input, w *api.Walk) {
	v := &w.Verdict
	if v.Result != api.VerdictStopped && v.Result != api.VerdictNoReply {
		return
	}
	var nodes []string
	var hops []*api.HopRef
	for _, h := range []*api.HopRef{v.LastSeen, v.FirstMissing} {
		if h != nil && !containsString(nodes, h.Node) {
			nodes = append(nodes, h.Node)
			hops = append(hops, h)
		}
	}
	var found []string
	for i, node := range nodes {
		res, err := r.Run(ctx, node, FilterSaveArgv())
		if err != nil || !res.OK() {
			continue
		}
		t, err := netfilter.ParseIPTablesSave(res.Stdout)
		if err != nil || t == nil {
			continue
		}
		pv := probePacketAt(in, w, hops[i])
		for _, rule := range matchingDrops(t, pv) {
			found = append(found, fmt.Sprintf("node %s's filter table (%s) has a rule that drops this packet: %s", node, strings.Join(FilterSaveArgv(), " "), rule))
		}
	}
	v.LikelyCauses = append(found, v.LikelyCauses...)
}

// probePacketAt is the probe's packet after the Service translation, on the node of hop.
func probePacketAt(in *Input, w *api.Walk, hop *api.HopRef) packetView {
	pv := packetView{src: in.SourceIP, dst: in.Dest.IP, proto: in.Protocol, sport: in.SourcePort, dport: in.Dest.Port}
	if hop.Path < len(w.Paths) {
		path := w.Paths[hop.Path]
		if ep := endpointFromAddress(path.Endpoint); ep.IP.IsValid() {
			pv.dst, pv.dport = ep.IP, ep.Port
		}
		if hop.Hop < len(path.Hops) {
			pv.in = path.Hops[hop.Hop].Interface
		}
	}
	return pv
}

// matchingDrops are the DROP and REJECT rules reachable from FORWARD and INPUT whose address, protocol
// and port conditions hold for p. Conditions on state, marks or sets are not known for a probe and do not
// rule a rule out.
func matchingDrops(t *netfilter.IPTables, p packetView) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(chain string, depth int)
	walk = func(chain string, depth int) {
		if depth > 8 || seen[chain] {
			return
		}
		seen[chain] = true
		for _, r := range t.Chains[chain] {
			matches, specific := ruleMatches(r, p)
			if !matches {
				continue
			}
			switch tgt := r.Target(); tgt {
			case "DROP", "REJECT":
				// A rule that names nothing of this packet (kube-proxy's drop of INVALID conntrack
				// state, say) is everyone's, not a finding about this packet.
				if specific {
					out = append(out, r.String())
				}
			case "ACCEPT", "RETURN", "":
			default:
				walk(tgt, depth+1)
			}
		}
	}
	walk("FORWARD", 0)
	walk("INPUT", 0)
	if pol := t.Policies["FORWARD"]; pol == "DROP" {
		out = append(out, "the FORWARD chain's policy is DROP")
	}
	return out
}

// ruleMatches checks the conditions of r that depend on the packet's addresses, protocol, ports and
// interfaces; specific says at least one such condition was there (and held).
func ruleMatches(r netfilter.Rule, p packetView) (matches, specific bool) {
	w := r.Words
	for i := 0; i < len(w)-1; i++ {
		neg := i > 0 && w[i-1] == "!"
		val := w[i+1]
		var ok, known bool = true, true
		switch w[i] {
		case "-s", "--source":
			ok = prefixHolds(val, p.src)
		case "-d", "--destination":
			ok = prefixHolds(val, p.dst)
		case "-p", "--protocol":
			ok = val == p.proto || val == "all" || (val == "icmp" && p.proto == ProtocolICMP)
		case "--dport", "--destination-port":
			ok = portHolds(val, p.dport)
		case "--sport", "--source-port":
			ok = portHolds(val, p.sport)
		case "-i", "--in-interface":
			known = p.in != ""
			ok = ifaceHolds(val, p.in)
		case "-o", "--out-interface":
			known = p.out != ""
			ok = ifaceHolds(val, p.out)
		default:
			known = false
		}
		if known && ok == neg {
			return false, false
		}
		if known && w[i] != "-p" && w[i] != "--protocol" {
			specific = true
		}
	}
	return true, specific
}

func prefixHolds(s string, ip netip.Addr) bool {
	for _, part := range strings.Split(s, ",") {
		if matchAddr(part, ip) {
			return true
		}
	}
	return false
}

func matchAddr(s string, ip netip.Addr) bool {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Contains(ip)
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a == ip
}

func portHolds(s string, port int) bool {
	lo, hi, isRange := strings.Cut(s, ":")
	a, err := strconv.Atoi(lo)
	if err != nil {
		return true
	}
	if !isRange {
		return a == port
	}
	b, err := strconv.Atoi(hi)
	if err != nil {
		return port >= a
	}
	return port >= a && port <= b
}

func ifaceHolds(pattern, iface string) bool {
	if strings.HasSuffix(pattern, "+") {
		return strings.HasPrefix(iface, strings.TrimSuffix(pattern, "+"))
	}
	return pattern == iface
}
