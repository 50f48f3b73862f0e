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

// RouteGet asks the kernel which route it would use for dst.
func RouteGet(dst string) []string { return []string{"ip", "-j", "route", "get", dst} }

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
