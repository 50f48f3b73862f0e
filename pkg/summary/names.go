package summary

import (
	"strconv"

	"github.com/gopacket/gopacket/layers"
)

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

func linkTypeName(lt layers.LinkType) string {
	switch lt {
	case layers.LinkTypeNull:
		return "NULL"
	case layers.LinkTypeEthernet:
		return "EN10MB"
	case layers.LinkTypeRaw:
		return "RAW"
	case layers.LinkTypeLoop:
		return "LOOP"
	case layers.LinkTypeLinuxSLL:
		return "LINUX_SLL"
	case layers.LinkTypeLinuxSLL2:
		return "LINUX_SLL2"
	case layers.LinkTypeIPv4:
		return "IPV4"
	case layers.LinkTypeIPv6:
		return "IPV6"
	case layers.LinkTypePPP:
		return "PPP"
	case linkTypeNFLOG:
		return "NFLOG"
	}
	return "LINKTYPE_" + strconv.Itoa(int(lt))
}

var dnsTypes = map[uint16]string{1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
	33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 255: "ANY"}

func dnsTypeName(t uint16) string {
	if n, ok := dnsTypes[t]; ok {
		return n
	}
	return "TYPE" + strconv.Itoa(int(t))
}

var rcodes = [16]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI"}

func rcodeName(rc uint8) string {
	if int(rc) < len(rcodes) && rcodes[rc] != "" {
		return rcodes[rc]
	}
	return "RCODE" + strconv.Itoa(int(rc))
}

var icmp4Unreachable = map[uint8]string{0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable",
	3: "port unreachable", 4: "fragmentation needed", 9: "network administratively prohibited",
	10: "host administratively prohibited", 13: "communication administratively prohibited"}

var icmp6Unreachable = map[uint8]string{0: "no route", 1: "administratively prohibited", 3: "address unreachable",
	4: "port unreachable", 5: "source address failed policy", 6: "reject route"}

func icmpMessage(v6 bool, typ, code uint8) string {
	if v6 {
		switch typ {
		case 1:
			if m, ok := icmp6Unreachable[code]; ok {
				return "destination unreachable (" + m + ")"
			}
			return "destination unreachable"
		case 2:
			return "packet too big"
		case 3:
			return "time exceeded"
		case 4:
			return "parameter problem"
		}
		return "icmpv6 type " + strconv.Itoa(int(typ))
	}
	switch typ {
	case 3:
		if m, ok := icmp4Unreachable[code]; ok {
			return "destination unreachable (" + m + ")"
		}
		return "destination unreachable (code " + strconv.Itoa(int(code)) + ")"
	case 4:
		return "source quench"
	case 5:
		return "redirect"
	case 11:
		if code == 1 {
			return "time exceeded (fragment reassembly)"
		}
		return "time exceeded (TTL)"
	case 12:
		return "parameter problem"
	}
	return "icmp type " + strconv.Itoa(int(typ))
}
