package walk

import (
	"strconv"
	"strings"
)

// plainFilter is the tcpdump filter for the probe's own (not encapsulated) packets: its source port, and
// with withSource its source address too. Hops where the source may have been masqueraded (a node's
// underlay) leave the address out.
func (r *reasoner) plainFilter(withSource bool) string {
	return probeFilter(r.in.Protocol, r.in.SourceIP.String(), r.in.SourcePort, withSource, r.in.SourceIP.Is6())
}

// probeFilter builds the filter for a probe from src (port sport; 0 when unknown).
func probeFilter(protocol, src string, sport int, withSource, ipv6 bool) string {
	icmp := "icmp"
	if ipv6 {
		icmp = "icmp6"
	}
	host := ""
	if withSource {
		host = " and host " + src
	}
	switch protocol {
	case ProtocolICMP:
		return icmp + host
	case ProtocolUDP:
		if sport == 0 {
			return "(udp or " + icmp + ")" + host
		}
		// ICMP errors (port unreachable) are the usual answer to a stray datagram.
		return "(udp port " + strconv.Itoa(sport) + " or " + icmp + ")" + host
	}
	if sport == 0 {
		return "tcp" + host
	}
	return "tcp port " + strconv.Itoa(sport) + host
}

// destinationFilter is the tcpdump filter for the probe's packets to and from ep, whatever source address
// and port a masquerade gave them: for hops between nodes without encapsulation, where a pod's packet to a
// node address or outside the pod network may be SNATed (flannel masquerades it, with random ports).
func (r *reasoner) destinationFilter(ep EndpointInput) string {
	icmp := "icmp"
	if ep.IP.Is6() {
		icmp = "icmp6"
	}
	host := " and host " + ep.IP.String()
	switch r.in.Protocol {
	case ProtocolICMP:
		return icmp + host
	case ProtocolUDP:
		return "(udp and port " + strconv.Itoa(ep.Port) + " or " + icmp + ")" + host
	}
	return "tcp and port " + strconv.Itoa(ep.Port) + host
}

// encapFilter is the tcpdump filter for the encapsulated packets between two tunnel endpoints. The
// probe's packet is picked out of them by decoding the inner headers.
func encapFilter(typ string, port int, a, b string) string {
	var terms []string
	switch typ {
	case "IPIP":
		terms = append(terms, "ip proto 4")
	case "6in4":
		terms = append(terms, "ip proto 41")
	default:
		if port == 0 {
			port = defaultPort(typ)
		}
		terms = append(terms, "udp port "+strconv.Itoa(port))
	}
	for _, h := range []string{a, b} {
		if h != "" {
			terms = append(terms, "host "+h)
		}
	}
	return strings.Join(terms, " and ")
}
