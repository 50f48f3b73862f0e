package netnslab

import (
	"fmt"
	"strings"
	"testing"
)

// CiliumShaped builds the links and routes Cilium (tunnel mode, VXLAN) leaves in the kernel, on two
// nodes, without Cilium's eBPF programs (which cannot be loaded here):
//   - cilium_host/cilium_net, a veth pair in the node's namespace, cilium_host holding the node's router
//     address 10.0.N.197/32; cilium_vxlan, a collect-metadata VXLAN device on UDP 8472;
//   - pod blocks routed via cilium_host, the remote one with mtu 1450;
//   - each pod's eth0 paired with an lxc* host veth, both with the device MTU 1500; pod routes
//     10.0.N.197 dev eth0 scope link and default via 10.0.N.197 mtu 1450 (Cilium's route MTU carries the
//     tunnel overhead).
//
// The pod's neighbour entry for its gateway is set by hand to the lxc device's MAC, standing in for
// Cilium's eBPF ARP responder. No traffic can flow: there is no eBPF to forward it.
func CiliumShaped(t testing.TB) *Lab {
	t.Helper()
	RequireRoot(t, "sysctl")
	lab := twoNodes(t, "vt-cil")
	cg := newCgroupRoot(t, "pwt-vt-cil-"+randomID(t)[:8])
	for i, node := range []string{"node1", "node2"} {
		ns, n := lab.Nodes[node], i+1
		router := fmt.Sprintf("10.0.%d.197", n)
		In(t, ns, "ip", "link", "add", "cilium_host", "type", "veth", "peer", "name", "cilium_net")
		In(t, ns, "ip", "link", "set", "cilium_net", "up")
		In(t, ns, "ip", "link", "set", "cilium_host", "up")
		In(t, ns, "ip", "addr", "add", router+"/32", "dev", "cilium_host")
		In(t, ns, "ip", "link", "add", "cilium_vxlan", "type", "vxlan", "external", "dstport", "8472")
		In(t, ns, "ip", "link", "set", "cilium_vxlan", "up")
		In(t, ns, "ip", "route", "add", router, "dev", "cilium_host", "proto", "kernel", "scope", "link")
		for m := 1; m <= 2; m++ {
			args := []string{"ip", "route", "add", fmt.Sprintf("10.0.%d.0/24", m), "via", router, "dev", "cilium_host", "proto", "kernel", "src", router}
			if m != n {
				args = append(args, "mtu", "1450")
			}
			In(t, ns, args...)
		}
	}
	pods := []struct{ name, node, host, ip string }{
		{"curl", "node1", "lxc5b3f1e2a9c07", "10.0.1.5"},
		{"httpbin-0", "node1", "lxc0d94c8f3b1e6", "10.0.1.6"},
		{"httpbin", "node2", "lxc7e2a6d0c4f18", "10.0.2.7"},
	}
	for _, p := range pods {
		node := lab.Nodes[p.node]
		router := p.ip[:strings.LastIndexByte(p.ip, '.')] + ".197"
		pod := &Pod{Namespace: "default", Name: p.name, UID: RandomUID(t), Node: p.node, IPs: []string{p.ip}, Netns: NewNetns(t, "vt-cil-p")}
		In(t, node, "ip", "link", "add", p.host, "type", "veth", "peer", "name", "eth0", "netns", "/run/netns/"+pod.Netns)
		In(t, node, "ip", "link", "set", p.host, "up")
		mac := readMAC(t, node, p.host)
		In(t, pod.Netns, "ip", "link", "set", "lo", "up")
		In(t, pod.Netns, "ip", "link", "set", "eth0", "up")
		In(t, pod.Netns, "ip", "addr", "add", p.ip+"/32", "dev", "eth0")
		In(t, pod.Netns, "ip", "route", "add", router, "dev", "eth0", "scope", "link")
		In(t, pod.Netns, "ip", "route", "add", "default", "via", router, "dev", "eth0", "mtu", "1450")
		In(t, pod.Netns, "ip", "neigh", "add", router, "lladdr", mac, "dev", "eth0", "nud", "stale")
		startPodProcesses(t, cg, Cgroupfs, pod)
		lab.Pods = append(lab.Pods, pod)
	}
	return lab
}

// readMAC reads dev's MAC in ns. /sys/class/net would show the namespace that mounted /sys, not ns.
func readMAC(t testing.TB, ns, dev string) string {
	t.Helper()
	f := strings.Fields(In(t, ns, "ip", "-br", "link", "show", "dev", dev))
	if len(f) < 3 {
		t.Fatalf("ip -br link show %s: %q", dev, f)
	}
	return f[2]
}
