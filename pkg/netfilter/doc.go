// Package netfilter parses the NAT rules kube-proxy programs — `iptables-save -t nat` and
// `nft -j list ruleset` — to tell the kube-proxy mode (iptables, nftables, ipvs or none) and, for a Service
// IP and port, the chain of rules that translates it and the endpoints it can choose.
package netfilter
