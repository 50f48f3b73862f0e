package nodefacts

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// kernelLink is what `ip -j link show DEV` says about a device, read directly as a person would.
type kernelLink struct {
	Index int    `json:"ifindex"`
	MAC   string `json:"address"`
	MTU   int    `json:"mtu"`
}

func readLink(t *testing.T, ns, dev string) kernelLink {
	t.Helper()
	var ls []kernelLink
	if err := json.Unmarshal([]byte(netnslab.In(t, ns, "ip", "-j", "link", "show", "dev", dev)), &ls); err != nil || len(ls) != 1 {
		t.Fatalf("ip link show %s in %s: %v", dev, ns, err)
	}
	return ls[0]
}

func labPods(lab *netnslab.Lab, node string) []*corev1.Pod {
	var pods []*corev1.Pod
	for _, p := range lab.Pods {
		if node == "" || p.Node == node {
			info := nodefactstest.PodInfo{Namespace: p.Namespace, Name: p.Name, UID: p.UID, Node: p.Node, IPs: p.IPs, ContainerIDs: p.ContainerIDs}
			pods = append(pods, info.Pod())
		}
	}
	return pods
}

func pidNames(lab *netnslab.Lab) map[int]string {
	names := map[int]string{}
	for _, p := range lab.Pods {
		for _, pid := range p.PIDs {
			names[pid] = p.Name
		}
	}
	return names
}

// gatherLab gathers every node of lab through rec and indexes the results by pod name.
func gatherLab(t *testing.T, rec *nodefactstest.Recorder, lab *netnslab.Lab) (map[string]*Node, map[string]*PodNet) {
	t.Helper()
	nodes, nets := map[string]*Node{}, map[string]*PodNet{}
	for _, node := range []string{"node1", "node2"} {
		n, lookups, err := Gather(context.Background(), rec, node, labPods(lab, node), WantAll)
		if err != nil {
			t.Fatalf("gathering %s: %v", node, err)
		}
		if len(n.Problems) > 0 {
			t.Errorf("%s: problems: %q", node, n.Problems)
		}
		nodes[node] = n
		for _, l := range lookups {
			if l.Err != nil {
				t.Fatalf("pod %s: %v", l.Pod.Name, l.Err)
			}
			if len(l.Candidates) != 1 {
				t.Errorf("pod %s: %d candidate namespaces, want exactly its own", l.Pod.Name, len(l.Candidates))
			}
			nets[l.Pod.Name] = l.Net
		}
	}
	return nodes, nets
}

func onlyAttachment(t *testing.T, pn *PodNet, node *Node, ifname string) podnet.Attachment {
	t.Helper()
	atts := podnet.Attach(pn.Links, node.Links)
	var ips []netip.Addr
	for _, l := range pn.Links {
		for _, p := range l.Prefixes() {
			if p.Addr().IsGlobalUnicast() {
				ips = append(ips, p.Addr())
			}
		}
	}
	podnet.Confirm(atts, ips, node.Routes, node.FDB)
	for _, a := range atts {
		if a.PodLink.Name == ifname {
			return a
		}
	}
	t.Fatalf("pod %s has no interface %s", pn.Name, ifname)
	return podnet.Attachment{}
}

func TestKernelCalicoVXLAN(t *testing.T) {
	lab := netnslab.CalicoVXLAN(t)
	curl, httpbin0, httpbin := lab.Pod("default", "curl"), lab.Pod("default", "httpbin-0"), lab.Pod("default", "httpbin")
	// Traffic first, so the pods' ARP caches hold their gateway as on a live node.
	if err := netnslab.TCPReachable(t, curl, httpbin, 8080); err != nil {
		t.Fatalf("cross-node TCP through vxlan.calico: %v", err)
	}
	if err := netnslab.TCPReachable(t, curl, httpbin0, 8080); err != nil {
		t.Fatalf("same-node TCP: %v", err)
	}
	rec := &nodefactstest.Recorder{Runner: lab.Runner, Names: pidNames(lab)}
	nodes, nets := gatherLab(t, rec, lab)

	for _, tc := range []struct{ pod, node, peer string }{
		{"curl", "node1", "cali35e3a5cb80b"}, {"httpbin-0", "node1", "cali198f7a34fc7"}, {"httpbin", "node2", "cali4a3c027cd7f"},
	} {
		a := onlyAttachment(t, nets[tc.pod], nodes[tc.node], "eth0")
		truth := readLink(t, lab.Nodes[tc.node], tc.peer)
		if a.HostPeer.Name != tc.peer || a.HostPeer.Index != truth.Index || !a.Verified {
			t.Errorf("%s: host peer %s@%d verified=%v, want %s@%d", tc.pod, a.HostPeer.Name, a.HostPeer.Index, a.Verified, tc.peer, truth.Index)
		}
		if !strings.Contains(a.ConfirmedBy, tc.peer) {
			t.Errorf("%s: peer not confirmed by the node's /32 route: %q", tc.pod, a.ConfirmedBy)
		}
		if a.HostPeer.MAC != "ee:ee:ee:ee:ee:ee" || a.HostPeer.MTU != 1450 || a.PodLink.MTU != 1450 {
			t.Errorf("%s: host MAC %s MTU %d, pod MTU %d", tc.pod, a.HostPeer.MAC, a.HostPeer.MTU, a.PodLink.MTU)
		}
		if on, known := nodes[tc.node].Sysctls.ProxyARP(tc.peer); !on || !known {
			t.Errorf("%s: proxy_arp on %s = %v (known %v), want 1", tc.pod, tc.peer, on, known)
		}
		if r := nets[tc.pod].RouteGet[RemoteProbe4]; r.Gateway != "169.254.1.1" || r.Dev != "eth0" {
			t.Errorf("%s: ip route get %s = %+v, want via 169.254.1.1 dev eth0", tc.pod, RemoteProbe4, r)
		}
	}
	if n, ok := nets["curl"].Neighbours.Find("169.254.1.1", "eth0"); !ok || n.LLAddr != "ee:ee:ee:ee:ee:ee" {
		t.Errorf("curl's gateway 169.254.1.1 resolved to %+v, want ee:ee:ee:ee:ee:ee by proxy-ARP", n)
	}
	if l, _ := nets["curl"].Links.ByName("eth0"); !l.HasIP(netip.MustParseAddr("fd00:10:244:1::5")) {
		t.Errorf("curl's eth0 lacks its IPv6 address: %+v", l.Addrs)
	}
	if r := nets["curl"].RouteGet[RemoteProbe6]; r.Gateway != "fe80::ecee:eeff:feee:eeee" {
		t.Errorf("curl's IPv6 route get = %+v, want via the host veth's link-local address", r)
	}

	n1 := nodes["node1"]
	r, ok := n1.Routes.Lookup(netip.MustParseAddr("10.244.2.7"))
	if !ok || r.Gateway != "10.244.2.0" || r.Dev != "vxlan.calico" || !r.OnLink() {
		t.Errorf("node1's route to 10.244.2.7 = %+v, want via 10.244.2.0 dev vxlan.calico onlink", r)
	}
	vx, _ := n1.Links.ByName("vxlan.calico")
	if vx.Kind() != "vxlan" || vx.Info.Data == nil || vx.Info.Data.ID != 4096 || vx.Info.Data.Port != 4789 || vx.Info.Data.Local != "10.201.0.11" {
		t.Errorf("vxlan.calico = %+v", vx.Info)
	}
	if e, ok := n1.FDB.Find("66:a4:f1:00:00:02", "vxlan.calico"); !ok || e.Dst != "10.201.0.12" {
		t.Errorf("node1 FDB for node2's VTEP MAC = %+v, want dst 10.201.0.12", e)
	}
	if n, ok := n1.Neighbours.Find("10.244.2.0", "vxlan.calico"); !ok || !n.Permanent() || n.LLAddr != "66:a4:f1:00:00:02" {
		t.Errorf("node1 neighbour 10.244.2.0 = %+v, want permanent 66:a4:f1:00:00:02", n)
	}
	if len(n1.Commands) == 0 || len(nets["curl"].Commands) == 0 {
		t.Error("the commands behind the facts were not kept for --explain")
	}

	// All nodes share this machine's /proc, as on the local cluster: node1's helper finds node2's pod
	// too, and the namespace holds its IP, but node1's own tables must not confirm a host peer for it.
	_, lookups, err := Gather(context.Background(), lab.Runner, "node1", labPods(lab, "node2"), WantPeer)
	if err != nil {
		t.Fatal(err)
	}
	if lookups[0].Net == nil {
		t.Fatalf("node1's helper did not see node2's pod through the shared /proc: %v", lookups[0].Err)
	}
	if a := onlyAttachment(t, lookups[0].Net, n1, "eth0"); a.ConfirmedBy != "" {
		t.Errorf("node1 confirmed %s as the peer of node2's pod: %s", a.HostPeer.Name, a.ConfirmedBy)
	}

	if *update {
		rec.Save(t, "calico-vxlan", manifestOf(lab, map[string][]string{"node1": {"10.244.1.0/24"}, "node2": {"10.244.2.0/24"}}))
	}
}

func TestKernelFlannel(t *testing.T) {
	lab := netnslab.Flannel(t)
	curl, httpbin := lab.Pod("default", "curl"), lab.Pod("default", "httpbin")
	if err := netnslab.TCPReachable(t, curl, httpbin, 8080); err != nil {
		t.Fatalf("cross-node TCP through flannel.1: %v", err)
	}
	if err := netnslab.TCPReachable(t, curl, lab.Pod("default", "httpbin-0"), 8080); err != nil {
		t.Fatalf("same-node TCP: %v", err)
	}
	rec := &nodefactstest.Recorder{Runner: lab.Runner, Names: pidNames(lab)}
	nodes, nets := gatherLab(t, rec, lab)

	n1 := nodes["node1"]
	cni0 := readLink(t, lab.Nodes["node1"], "cni0")
	a := onlyAttachment(t, nets["curl"], n1, "eth0")
	if !strings.HasPrefix(a.HostPeer.Name, "veth") || a.HostPeer.Master != "cni0" || !a.Verified {
		t.Errorf("curl's host peer = %s (master %s, verified %v), want a veth on cni0", a.HostPeer.Name, a.HostPeer.Master, a.Verified)
	}
	if truth := readLink(t, lab.Nodes["node1"], a.HostPeer.Name); truth.Index != a.HostPeer.Index {
		t.Errorf("host peer index %d, the kernel says %d", a.HostPeer.Index, truth.Index)
	}
	if !strings.Contains(a.ConfirmedBy, a.PodLink.MAC) {
		t.Errorf("peer not confirmed by the bridge's FDB: %q", a.ConfirmedBy)
	}
	if r := nets["curl"].RouteGet[RemoteProbe4]; r.Gateway != "10.244.1.1" {
		t.Errorf("curl's gateway = %+v, want cni0's 10.244.1.1", r)
	}
	if n, ok := nets["curl"].Neighbours.Find("10.244.1.1", "eth0"); !ok || n.LLAddr != cni0.MAC {
		t.Errorf("curl's gateway MAC = %+v, want cni0's %s", n, cni0.MAC)
	}
	fl, _ := n1.Links.ByName("flannel.1")
	if fl.Info == nil || fl.Info.Data == nil || fl.Info.Data.ID != 1 || fl.Info.Data.Port != 8472 {
		t.Errorf("flannel.1 = %+v", fl.Info)
	}
	if r, _ := n1.Routes.Lookup(netip.MustParseAddr("10.244.2.7")); r.Dev != "flannel.1" || r.Gateway != "10.244.2.0" || !r.OnLink() {
		t.Errorf("node1's route to node2's pods = %+v", r)
	}
	// Multus-style net1: a macvlan on the node's eth0, not a veth: no host peer may be claimed.
	m := onlyAttachment(t, nets["curl"], n1, "net1")
	if m.PodLink.Kind() != "macvlan" || m.Verified || m.ConfirmedBy != "" {
		t.Errorf("net1 = kind %s, peer %s verified %v confirmed %q; want an unverified macvlan", m.PodLink.Kind(), m.HostPeer.Name, m.Verified, m.ConfirmedBy)
	}
	if *update {
		rec.Save(t, "flannel", manifestOf(lab, map[string][]string{"node1": {"10.244.1.0/24"}, "node2": {"10.244.2.0/24"}}))
	}
}

func TestKernelCiliumShaped(t *testing.T) {
	lab := netnslab.CiliumShaped(t)
	rec := &nodefactstest.Recorder{Runner: lab.Runner, Names: pidNames(lab)}
	nodes, nets := gatherLab(t, rec, lab)
	a := onlyAttachment(t, nets["curl"], nodes["node1"], "eth0")
	truth := readLink(t, lab.Nodes["node1"], "lxc5b3f1e2a9c07")
	if a.HostPeer.Name != "lxc5b3f1e2a9c07" || a.HostPeer.Index != truth.Index || !a.Verified {
		t.Errorf("curl's host peer = %s@%d verified %v, want lxc5b3f1e2a9c07@%d", a.HostPeer.Name, a.HostPeer.Index, a.Verified, truth.Index)
	}
	vx, _ := nodes["node1"].Links.ByName("cilium_vxlan")
	if vx.Kind() != "vxlan" || vx.Info.Data.Port != 8472 {
		t.Errorf("cilium_vxlan = %+v", vx.Info)
	}
	if r := nets["curl"].RouteGet[RemoteProbe4]; r.Gateway != "10.0.1.197" {
		t.Errorf("curl's gateway = %+v, want cilium_host's 10.0.1.197", r)
	}
	if *update {
		m := manifestOf(lab, map[string][]string{"node1": {"10.0.1.0/24"}, "node2": {"10.0.2.0/24"}})
		m.Source = "kernel lab shaped like Cilium in tunnel mode (internal/netnslab.CiliumShaped), recorded by go test ./pkg/nodefacts -run Kernel -update; " +
			"Cilium's eBPF programs cannot run here, so the pod's neighbour entry for its gateway (lxc's MAC, as Cilium's ARP responder answers) was set by hand"
		rec.Save(t, "cilium", m)
	}
}
