package netfilter

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
)

// DetectProxyMode tells kube-proxy's mode from the node's rules and links. nat or nft may be nil when
// they could not be read; with neither, the mode is unknown.
func DetectProxyMode(nat *IPTables, nft *NFTRuleset, links iproute.Links) ProxyDetection {
	var d ProxyDetection
	if l, ok := links.ByName("kube-ipvs0"); ok {
		d.Mode = ProxyIPVS
		d.Evidence = append(d.Evidence, fmt.Sprintf("link kube-ipvs0 (%s) holds the Service addresses for IPVS", cmp.Or(l.Kind(), "device")))
		return d
	}
	for _, fam := range []string{"ip", "ip6"} {
		if t := nft.KubeProxyTable(fam); t != nil {
			d.Mode = ProxyNFTables
			n := 0
			if m := t.Maps[nftServiceIPsMap]; m != nil {
				n = len(m.Elements)
			}
			d.Evidence = append(d.Evidence, fmt.Sprintf("nftables table %s kube-proxy with %d entries in map service-ips", fam, n))
		}
	}
	if d.Mode != "" {
		return d
	}
	if nat != nil {
		if rules, ok := nat.Chains[kubeServices]; ok {
			d.Mode = ProxyIPTables
			d.Evidence = append(d.Evidence, fmt.Sprintf("iptables nat chain KUBE-SERVICES with %d rules, %d KUBE-SVC chains", len(rules), countPrefix(nat, "KUBE-SVC-")))
			return d
		}
	}
	// iptables-nft rules are visible to nft as xtables-compat tables even when iptables-save in the
	// helper image uses the other backend.
	for _, t := range tablesOf(nft) {
		if _, ok := t.Chains[kubeServices]; ok {
			d.Mode = ProxyIPTables
			d.Evidence = append(d.Evidence, fmt.Sprintf("nftables table %s %s (iptables-nft) has chain KUBE-SERVICES", t.Family, t.Name))
			return d
		}
	}
	if nat == nil && nft == nil {
		d.Mode = ProxyUnknown
		d.Evidence = append(d.Evidence, "neither iptables-save nor nft could be read on the node")
		return d
	}
	d.Mode = ProxyNone
	d.Evidence = append(d.Evidence, "no KUBE-SERVICES chain, no nftables kube-proxy table and no kube-ipvs0 link: no kube-proxy rules on this node")
	return d
}

func tablesOf(rs *NFTRuleset) []*NFTTable {
	if rs == nil {
		return nil
	}
	return rs.Tables
}

func countPrefix(t *IPTables, prefix string) int {
	n := 0
	for c := range t.Chains {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}
