package main

import "strconv"

// The commands that wire a pod the way Calico's CNI plugin does. Each is an argv built from the pod's
// names and addresses, run without a shell.

// addVethArgv creates the pair: the host side named after the pod with Calico's MAC, the pod side created
// straight in the pod's namespace (a host could already have an interface named like the pod side).
func addVethArgv(host, podIf, netnsPath string, mtu int) []string {
	m := strconv.Itoa(mtu)
	return []string{"ip", "link", "add", host, "address", hostVethMAC, "mtu", m,
		"type", "veth", "peer", "name", podIf, "mtu", m, "netns", netnsPath}
}

func hostUpArgv(host string) []string { return []string{"ip", "link", "set", host, "up"} }

// hostRouteArgv is the /32 route that takes traffic for the pod to its veth.
func hostRouteArgv(podIP, host string) []string {
	return []string{"ip", "route", "replace", podIP + "/32", "dev", host, "scope", "link"}
}

func deleteHostVethArgv(host string) []string { return []string{"ip", "link", "del", host} }

func hostVethExistsArgv(host string) []string { return []string{"ip", "link", "show", host} }

// podArgvs configure the pod side: its address as a /32, and the link-local gateway that the host veth
// answers for by proxy ARP.
func podArgvs(netnsPath, podIf, podIP string) [][]string {
	return [][]string{
		inPod(netnsPath, "ip", "addr", "add", podIP+"/32", "dev", podIf),
		inPod(netnsPath, "ip", "link", "set", podIf, "up"),
		inPod(netnsPath, "ip", "route", "add", podGateway, "dev", podIf, "scope", "link"),
		inPod(netnsPath, "ip", "route", "add", "default", "via", podGateway, "dev", podIf),
	}
}

func podLinkArgv(netnsPath, podIf string) []string {
	return inPod(netnsPath, "ip", "-j", "link", "show", podIf)
}

func inPod(netnsPath string, argv ...string) []string {
	return append([]string{"nsenter", "--net=" + netnsPath, "--"}, argv...)
}

// hostSysctls are what Calico sets on each host veth: proxy ARP answers the pod's ARP for 169.254.1.1
// with the veth's MAC, forwarding lets the host route the pod's traffic, and no proxy delay makes the
// first answer immediate.
func hostSysctls(host string) map[string]string {
	return map[string]string{
		"/proc/sys/net/ipv4/conf/" + host + "/proxy_arp":    "1",
		"/proc/sys/net/ipv4/conf/" + host + "/forwarding":   "1",
		"/proc/sys/net/ipv4/neigh/" + host + "/proxy_delay": "0",
	}
}
