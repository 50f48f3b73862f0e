package summary

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// resolver names addresses and interfaces from the node metadata. It is only used when reporting, never per
// packet.
type resolver struct {
	ips      map[netip.Addr]string
	services map[netip.Addr]bool
	// ifaces maps a node's interface indexes to names, with the pod behind a pod's host peer.
	ifaces map[string]map[uint32]string
	nodes  []string
}

// servicePrefix starts the name of a Service address, e.g. "svc default/httpbin".
const servicePrefix = "svc "

func newResolver(links []api.NodeNetwork, names Names) *resolver {
	r := &resolver{ips: map[netip.Addr]string{}, services: map[netip.Addr]bool{}, ifaces: map[string]map[uint32]string{}}
	for _, n := range links {
		r.nodes = append(r.nodes, n.Node)
		podByIf := map[string]string{}
		for _, p := range n.Pods {
			for _, s := range p.IPs {
				if ip, err := netip.ParseAddr(s); err == nil {
					r.ips[ip.Unmap()] = p.Pod.String()
				}
			}
			if p.HostInterface != "" {
				podByIf[p.HostInterface] = p.Pod.String()
			}
		}
		byIndex := map[uint32]string{}
		for _, l := range n.Links {
			name := l.Name
			if pod, ok := podByIf[l.Name]; ok {
				name += " (" + pod + ")"
			}
			byIndex[uint32(l.Index)] = name
		}
		for _, p := range n.Pods {
			if _, ok := byIndex[uint32(p.HostIfIndex)]; !ok && p.HostIfIndex > 0 && p.HostInterface != "" {
				byIndex[uint32(p.HostIfIndex)] = p.HostInterface + " (" + p.Pod.String() + ")"
			}
		}
		r.ifaces[n.Node] = byIndex
	}
	for ip, name := range names {
		ip = ip.Unmap()
		r.ips[ip] = name
		r.services[ip] = strings.HasPrefix(name, servicePrefix)
	}
	return r
}

func (r *resolver) ipName(a addr) string { return r.ips[a.netip()] }

func (r *resolver) isService(a addr) bool { return r.services[a.netip()] }

// nodeOf finds the node an interface of the capture belongs to: the "node/" prefix packetwalk's captures put
// in pcapng interface names, or the only node of the metadata.
func (r *resolver) nodeOf(ifaceName string) string {
	if node, _, ok := strings.Cut(ifaceName, "/"); ok {
		if _, known := r.ifaces[node]; known {
			return node
		}
	}
	if len(r.nodes) == 1 {
		return r.nodes[0]
	}
	return ""
}

// interfaceName names an observation point's interface: the node's link for a cooked header's ifindex,
// else the pcapng interface name, else the interface number.
func (r *resolver) interfaceName(idbName string, iface int32, ifIndex uint32) string {
	if ifIndex != 0 {
		node := r.nodeOf(idbName)
		name, ok := r.ifaces[node][ifIndex]
		if !ok {
			name = "ifindex " + strconv.FormatUint(uint64(ifIndex), 10)
		}
		if node != "" && len(r.nodes) > 1 {
			name = node + "/" + name
		}
		return name
	}
	return idbName
}
