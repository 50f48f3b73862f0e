// Package calico is packetwalk's knowledge of Calico's dataplane: host veths named cali+sha1("ns.pod"),
// the link-local gateway 169.254.1.1 answered by proxy-ARP with ee:ee:ee:ee:ee:ee, and IPIP (tunl0),
// VXLAN (vxlan.calico, vxlan-v6.calico) or WireGuard (wireguard.cali) between nodes.
package calico

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Plugin is Calico.
type Plugin struct{ dataplane.KernelDatapath }

var _ dataplane.Plugin = Plugin{}

const (
	hostVethMAC = "ee:ee:ee:ee:ee:ee"
	gatewayIP   = "169.254.1.1"
)

// Name implements dataplane.Plugin.
func (Plugin) Name() string { return "calico" }

// HostVethName is the host-side interface Calico creates for pod namespace/name: "cali" and the first 11
// hex digits of sha1("<namespace>.<pod>") (libcalico-go's VethNameForWorkload).
func HostVethName(namespace, pod string) string {
	sum := sha1.Sum([]byte(namespace + "." + pod))
	return "cali" + hex.EncodeToString(sum[:])[:11]
}

// Detect implements dataplane.Plugin.
func (Plugin) Detect(node *nodefacts.Node) dataplane.Detection {
	var d dataplane.Detection
	calis, eeMAC := 0, 0
	for _, l := range node.Links {
		if strings.HasPrefix(l.Name, "cali") && l.Kind() == "veth" {
			calis++
			if l.MAC == hostVethMAC {
				eeMAC++
			}
		}
	}
	if calis > 0 {
		d.Confidence = 70
		d.Evidence = append(d.Evidence, fmt.Sprintf("%d veth host peers named cali*", calis))
	}
	if eeMAC > 0 {
		d.Confidence = 90
		d.Evidence = append(d.Evidence, fmt.Sprintf("%d of them with Calico's MAC %s", eeMAC, hostVethMAC))
	}
	for _, name := range []string{"vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali"} {
		if _, ok := node.Links.ByName(name); ok {
			d.Confidence = 95
			d.Evidence = append(d.Evidence, "link "+name)
		}
	}
	if l, ok := node.Links.ByName("tunl0"); ok && len(l.Addrs) > 0 && calis > 0 {
		d.Confidence = 95
		d.Evidence = append(d.Evidence, "link tunl0 (IPIP) with an address from a Calico block")
	}
	return d
}

// Tunnels implements dataplane.Plugin. tunl0 exists whenever the ipip module is loaded; it counts as
// Calico's only when it has an address or routes through it.
func (Plugin) Tunnels(node *nodefacts.Node) []dataplane.Tunnel {
	return dataplane.TunnelsNamed(node, func(name string) bool {
		switch name {
		case "vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali":
			return true
		case "tunl0":
			l, _ := node.Links.ByName(name)
			return len(l.Addrs) > 0 || routesVia(node, name)
		}
		return false
	})
}

func routesVia(node *nodefacts.Node, dev string) bool {
	for _, r := range node.Routes {
		if r.Dev == dev {
			return true
		}
	}
	return false
}

// Describe implements dataplane.Plugin.
func (p Plugin) Describe(node *nodefacts.Node, pod *nodefacts.PodNet, att podnet.Attachment) dataplane.Description {
	d := dataplane.Description{Gateway: dataplane.PodGatewayOf(p, node, pod, att)}
	if att.PodLink.Name != "eth0" {
		// Calico names the peer of the pod's main interface only.
		return d
	}
	d.ExpectedPeerName = HostVethName(pod.Namespace, pod.Name)
	peer := att.HostPeer
	if peer.Name != "" && peer.Name != d.ExpectedPeerName {
		d.Warnings = append(d.Warnings, fmt.Sprintf("host peer is %s, but Calico names this pod's veth %s (sha1 of %q)", peer.Name, d.ExpectedPeerName, pod.Namespace+"."+pod.Name))
	}
	if peer.Name != "" && peer.MAC != hostVethMAC {
		d.Warnings = append(d.Warnings, fmt.Sprintf("host peer %s has MAC %s, not Calico's %s", peer.Name, peer.MAC, hostVethMAC))
	}
	if d.Gateway != nil && d.Gateway.IP == gatewayIP {
		if on, known := node.Sysctls.ProxyARP(peer.Name); known && !on {
			d.Warnings = append(d.Warnings, fmt.Sprintf("proxy_arp is 0 on %s: the pod's ARP request for %s gets no answer", peer.Name, gatewayIP))
		}
		if d.Gateway.MAC != "" && d.Gateway.MAC != peer.MAC {
			d.Warnings = append(d.Warnings, fmt.Sprintf("the pod resolved %s to %s, not to the host veth's %s", gatewayIP, d.Gateway.MAC, peer.MAC))
		}
	}
	return d
}

// Warnings implements dataplane.Plugin.
func (Plugin) Warnings(*nodefacts.Node) []string { return nil }
