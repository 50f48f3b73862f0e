package netfilter

import "net/netip"

// Packet is a packet as one node's rules see it: what a Service translation and a filter rule depend on.
type Packet struct {
	Src, Dst         netip.Addr
	Protocol         string // "tcp", "udp", "sctp" or "icmp"
	SrcPort, DstPort int
	// In and Out are the interfaces the packet arrives on and leaves by; empty when not known, which does
	// not rule out a rule that names one.
	In, Out string
	// DstLocal says Dst is one of the node's own addresses (a NodePort), which kube-proxy matches with
	// `-m addrtype --dst-type LOCAL` or `fib daddr type local`.
	DstLocal bool
}
