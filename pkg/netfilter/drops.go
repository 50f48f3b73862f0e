package netfilter

import (
	"net/netip"
	"strconv"
	"strings"
)

// IPTablesSaveFilterArgv reads the filter table, where DROP and REJECT rules (NetworkPolicies, host
// firewalls) live.
func IPTablesSaveFilterArgv() []string { return []string{"iptables-save", "-t", "filter"} }

// DropsFor lists the DROP and REJECT rules reachable from FORWARD and INPUT whose address, protocol and port
// conditions hold for p, and a FORWARD policy of DROP. Conditions on state, marks or sets are not known for a probe and do not
// rule a rule out.
func (t *IPTables) DropsFor(p Packet) []string {
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
func ruleMatches(r Rule, p Packet) (matches, specific bool) {
	w := r.Words
	for i := 0; i < len(w)-1; i++ {
		neg := i > 0 && w[i-1] == "!"
		val := w[i+1]
		ok, known := true, true
		switch w[i] {
		case "-s", "--source":
			ok = prefixHolds(val, p.Src)
		case "-d", "--destination":
			ok = prefixHolds(val, p.Dst)
		case "-p", "--protocol":
			ok = val == p.Protocol || val == "all" || (val == "icmp" && p.Protocol == "icmp")
		case "--dport", "--destination-port":
			ok = portHolds(val, p.DstPort)
		case "--sport", "--source-port":
			ok = portHolds(val, p.SrcPort)
		case "-i", "--in-interface":
			known = p.In != ""
			ok = ifaceHolds(val, p.In)
		case "-o", "--out-interface":
			known = p.Out != ""
			ok = ifaceHolds(val, p.Out)
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
