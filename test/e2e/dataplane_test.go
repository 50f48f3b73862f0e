//go:build e2e

package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// podNetns runs argv in the pod's network namespace from the host and returns stdout.
func podNetns(t *testing.T, pod *corev1.Pod, container string, argv ...string) string {
	t.Helper()
	pid, err := framework.ContainerPID(pod, container)
	if err != nil {
		t.Fatal(err)
	}
	out, err := framework.RunHost(context.Background(), framework.PIDNetnsCommand(pid, argv...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func link(t *testing.T, c *framework.Cluster, node, name string) framework.Link {
	t.Helper()
	links, err := framework.ParseLinks(c.NodeNetnsRun(t, node, "ip", "-j", "-d", "link", "show", "dev", name))
	if err != nil || len(links) != 1 {
		t.Fatalf("%s: link %s: %v %v", node, name, links, err)
	}
	return links[0]
}

func routes(t *testing.T, out string) []framework.Route {
	t.Helper()
	r, err := framework.ParseRoutes(out)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hasRoute(rs []framework.Route, want framework.Route) bool {
	return slices.ContainsFunc(rs, func(r framework.Route) bool {
		return r.Dst == want.Dst && r.Gateway == want.Gateway && r.Dev == want.Dev &&
			(want.Scope == "" || r.Scope == want.Scope) && (want.Protocol == "" || r.Protocol == want.Protocol) &&
			(want.Type == "" || r.Type == want.Type) &&
			(len(want.Flags) == 0 || slices.Equal(r.Flags, want.Flags))
	})
}

// podPeerIndex is the ifindex, in the node's namespace, of the peer of the pod's eth0.
func podPeerIndex(t *testing.T, pod *corev1.Pod, container string) int {
	t.Helper()
	links, err := framework.ParseLinks(podNetns(t, pod, container, "ip", "-j", "link", "show", "dev", "eth0"))
	if err != nil || len(links) != 1 || links[0].LinkIndex == 0 {
		t.Fatalf("pod %s eth0: %v %v", pod.Name, links, err)
	}
	if links[0].MTU != 1450 {
		t.Errorf("pod %s eth0 MTU %d, want 1450 (VXLAN overhead)", pod.Name, links[0].MTU)
	}
	return links[0].LinkIndex
}

// blockAddr is the address with last byte host in a node's /24 pod block.
func blockAddr(cidr string, host byte) string {
	a := netip.MustParsePrefix(cidr).Addr().As4()
	a[3] = host
	return netip.AddrFrom4(a).String()
}

func TestFlannelDataplane(t *testing.T) {
	c := framework.Load(t)
	if c.Dataplane != framework.Flannel {
		t.Skipf("the cluster runs %s", c.Dataplane)
	}
	for i, n := range c.Nodes {
		vx := link(t, c, n.Name, "flannel.1")
		if vx.LinkInfo.InfoKind != "vxlan" || vx.LinkInfo.InfoData.ID != 1 || vx.LinkInfo.InfoData.Port != 8472 ||
			vx.LinkInfo.InfoData.Local != n.IP || vx.MTU != 1450 {
			t.Errorf("%s flannel.1: kind %s VNI %d port %d local %s MTU %d, want vxlan 1 8472 %s 1450", n.Name,
				vx.LinkInfo.InfoKind, vx.LinkInfo.InfoData.ID, vx.LinkInfo.InfoData.Port, vx.LinkInfo.InfoData.Local, vx.MTU, n.IP)
		}
		if br := link(t, c, n.Name, "cni0"); br.LinkInfo.InfoKind != "bridge" {
			t.Errorf("%s cni0 is a %q, want a bridge", n.Name, br.LinkInfo.InfoKind)
		}
		rs := routes(t, c.NodeNetnsRun(t, n.Name, "ip", "-j", "route", "show"))
		for j, other := range c.Nodes {
			if i == j {
				continue
			}
			base := blockAddr(other.PodCIDR, 0)
			want := framework.Route{Dst: other.PodCIDR, Gateway: base, Dev: "flannel.1", Flags: []string{"onlink"}}
			if !hasRoute(rs, want) {
				t.Errorf("%s has no route %s via %s dev flannel.1 onlink: %+v", n.Name, other.PodCIDR, base, rs)
			}
		}
	}

	for _, name := range []string{"curl", "httpbin", "httpbin-local"} {
		pod := c.Pod(t, "default", name)
		container := pod.Spec.Containers[0].Name
		peer := podPeerIndex(t, pod, container)
		links, err := framework.ParseLinks(c.NodeNetnsRun(t, pod.Spec.NodeName, "ip", "-j", "link", "show"))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(links, func(l framework.Link) bool { return l.IfIndex == peer })
		if i < 0 || !strings.HasPrefix(links[i].IfName, "veth") || links[i].Master != "cni0" {
			t.Errorf("pod %s: host peer index %d is %+v, want a veth* in cni0", name, peer, links)
		}
		gw := blockAddr(c.Node(t, pod.Spec.NodeName).PodCIDR, 1)
		if rs := routes(t, podNetns(t, pod, container, "ip", "-j", "route", "show")); !hasRoute(rs, framework.Route{Dst: "default", Gateway: gw, Dev: "eth0"}) {
			t.Errorf("pod %s routes %+v, want default via %s (cni0)", name, rs, gw)
		}
	}
}

// calicoHostVeth is Calico's name for a pod's host veth, computed independently of hack/calico-cni.
func calicoHostVeth(namespace, pod string) string {
	sum := sha1.Sum([]byte(namespace + "." + pod))
	return "cali" + hex.EncodeToString(sum[:])[:11]
}

func TestCalicoDataplane(t *testing.T) {
	c := framework.Load(t)
	if c.Dataplane != framework.Calico {
		t.Skipf("the cluster runs %s", c.Dataplane)
	}
	macs := map[string]string{}
	for _, n := range c.Nodes {
		vx := link(t, c, n.Name, "vxlan.calico")
		if vx.LinkInfo.InfoKind != "vxlan" || vx.LinkInfo.InfoData.ID != 4096 || vx.LinkInfo.InfoData.Port != 4789 ||
			vx.LinkInfo.InfoData.Local != n.IP || vx.MTU != 1450 {
			t.Errorf("%s vxlan.calico: kind %s VNI %d port %d local %s MTU %d, want vxlan 4096 4789 %s 1450", n.Name,
				vx.LinkInfo.InfoKind, vx.LinkInfo.InfoData.ID, vx.LinkInfo.InfoData.Port, vx.LinkInfo.InfoData.Local, vx.MTU, n.IP)
		}
		macs[n.Name] = vx.Address
		addrs, err := framework.ParseAddrs(c.NodeNetnsRun(t, n.Name, "ip", "-j", "-4", "addr", "show", "dev", "vxlan.calico"))
		if err != nil || len(addrs) != 1 || len(addrs[0].AddrInfo) != 1 ||
			addrs[0].AddrInfo[0].Local != blockAddr(n.PodCIDR, 0) || addrs[0].AddrInfo[0].PrefixLen != 32 {
			t.Errorf("%s vxlan.calico addresses %+v, want %s/32 (the first of the node's block)", n.Name, addrs, blockAddr(n.PodCIDR, 0))
		}
	}
	for i, n := range c.Nodes {
		rs := routes(t, c.NodeNetnsRun(t, n.Name, "ip", "-j", "route", "show"))
		if !hasRoute(rs, framework.Route{Type: "blackhole", Dst: n.PodCIDR, Protocol: "80"}) {
			t.Errorf("%s has no blackhole route for its own block %s: %+v", n.Name, n.PodCIDR, rs)
		}
		neigh := c.NodeNetnsRun(t, n.Name, "ip", "neigh", "show", "dev", "vxlan.calico")
		fdb := c.NodeNetnsRun(t, n.Name, "bridge", "fdb", "show", "dev", "vxlan.calico")
		for j, other := range c.Nodes {
			if i == j {
				continue
			}
			tunnel := blockAddr(other.PodCIDR, 0)
			want := framework.Route{Dst: other.PodCIDR, Gateway: tunnel, Dev: "vxlan.calico", Flags: []string{"onlink"}, Protocol: "80"}
			if !hasRoute(rs, want) {
				t.Errorf("%s has no route %s via %s dev vxlan.calico onlink proto 80: %+v", n.Name, other.PodCIDR, tunnel, rs)
			}
			if want := fmt.Sprintf("%s lladdr %s PERMANENT", tunnel, macs[other.Name]); !strings.Contains(neigh, want) {
				t.Errorf("%s vxlan.calico neighbours %q lack %q", n.Name, neigh, want)
			}
			if want := fmt.Sprintf("%s dst %s self permanent", macs[other.Name], other.IP); !strings.Contains(fdb, want) {
				t.Errorf("%s vxlan.calico FDB %q lacks %q", n.Name, fdb, want)
			}
		}
	}

	// make sure pod curl has talked through its gateway, so its ARP entry for 169.254.1.1 exists
	getFromCurl(t, c, fmt.Sprintf("http://%s/get", serviceIP(t, c, "httpbin")))

	for _, name := range []string{"curl", "httpbin", "httpbin-local"} {
		pod := c.Pod(t, "default", name)
		container := pod.Spec.Containers[0].Name
		node := pod.Spec.NodeName
		host := calicoHostVeth("default", name)
		l := link(t, c, node, host)
		if l.Address != "ee:ee:ee:ee:ee:ee" || l.MTU != 1450 || l.LinkInfo.InfoKind != "veth" {
			t.Errorf("pod %s host veth %s: %s MAC %s MTU %d, want veth ee:ee:ee:ee:ee:ee 1450", name, host, l.LinkInfo.InfoKind, l.Address, l.MTU)
		}
		if peer := podPeerIndex(t, pod, container); peer != l.IfIndex {
			t.Errorf("pod %s eth0 peers with index %d, %s has %d", name, peer, host, l.IfIndex)
		}
		for _, sysctl := range []string{"ipv4/conf/" + host + "/proxy_arp", "ipv4/conf/" + host + "/forwarding"} {
			if got := strings.TrimSpace(c.NodeNetnsRun(t, node, "cat", "/proc/sys/net/"+sysctl)); got != "1" {
				t.Errorf("%s %s = %s, want 1", node, sysctl, got)
			}
		}
		nodeRoutes := routes(t, c.NodeNetnsRun(t, node, "ip", "-j", "route", "show"))
		if !hasRoute(nodeRoutes, framework.Route{Dst: pod.Status.PodIP, Dev: host, Scope: "link"}) {
			t.Errorf("%s has no route %s dev %s scope link", node, pod.Status.PodIP, host)
		}
		podRoutes := routes(t, podNetns(t, pod, container, "ip", "-j", "route", "show"))
		for _, want := range []framework.Route{{Dst: "169.254.1.1", Dev: "eth0", Scope: "link"}, {Dst: "default", Gateway: "169.254.1.1", Dev: "eth0"}} {
			if !hasRoute(podRoutes, want) {
				t.Errorf("pod %s routes %+v lack %+v", name, podRoutes, want)
			}
		}
		addrs, err := framework.ParseAddrs(podNetns(t, pod, container, "ip", "-j", "-4", "addr", "show", "dev", "eth0"))
		if err != nil || len(addrs) != 1 || addrs[0].AddrInfo[0].Local != pod.Status.PodIP || addrs[0].AddrInfo[0].PrefixLen != 32 {
			t.Errorf("pod %s eth0 addresses %+v, want %s/32", name, addrs, pod.Status.PodIP)
		}
	}

	curl := c.Pod(t, "default", "curl")
	if neigh := podNetns(t, curl, "client", "ip", "neigh", "show", "169.254.1.1"); !strings.Contains(neigh, "lladdr ee:ee:ee:ee:ee:ee") {
		t.Errorf("pod curl resolved 169.254.1.1 to %q, want ee:ee:ee:ee:ee:ee (proxy ARP by its host veth)", neigh)
	}
}

// ciliumHostIP is the address of cilium_host on a node: Cilium's router IP, the pods' gateway.
func ciliumHostIP(t *testing.T, c *framework.Cluster, node string) string {
	t.Helper()
	addrs, err := framework.ParseAddrs(c.NodeNetnsRun(t, node, "ip", "-j", "-4", "addr", "show", "dev", "cilium_host"))
	if err != nil || len(addrs) != 1 || len(addrs[0].AddrInfo) != 1 || addrs[0].AddrInfo[0].PrefixLen != 32 {
		t.Fatalf("%s cilium_host addresses %+v (%v), want one /32", node, addrs, err)
	}
	return addrs[0].AddrInfo[0].Local
}

// TestCiliumDataplane checks the layout real Cilium gives the local cluster's nodes, as a person would read
// it with ip: a collect-metadata VXLAN device cilium_vxlan on UDP 8472, the cilium_host/cilium_net pair with
// the router IP from the node's pod CIDR, routes to other nodes' pods via cilium_host with the tunnel's
// MTU, lxc* host peers, and the pods' gateway answered by Cilium's eBPF program with the lxc device's MAC
// (no proxy-ARP).
func TestCiliumDataplane(t *testing.T) {
	c := framework.Load(t)
	if c.Dataplane != framework.Cilium {
		t.Skipf("the cluster runs %s", c.Dataplane)
	}
	router := map[string]string{}
	for _, n := range c.Nodes {
		vx := link(t, c, n.Name, "cilium_vxlan")
		if d := vx.LinkInfo.InfoData; vx.LinkInfo.InfoKind != "vxlan" || !d.External || d.Port != 8472 {
			t.Errorf("%s cilium_vxlan: kind %s external %v port %d, want a collect-metadata vxlan on 8472", n.Name, vx.LinkInfo.InfoKind, d.External, d.Port)
		}
		for _, pair := range [][2]string{{"cilium_host", "cilium_net"}, {"cilium_net", "cilium_host"}} {
			if l := link(t, c, n.Name, pair[0]); l.LinkInfo.InfoKind != "veth" || l.Link != pair[1] {
				t.Errorf("%s %s: %s peering with %q, want a veth peering with %s", n.Name, pair[0], l.LinkInfo.InfoKind, l.Link, pair[1])
			}
		}
		router[n.Name] = ciliumHostIP(t, c, n.Name)
		if !netip.MustParsePrefix(n.PodCIDR).Contains(netip.MustParseAddr(router[n.Name])) {
			t.Errorf("%s cilium_host %s is outside the node's pod CIDR %s", n.Name, router[n.Name], n.PodCIDR)
		}
	}
	for i, n := range c.Nodes {
		rs := routes(t, c.NodeNetnsRun(t, n.Name, "ip", "-j", "route", "show"))
		for j, other := range c.Nodes {
			if i == j {
				continue
			}
			k := slices.IndexFunc(rs, func(r framework.Route) bool { return r.Dst == other.PodCIDR })
			if k < 0 || rs[k].Gateway != router[n.Name] || rs[k].Dev != "cilium_host" || len(rs[k].Metrics) != 1 || rs[k].Metrics[0].MTU != 1450 {
				t.Errorf("%s: route to %s %+v, want via %s dev cilium_host mtu 1450", n.Name, other.PodCIDR, rs, router[n.Name])
			}
		}
	}

	// make sure pod curl has talked through its gateway, so its ARP entry exists
	getFromCurl(t, c, fmt.Sprintf("http://%s/get", serviceIP(t, c, "httpbin")))

	for _, name := range []string{"curl", "httpbin", "httpbin-local"} {
		pod := c.Pod(t, "default", name)
		container := pod.Spec.Containers[0].Name
		node := pod.Spec.NodeName
		eth0, err := framework.ParseLinks(podNetns(t, pod, container, "ip", "-j", "link", "show", "dev", "eth0"))
		if err != nil || len(eth0) != 1 {
			t.Fatalf("pod %s eth0: %v %v", name, eth0, err)
		}
		links, err := framework.ParseLinks(c.NodeNetnsRun(t, node, "ip", "-j", "-d", "link", "show"))
		if err != nil {
			t.Fatal(err)
		}
		k := slices.IndexFunc(links, func(l framework.Link) bool { return l.IfIndex == eth0[0].LinkIndex })
		if k < 0 || !strings.HasPrefix(links[k].IfName, "lxc") || links[k].LinkInfo.InfoKind != "veth" || links[k].LinkIndex != eth0[0].IfIndex {
			t.Fatalf("pod %s: host peer index %d is not an lxc* veth peering with eth0 (%d) on %s", name, eth0[0].LinkIndex, eth0[0].IfIndex, node)
		}
		host := links[k]
		if got := strings.TrimSpace(c.NodeNetnsRun(t, node, "cat", "/proc/sys/net/ipv4/conf/"+host.IfName+"/proxy_arp")); got != "0" {
			t.Errorf("%s %s proxy_arp = %s, want 0 (Cilium answers ARP in eBPF)", node, host.IfName, got)
		}
		gw := router[node]
		podRoutes := routes(t, podNetns(t, pod, container, "ip", "-j", "route", "show"))
		for _, want := range []framework.Route{{Dst: gw, Dev: "eth0", Scope: "link"}, {Dst: "default", Gateway: gw, Dev: "eth0"}} {
			if !hasRoute(podRoutes, want) {
				t.Errorf("pod %s routes %+v lack %+v", name, podRoutes, want)
			}
		}
		if name == "curl" {
			if neigh := podNetns(t, pod, container, "ip", "neigh", "show", gw); !strings.Contains(neigh, "lladdr "+host.Address) {
				t.Errorf("pod curl resolved its gateway %s to %q, want %s's MAC %s", gw, neigh, host.IfName, host.Address)
			}
		}
	}
}
