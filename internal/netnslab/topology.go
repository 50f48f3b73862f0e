package netnslab

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Lab is a small cluster's network built in namespaces: nodes joined by an underlay, pods plugged into
// them the way a dataplane does it.
type Lab struct {
	// Nodes maps a node name to its network namespace; NodeIPs to its underlay address.
	Nodes   map[string]string
	NodeIPs map[string]string
	Pods    []*Pod
	Runner  *Runner
}

// Pod returns the lab pod called namespace/name.
func (l *Lab) Pod(namespace, name string) *Pod {
	for _, p := range l.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p
		}
	}
	return nil
}

// twoNodes builds node1 and node2 joined by a veth underlay (eth0, 10.201.0.11/24 and .12/24), forwarding
// on, each with a default route out of eth0 as a node has (proxy-ARP answers only for addresses routed
// through another interface).
func twoNodes(t testing.TB, prefix string) *Lab {
	lab := &Lab{Nodes: map[string]string{}, NodeIPs: map[string]string{}}
	for i, node := range []string{"node1", "node2"} {
		ns := NewNetns(t, fmt.Sprintf("%s-n%d", prefix, i+1))
		lab.Nodes[node] = ns
		lab.NodeIPs[node] = fmt.Sprintf("10.201.0.1%d", i+1)
		In(t, ns, "ip", "link", "set", "lo", "up")
		Sysctl(t, ns, "net.ipv4.ip_forward", "1")
		Sysctl(t, ns, "net.ipv6.conf.all.forwarding", "1")
	}
	n1, n2 := lab.Nodes["node1"], lab.Nodes["node2"]
	In(t, n1, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", "/run/netns/"+n2)
	for _, node := range []string{"node1", "node2"} {
		ns := lab.Nodes[node]
		In(t, ns, "ip", "addr", "add", lab.NodeIPs[node]+"/24", "dev", "eth0")
		In(t, ns, "ip", "link", "set", "eth0", "up")
		In(t, ns, "ip", "route", "add", "default", "via", "10.201.0.1", "dev", "eth0", "onlink")
	}
	lab.Runner = &Runner{Nodes: lab.Nodes}
	return lab
}

// Sysctl sets a sysctl inside ns.
func Sysctl(t testing.TB, ns, key, value string) {
	t.Helper()
	In(t, ns, "sysctl", "-qw", key+"="+value)
}

// CalicoVXLAN builds Calico's VXLAN dataplane as felix programs it, on two nodes:
//   - pods default/curl (dual-stack) and default/httpbin-0 on node1, default/httpbin on node2;
//   - each pod's eth0 paired with a host veth cali+sha1("ns.pod")[:11], MAC ee:ee:ee:ee:ee:ee, proxy_arp=1;
//   - pod routes 169.254.1.1 dev eth0 scope link, default via 169.254.1.1; a /32 host route per pod;
//   - vxlan.calico (VNI 4096, UDP 4789) with each node's block routed via the other's tunnel address
//     onlink, with static neighbour and FDB entries, and a blackhole for the node's own block.
//
// Node1's pods use cgroupfs cgroup names, node2's systemd ones.
func CalicoVXLAN(t testing.TB) *Lab {
	t.Helper()
	RequireRoot(t, "sysctl", "bridge")
	lab := twoNodes(t, "vt-cal")
	cg := newCgroupRoot(t, "pwt-vt-cal-"+randomID(t)[:8])
	type tunnel struct{ block, addr, mac string }
	tunnels := map[string]tunnel{
		"node1": {"10.244.1.0/26", "10.244.1.0", "66:a4:f1:00:00:01"},
		"node2": {"10.244.2.0/26", "10.244.2.0", "66:a4:f1:00:00:02"},
	}
	for node, tun := range tunnels {
		ns := lab.Nodes[node]
		In(t, ns, "ip", "link", "add", "vxlan.calico", "address", tun.mac, "type", "vxlan", "id", "4096",
			"dstport", "4789", "local", lab.NodeIPs[node], "dev", "eth0", "nolearning")
		In(t, ns, "ip", "link", "set", "vxlan.calico", "mtu", "1450", "up")
		In(t, ns, "ip", "addr", "add", tun.addr+"/32", "dev", "vxlan.calico")
		In(t, ns, "ip", "route", "add", "blackhole", tun.block, "proto", "80")
		for other, otun := range tunnels {
			if other == node {
				continue
			}
			In(t, ns, "ip", "neigh", "add", otun.addr, "lladdr", otun.mac, "dev", "vxlan.calico", "nud", "permanent")
			In(t, ns, "bridge", "fdb", "add", otun.mac, "dev", "vxlan.calico", "dst", lab.NodeIPs[other], "self", "permanent")
			In(t, ns, "ip", "route", "add", otun.block, "via", otun.addr, "dev", "vxlan.calico", "onlink", "proto", "80")
		}
	}
	pods := []struct {
		name, node, host string
		driver           CgroupDriver
		ips              []string
	}{
		// The host names are sha1("default.<pod>")[:11] worked out by hand (python3 hashlib), so the
		// lab does not share code with the plugin that checks them.
		{"curl", "node1", "cali35e3a5cb80b", Cgroupfs, []string{"10.244.1.5", "fd00:10:244:1::5"}},
		{"httpbin-0", "node1", "cali198f7a34fc7", Cgroupfs, []string{"10.244.1.6"}},
		{"httpbin", "node2", "cali4a3c027cd7f", Systemd, []string{"10.244.2.7"}},
	}
	for _, p := range pods {
		node := lab.Nodes[p.node]
		pod := &Pod{Namespace: "default", Name: p.name, UID: RandomUID(t), Node: p.node, IPs: p.ips,
			Netns: NewNetns(t, "vt-cal-p")}
		In(t, node, "ip", "link", "add", p.host, "mtu", "1450", "type", "veth", "peer", "name", "eth0", "mtu", "1450", "netns", "/run/netns/"+pod.Netns)
		In(t, node, "ip", "link", "set", p.host, "address", "ee:ee:ee:ee:ee:ee", "up")
		Sysctl(t, node, "net.ipv4.conf."+p.host+".proxy_arp", "1")
		Sysctl(t, node, "net.ipv4.neigh."+p.host+".proxy_delay", "0")
		In(t, pod.Netns, "ip", "link", "set", "lo", "up")
		In(t, pod.Netns, "ip", "link", "set", "eth0", "up")
		for _, ip := range p.ips {
			if strings.Contains(ip, ":") {
				In(t, pod.Netns, "ip", "-6", "addr", "add", ip+"/128", "dev", "eth0", "nodad")
				In(t, pod.Netns, "ip", "-6", "route", "add", "default", "via", "fe80::ecee:eeff:feee:eeee", "dev", "eth0")
				In(t, node, "ip", "-6", "route", "add", ip, "dev", p.host)
				continue
			}
			In(t, pod.Netns, "ip", "addr", "add", ip+"/32", "dev", "eth0")
			In(t, node, "ip", "route", "add", ip, "dev", p.host, "scope", "link")
		}
		In(t, pod.Netns, "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
		In(t, pod.Netns, "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0")
		startPodProcesses(t, cg, p.driver, pod)
		lab.Pods = append(lab.Pods, pod)
	}
	return lab
}

// Flannel builds flannel's VXLAN dataplane with the bridge CNI plugin, on two nodes:
//   - cni0 bridge (10.244.N.1/24) with a vethXXXXXXXX host peer per pod; pods get 10.244.N.x/24 with
//     default via 10.244.N.1;
//   - flannel.1 (VNI 1, UDP 8472, 10.244.N.0/32) with the other node's /24 via its flannel.1 address
//     onlink, static neighbour and FDB entries;
//   - default/curl on node1 also has a Multus-style second interface net1, a macvlan on the node's eth0.
func Flannel(t testing.TB) *Lab {
	t.Helper()
	RequireRoot(t, "sysctl", "bridge")
	lab := twoNodes(t, "vt-fl")
	cg := newCgroupRoot(t, "pwt-vt-fl-"+randomID(t)[:8])
	macs := map[string]string{"node1": "3a:1f:7c:00:00:01", "node2": "3a:1f:7c:00:00:02"}
	for i, node := range []string{"node1", "node2"} {
		ns := lab.Nodes[node]
		n := i + 1
		In(t, ns, "ip", "link", "add", "flannel.1", "address", macs[node], "type", "vxlan", "id", "1",
			"dstport", "8472", "local", lab.NodeIPs[node], "dev", "eth0", "nolearning")
		In(t, ns, "ip", "link", "set", "flannel.1", "mtu", "1450", "up")
		In(t, ns, "ip", "addr", "add", fmt.Sprintf("10.244.%d.0/32", n), "dev", "flannel.1")
		In(t, ns, "ip", "link", "add", "cni0", "type", "bridge")
		In(t, ns, "ip", "link", "set", "cni0", "mtu", "1450", "up")
		In(t, ns, "ip", "addr", "add", fmt.Sprintf("10.244.%d.1/24", n), "dev", "cni0")
		other, on := "node2", 2
		if node == "node2" {
			other, on = "node1", 1
		}
		remote := fmt.Sprintf("10.244.%d.0", on)
		In(t, ns, "ip", "neigh", "add", remote, "lladdr", macs[other], "dev", "flannel.1", "nud", "permanent")
		In(t, ns, "bridge", "fdb", "add", macs[other], "dev", "flannel.1", "dst", lab.NodeIPs[other], "self", "permanent")
		In(t, ns, "ip", "route", "add", remote+"/24", "via", remote, "dev", "flannel.1", "onlink")
	}
	pods := []struct {
		name, node, ip string
	}{
		{"curl", "node1", "10.244.1.5"},
		{"httpbin-0", "node1", "10.244.1.6"},
		{"httpbin", "node2", "10.244.2.7"},
	}
	for _, p := range pods {
		node := lab.Nodes[p.node]
		gw := p.ip[:strings.LastIndexByte(p.ip, '.')] + ".1"
		host := "veth" + randomID(t)[:8]
		pod := &Pod{Namespace: "default", Name: p.name, UID: RandomUID(t), Node: p.node, IPs: []string{p.ip},
			Netns: NewNetns(t, "vt-fl-p")}
		In(t, node, "ip", "link", "add", host, "mtu", "1450", "type", "veth", "peer", "name", "eth0", "mtu", "1450", "netns", "/run/netns/"+pod.Netns)
		In(t, node, "ip", "link", "set", host, "master", "cni0", "up")
		In(t, pod.Netns, "ip", "link", "set", "lo", "up")
		In(t, pod.Netns, "ip", "link", "set", "eth0", "up")
		In(t, pod.Netns, "ip", "addr", "add", p.ip+"/24", "dev", "eth0")
		In(t, pod.Netns, "ip", "route", "add", "default", "via", gw, "dev", "eth0")
		if p.name == "curl" {
			In(t, node, "ip", "link", "add", "net1", "link", "eth0", "type", "macvlan", "mode", "bridge")
			In(t, node, "ip", "link", "set", "net1", "netns", "/run/netns/"+pod.Netns)
			In(t, pod.Netns, "ip", "addr", "add", "192.168.100.5/24", "dev", "net1")
			In(t, pod.Netns, "ip", "link", "set", "net1", "up")
		}
		startPodProcesses(t, cg, Cgroupfs, pod)
		lab.Pods = append(lab.Pods, pod)
	}
	return lab
}

// TCPReachable reports whether a TCP connection from pod from reaches port on pod to's first IP, with a
// listener started in to's namespace for the test (socat).
func TCPReachable(t testing.TB, from, to *Pod, port int) error {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("needs socat to test connectivity")
	}
	listen := exec.Command("nsenter", "--net=/run/netns/"+to.Netns, "--", "socat", fmt.Sprintf("TCP-LISTEN:%d,reuseaddr", port), "SYSTEM:echo reached")
	if err := listen.Start(); err != nil {
		return err
	}
	defer func() { _ = listen.Process.Kill(); _, _ = listen.Process.Wait() }()
	var out []byte
	var err error
	for i := 0; i < 20; i++ {
		out, err = exec.Command("nsenter", "--net=/run/netns/"+from.Netns, "--", "socat", "-T2", "-",
			fmt.Sprintf("TCP:%s:%d,connect-timeout=2", to.IPs[0], port)).CombinedOutput()
		if err == nil && strings.Contains(string(out), "reached") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("connecting %s → %s:%d: %v: %s", from.Name, to.IPs[0], port, err, out)
}
