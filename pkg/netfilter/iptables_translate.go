package netfilter

import (
	"net/netip"
	"strconv"
	"strings"
)

// kubeServices is where kube-proxy's nat rules start.
const kubeServices = "KUBE-SERVICES"

// Translate follows p through kube-proxy's nat chains, from KUBE-SERVICES through KUBE-SVC/KUBE-EXT/
// KUBE-FW/KUBE-NODEPORTS to the KUBE-SEP chains and their DNAT targets. ok is false when no rule
// matches p (not a Service address on this node).
func (t *IPTables) Translate(p Packet) (tr Translation, ok bool) {
	if t == nil {
		return Translation{}, false
	}
	if _, exists := t.Chains[kubeServices]; !exists {
		return Translation{}, false
	}
	seen := map[string]bool{}
	chain := kubeServices
	tr.Chains = []string{chain}
	for !seen[chain] {
		seen[chain] = true
		if eps := t.endpoints(chain, p); len(eps) > 0 {
			tr.Endpoints = eps
			return tr, true
		}
		next, comment := t.firstJump(chain, p)
		if next == "" {
			return tr, len(tr.Chains) > 1
		}
		if tr.Comment == "" {
			tr.Comment = comment
		}
		tr.Chains = append(tr.Chains, next)
		chain = next
	}
	return tr, true
}

// firstJump is the first rule of chain that matches p and jumps to another kube-proxy chain (not to
// KUBE-MARK-MASQ, which only marks the packet and returns).
func (t *IPTables) firstJump(chain string, p Packet) (target, comment string) {
	for _, r := range t.Chains[chain] {
		tgt := r.Target()
		if tgt == "" || tgt == "KUBE-MARK-MASQ" || !strings.HasPrefix(tgt, "KUBE-") || !matches(r, p) {
			continue
		}
		return tgt, r.Comment()
	}
	return "", ""
}

// endpoints are the KUBE-SEP jumps of a KUBE-SVC/KUBE-SVL chain, with the share of connections each gets:
// iptables tries them in order with `--probability p_i`, so endpoint i gets p_i × Π(1−p_j) for j < i.
// Session-affinity rules (`-m recent --rcheck`) only repeat an earlier choice and are skipped.
func (t *IPTables) endpoints(chain string, p Packet) []Endpoint {
	var eps []Endpoint
	remaining := 1.0
	seen := map[string]bool{}
	for _, r := range t.Chains[chain] {
		tgt := r.Target()
		if !strings.HasPrefix(tgt, "KUBE-SEP-") || r.has("--rcheck") || !matches(r, p) || seen[tgt] {
			continue
		}
		seen[tgt] = true
		prob := 1.0
		if v, _ := r.option("--probability"); v != "" {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				prob = f
			}
		}
		eps = append(eps, Endpoint{Chain: tgt, Address: t.dnatTarget(tgt), Probability: remaining * prob})
		remaining *= 1 - prob
		if remaining <= 0 {
			break
		}
	}
	return eps
}

func (t *IPTables) dnatTarget(sep string) string {
	for _, r := range t.Chains[sep] {
		if r.Target() == "DNAT" {
			v, _ := r.option("--to-destination")
			return v
		}
	}
	return ""
}

// matches reports whether the conditions of r that depend on the destination hold for p. Conditions on
// the source, marks and connection state are not known for a hypothetical packet and are ignored.
func matches(r Rule, p Packet) bool {
	if v, neg := r.option("-d"); v != "" && matchPrefix(v, p.Dst) == neg {
		return false
	}
	if v, neg := r.option("-p"); v != "" && (v == p.Protocol) == neg {
		return false
	}
	if v, neg := r.option("--dport"); v != "" && (v == strconv.Itoa(p.DstPort)) == neg {
		return false
	}
	if v, neg := r.option("--dst-type"); v == "LOCAL" && p.DstLocal == neg {
		return false
	}
	return true
}

func matchPrefix(s string, ip netip.Addr) bool {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		return err == nil && a == ip
	}
	pfx, err := netip.ParsePrefix(s)
	return err == nil && pfx.Contains(ip)
}
