package netfilter

import (
	"strconv"
	"strings"
)

// kube-proxy's nftables names (pkg/proxy/nftables in Kubernetes).
const (
	nftKubeProxyTable   = "kube-proxy"
	nftServiceIPsMap    = "service-ips"
	nftServiceNodePorts = "service-nodeports"
)

// KubeProxyTable returns kube-proxy's table of family ("ip" or "ip6"), if present.
func (rs *NFTRuleset) KubeProxyTable(family string) *NFTTable {
	if rs == nil {
		return nil
	}
	for _, t := range rs.Tables {
		if t.Name == nftKubeProxyTable && t.Family == family {
			return t
		}
	}
	return nil
}

// Translate follows p through kube-proxy's nftables rules: the service-ips map (or service-nodeports for a
// local destination), the service-/external- chains, the numgen vmap that picks an endpoint- chain and its
// dnat. ok is false when p is not a Service address on this node.
func (rs *NFTRuleset) Translate(p Packet) (tr Translation, ok bool) {
	family := "ip"
	if p.Dst.Is6() && !p.Dst.Is4In6() {
		family = "ip6"
	}
	t := rs.KubeProxyTable(family)
	if t == nil {
		return Translation{}, false
	}
	proto, port := strings.ToLower(p.Protocol), strconv.Itoa(p.DstPort)
	chain := ""
	if m := t.Maps[nftServiceIPsMap]; m != nil {
		chain = m.lookup(p.Dst.Unmap().String(), proto, port)
		if chain != "" {
			tr.Chains = []string{nftServiceIPsMap}
		}
	}
	if chain == "" && p.DstLocal {
		if m := t.Maps[nftServiceNodePorts]; m != nil {
			chain = m.lookup(proto, port)
			if chain != "" {
				tr.Chains = []string{nftServiceNodePorts}
			}
		}
	}
	if chain == "" {
		return Translation{}, false
	}
	seen := map[string]bool{}
	for chain != "" && !seen[chain] {
		seen[chain] = true
		tr.Chains = append(tr.Chains, chain)
		c := t.Chains[chain]
		if c == nil {
			break
		}
		if eps := t.endpoints(c); len(eps) > 0 {
			tr.Endpoints = eps
			break
		}
		chain = nextServiceChain(c)
	}
	if len(tr.Chains) > 1 {
		tr.Comment = serviceFromChain(tr.Chains[len(tr.Chains)-1])
	}
	return tr, true
}

func (m *NFTMap) lookup(key ...string) string {
	for _, e := range m.Elements {
		if strings.Join(e.Key, " . ") == strings.Join(key, " . ") {
			return e.Verdict
		}
	}
	return ""
}

// endpoints reads the numgen vmap of a service chain: each endpoint gets 1/mod of new connections.
func (t *NFTTable) endpoints(c *NFTChain) []Endpoint {
	for _, r := range c.Rules {
		if r.NumgenMod == 0 {
			continue
		}
		var eps []Endpoint
		for i := 0; i < r.NumgenMod; i++ {
			ch, ok := r.NumgenVmap[i]
			if !ok {
				continue
			}
			ep := Endpoint{Chain: ch, Probability: 1 / float64(r.NumgenMod)}
			if epc := t.Chains[ch]; epc != nil {
				for _, er := range epc.Rules {
					if er.DNAT != "" {
						ep.Address = er.DNAT
					}
				}
			}
			eps = append(eps, ep)
		}
		return eps
	}
	return nil
}

// nextServiceChain is where an external-/firewall- chain sends traffic on: the last goto/jump to another
// service chain (the unconditional one, after the short-circuits for pod and local traffic).
func nextServiceChain(c *NFTChain) string {
	next := ""
	for _, r := range c.Rules {
		v := r.Verdict
		if strings.HasPrefix(v, "service-") || strings.HasPrefix(v, "local-") || strings.HasPrefix(v, "external-") {
			next = v
		}
	}
	return next
}

// serviceFromChain turns "service-ULMVA6XW-ns1/svc1/tcp/p80" into "ns1/svc1:p80".
func serviceFromChain(chain string) string {
	_, rest, ok := strings.Cut(chain, "-")
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, "-")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return ""
	}
	return parts[0] + "/" + parts[1] + ":" + parts[3]
}
