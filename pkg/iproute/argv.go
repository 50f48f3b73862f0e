package iproute

// The argv of every iproute2 command packetwalk runs. -d adds link kinds (veth, vxlan VNI and port) and
// route types; -j makes the output parseable.

// AddrShow lists links with their addresses and link details.
func AddrShow() []string { return []string{"ip", "-j", "-d", "addr", "show"} }

// LinkShow lists links with their details.
func LinkShow() []string { return []string{"ip", "-j", "-d", "link", "show"} }

// RouteShow lists the main table of family ("inet" or "inet6").
func RouteShow(family string) []string {
	return []string{"ip", "-j", "-d", familyFlag(family), "route", "show"}
}

// RouteGet asks the kernel which route it would use for a packet to dst that the node sends itself.
func RouteGet(dst string) []string { return RouteGetForwarded(dst, "", "") }

// RouteGetForwarded asks which route a packet to dst from `from` that arrived on iif would take: a forwarded
// packet, as a node sees a pod's. An empty from or iif is left out.
func RouteGetForwarded(dst, from, iif string) []string {
	argv := []string{"ip", "-j", "route", "get", dst}
	if from != "" {
		argv = append(argv, "from", from)
	}
	if iif != "" {
		argv = append(argv, "iif", iif)
	}
	return argv
}

// NeighShow lists the ARP and NDP tables.
func NeighShow() []string { return []string{"ip", "-j", "neigh", "show"} }

// FDBShow lists the bridge and VXLAN forwarding databases.
func FDBShow() []string { return []string{"bridge", "-j", "fdb", "show"} }

func familyFlag(family string) string {
	if family == "inet6" {
		return "-6"
	}
	return "-4"
}
