package inspect

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// explainScan tells what the /proc scan found for each pod.
func explainScan(ex *Explanation, lookups []nodefacts.PodLookup) {
	if len(lookups) == 0 || len(lookups[0].Scan.Argv) == 0 {
		return
	}
	var proved []string
	for _, l := range lookups {
		pod := l.Pod.Namespace + "/" + l.Pod.Name
		if len(l.Candidates) == 0 {
			proved = append(proved, fmt.Sprintf("no process of %s (UID %s) on this node", pod, l.Pod.UID))
			continue
		}
		for _, c := range l.Candidates {
			proved = append(proved, fmt.Sprintf("%s: processes %s share network namespace %s; nsenter -t %d -n enters it", pod, joinInts(c.PIDs), c.Netns, c.PIDs[0]))
		}
	}
	ex.add(lookups[0].Scan, proved...)
}

// explainPod tells what the commands inside the pod's namespace proved.
func explainPod(ex *Explanation, n *nodefacts.Node, l nodefacts.PodLookup, atts []podnet.Attachment) {
	pn := l.Net
	pod := l.Pod.Namespace + "/" + l.Pod.Name
	for _, c := range pn.Commands {
		var proved []string
		switch {
		case c.Err != "":
		case strings.Contains(strings.Join(c.Argv, " "), " addr show"):
			for _, a := range atts {
				pl := a.PodLink
				line := fmt.Sprintf("%s's %s is ifindex %d, kind %s, MAC %s, MTU %d, addresses %s", pod, linkName(pl), pl.Index, cmp.Or(pl.Kind(), "no kind"), pl.MAC, pl.MTU, prefixes(pl))
				if pl.PeerIndex != 0 {
					line += fmt.Sprintf("; its peer is ifindex %d in another namespace", pl.PeerIndex)
				}
				proved = append(proved, line)
			}
			proved = append(proved, fmt.Sprintf("the namespace holds %s's IPs from the API (%s): it is the pod's own", pod, joinAddrs(nodefacts.PodIPs(l.Pod))))
		case strings.Contains(strings.Join(c.Argv, " "), " route get "):
			for probe, r := range pn.RouteGet {
				if strings.HasSuffix(strings.Join(c.Argv, " "), " "+probe.String()) {
					proved = append(proved, fmt.Sprintf("a packet to %s leaves by %s via %s", probe, r.Dev, cmp.Or(r.Gateway, "no gateway (directly connected)")))
				}
			}
		case strings.Contains(strings.Join(c.Argv, " "), " neigh show"):
			for _, nb := range pn.Neighbours {
				proved = append(proved, fmt.Sprintf("%s is at %s on %s (%s)", nb.Dst, cmp.Or(nb.LLAddr, "(unresolved)"), nb.Dev, strings.Join(nb.State, ",")))
			}
			if len(pn.Neighbours) == 0 {
				proved = append(proved, "the ARP/NDP cache is empty: the pod has not talked to its gateway lately")
			}
		case strings.Contains(strings.Join(c.Argv, " "), " route show"):
			six := strings.Contains(strings.Join(c.Argv, " "), " -6 ")
			for _, r := range pn.Routes {
				if isIPv6Route(r) == six {
					proved = append(proved, r.String())
				}
			}
		}
		ex.add(c, proved...)
	}
}

// explainNode tells what the node's own commands proved about the pods' host peers.
func explainNode(ex *Explanation, n *nodefacts.Node, lookups []nodefacts.PodLookup) {
	var peers []podnet.Attachment
	var podIPs []string
	for _, l := range lookups {
		if l.Net == nil {
			continue
		}
		atts := podnet.Attach(l.Net.Links, n.Links)
		podnet.Confirm(atts, nodefacts.PodIPs(l.Pod), n.Routes, n.FDB)
		peers = append(peers, atts...)
		for _, ip := range nodefacts.PodIPs(l.Pod) {
			podIPs = append(podIPs, ip.String())
		}
	}
	for _, c := range n.Commands {
		var proved []string
		argv := strings.Join(c.Argv, " ")
		switch {
		case c.Err != "":
		case strings.Contains(argv, " addr show"):
			for _, a := range peers {
				if !a.Verified {
					continue
				}
				hp := a.HostPeer
				proved = append(proved, fmt.Sprintf("ifindex %d is %s (%s, MAC %s, MTU %d%s) and its peer is ifindex %d: %s ↔ %s, proven from both ends",
					hp.Index, linkName(hp), hp.Kind(), hp.MAC, hp.MTU, master(hp), hp.PeerIndex, linkName(a.PodLink), linkName(hp)))
			}
		case strings.HasPrefix(argv, "sh -c") && len(c.Argv) > 3 && c.Argv[3] == "sysctl-read":
			for _, a := range peers {
				if on, known := n.Sysctls.ProxyARP(a.HostPeer.Name); known && a.Verified {
					proved = append(proved, fmt.Sprintf("net.ipv4.conf.%s.proxy_arp = %s", a.HostPeer.Name, onOff(on)))
				}
			}
			if on, known := n.Sysctls.IPForward(); known {
				proved = append(proved, "net.ipv4.ip_forward = "+onOff(on))
			}
		case strings.Contains(argv, " route show"):
			for _, a := range peers {
				if a.ConfirmedBy != "" && strings.HasPrefix(a.ConfirmedBy, "the node routes") {
					proved = append(proved, a.ConfirmedBy+": the route back to the pod")
				}
			}
		case strings.Contains(argv, "neigh show"):
			for _, nb := range n.Neighbours {
				for _, ip := range podIPs {
					if nb.Dst == ip {
						proved = append(proved, fmt.Sprintf("the node knows pod %s at %s on %s", ip, cmp.Or(nb.LLAddr, "(unresolved)"), nb.Dev))
					}
				}
			}
		default:
			continue
		}
		ex.add(c, proved...)
	}
}

func prefixes(l iproute.Link) string {
	var s []string
	for _, p := range l.Prefixes() {
		s = append(s, p.String())
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func master(l iproute.Link) string {
	if l.Master == "" {
		return ""
	}
	return ", port of " + l.Master
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func onOff(on bool) string {
	if on {
		return "1"
	}
	return "0"
}

// isIPv6Route tells a route's family from its addresses (a default route from its gateway).
func isIPv6Route(r iproute.Route) bool {
	return strings.Contains(r.Dst, ":") || strings.Contains(r.Gateway, ":")
}
