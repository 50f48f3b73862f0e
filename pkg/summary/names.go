package summary

import "strconv"

// protocolName names an IP protocol number as flows and notes show it.
func protocolName(p uint8) string {
	switch p {
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoICMP:
		return "icmp"
	case protoICMPv6:
		return "icmpv6"
	case protoSCTP:
		return "sctp"
	case protoGRE:
		return "gre"
	case 50:
		return "esp"
	}
	return "ip/" + strconv.Itoa(int(p))
}
