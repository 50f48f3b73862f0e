//go:build e2e

package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/inspect"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

var recordVeth = flag.Bool("record-veth", false, "record what the nodes answered into pkg/nodefacts/testdata/cluster-<dataplane>")

// packetwalkRunner is packetwalk's own node runner on the local cluster: its helper pods with profile, its exec.
func packetwalkRunner(t *testing.T, c *framework.Cluster, profile helperpod.Profile) noderun.Runner {
	t.Helper()
	pool := helperpod.NewPool(c.Client, helperpod.Spec{
		Namespace: "default",
		Image:     c.Image,
		RunID:     helperpod.NewRunID(),
		Deadline:  5 * time.Minute,
		Profile:   profile,
	}, time.Minute, io.Discard)
	t.Cleanup(func() {
		if err := pool.Close(); err != nil {
			t.Errorf("deleting helper pods: %v", err)
		}
	})
	return &noderun.Exec{Config: c.Config, Client: c.Client, Pods: pool, Container: helperpod.ContainerName}
}

// ipLink is what `ip -j link show` says about a link, read on the host as a person with a node shell would.
type ipLink struct {
	Index     int    `json:"ifindex"`
	PeerIndex int    `json:"link_index"`
	Name      string `json:"ifname"`
	MAC       string `json:"address"`
	MTU       int    `json:"mtu"`
	Master    string `json:"master"`
}

func links(t *testing.T, out string) map[int]ipLink {
	t.Helper()
	var ls []ipLink
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("parsing ip -j link: %v", err)
	}
	m := map[int]ipLink{}
	for _, l := range ls {
		m[l.Index] = l
	}
	return m
}

// TestVethAndNode runs the veth rows and the node view on the scenario's pods, checked against the
// namespaces themselves; with -record-veth it saves what the nodes answered as a unit-test scenario.
func TestVethAndNode(t *testing.T) {
	c := framework.Load(t)
	names := []string{"curl", "httpbin-local", "httpbin"}
	var pods []*corev1.Pod
	for _, n := range names {
		pods = append(pods, c.Pod(t, "default", n))
	}
	r := packetwalkRunner(t, c, helperpod.ProfileNode) // the node view too
	var rec *nodefactstest.Recorder
	if *recordVeth {
		rec = &nodefactstest.Recorder{Runner: r, Names: map[int]string{}}
		r = rec
	}
	t.Run("veth matches the nodes", func(t *testing.T) { vethMatchesTheNodes(t, c, r, pods) })
	t.Run("node view", func(t *testing.T) { nodeView(t, c, r) })
	t.Run("helper pods already running", func(t *testing.T) {
		start := time.Now()
		if _, _, err := inspect.Veths(context.Background(), c.Client, r, pods); err != nil {
			t.Fatal(err)
		}
		t.Logf("veth for %d pods on 2 nodes with the helper pods running took %s (2 execs per node)", len(pods), time.Since(start).Round(time.Millisecond))
	})
	t.Run("plugin binary", func(t *testing.T) { vethThroughThePlugin(t, c) })
	if rec != nil {
		m := nodefactstest.Manifest{Source: "local cluster (hack/cluster, " + c.Dataplane + "), recorded by go test -tags e2e ./test/e2e -run TestVethAndNode -record-veth"}
		for _, n := range c.Nodes {
			m.Nodes = append(m.Nodes, nodefactstest.NodeInfo{Name: n.Name, InternalIP: n.IP, PodCIDRs: []string{n.PodCIDR}})
		}
		for _, p := range pods {
			info := nodefactstest.PodInfo{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID), Node: p.Spec.NodeName}
			for _, ip := range p.Status.PodIPs {
				info.IPs = append(info.IPs, ip.IP)
			}
			for _, cs := range p.Status.ContainerStatuses {
				info.ContainerIDs = append(info.ContainerIDs, cs.ContainerID)
			}
			m.Pods = append(m.Pods, info)
		}
		rec.Save(t, recordingName(c), m)
	}
}

// vethMatchesTheNodes checks every veth row against what the node's and the pod's namespaces really
// hold, read independently from the host, for pods on both nodes, including the shell-less client pod.
func vethMatchesTheNodes(t *testing.T, c *framework.Cluster, r noderun.Runner, pods []*corev1.Pod) {
	start := time.Now()
	list, ex, err := inspect.Veths(context.Background(), c.Client, r, pods)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("veth for %d pods on %d nodes took %s (helper pods included)", len(pods), 2, time.Since(start).Round(time.Millisecond))
	var explained strings.Builder
	if err := ex.Print(&explained); err != nil {
		t.Fatal(err)
	}

	for _, pod := range pods {
		var row *api.Veth
		for i := range list.Items {
			if list.Items[i].Pod.Name == pod.Name && list.Items[i].Interface != nil && list.Items[i].Interface.Name == "eth0" {
				row = &list.Items[i]
			}
		}
		if row == nil {
			t.Errorf("%s: no eth0 row in %+v", pod.Name, list.Items)
			continue
		}
		if row.Status != api.VethOK || row.HostPeer == nil {
			t.Errorf("%s: status %s %q", pod.Name, row.Status, row.Message)
			continue
		}
		pid, err := framework.ContainerPID(pod, pod.Spec.Containers[0].Name)
		if err != nil {
			t.Fatal(err)
		}
		podOut, err := framework.RunHost(context.Background(), framework.PIDNetnsCommand(pid, "ip", "-j", "link", "show", "eth0")...)
		if err != nil {
			t.Fatal(err)
		}
		var eth0 ipLink
		for _, l := range links(t, podOut) {
			eth0 = l
		}
		host, ok := links(t, c.NodeNetnsRun(t, pod.Spec.NodeName, "ip", "-j", "link", "show"))[eth0.PeerIndex]
		if !ok {
			t.Fatalf("%s: node %s has no ifindex %d", pod.Name, pod.Spec.NodeName, eth0.PeerIndex)
		}
		got := fmt.Sprintf("%s@if%d %s mtu %d ↔ %s@if%d %s mtu %d", row.Interface.Name, row.Interface.PeerIndex, row.Interface.MAC, row.Interface.MTU,
			row.HostPeer.Name, row.HostPeer.PeerIndex, row.HostPeer.MAC, row.HostPeer.MTU)
		want := fmt.Sprintf("eth0@if%d %s mtu %d ↔ %s@if%d %s mtu %d", eth0.PeerIndex, eth0.MAC, eth0.MTU, host.Name, host.PeerIndex, host.MAC, host.MTU)
		if got != want {
			t.Errorf("%s:\n got  %s\n want %s (read from the namespaces)", pod.Name, got, want)
		}
		if host.PeerIndex != eth0.Index || row.HostPeer.Index != host.Index {
			t.Errorf("%s: host peer index %d, the node's %s is %d and points to %d", pod.Name, row.HostPeer.Index, host.Name, host.Index, host.PeerIndex)
		}
		proxyARP := strings.TrimSpace(c.NodeNetnsRun(t, pod.Spec.NodeName, "cat", "/proc/sys/net/ipv4/conf/"+host.Name+"/proxy_arp"))
		if row.HostPeer.ProxyARP == nil || (*row.HostPeer.ProxyARP) != (proxyARP == "1") {
			t.Errorf("%s: proxy-ARP %v, the node says %s", pod.Name, row.HostPeer.ProxyARP, proxyARP)
		}
		if row.Dataplane != c.Dataplane {
			t.Errorf("%s: dataplane %s on a %s cluster", pod.Name, row.Dataplane, c.Dataplane)
		}
		switch c.Dataplane {
		case framework.Calico:
			sum := sha1.Sum([]byte(pod.Namespace + "." + pod.Name))
			if name := "cali" + hex.EncodeToString(sum[:])[:11]; host.Name != name || host.MAC != "ee:ee:ee:ee:ee:ee" || proxyARP != "1" {
				t.Errorf("%s: host side %s %s proxy_arp %s, want %s ee:ee:ee:ee:ee:ee 1", pod.Name, host.Name, host.MAC, proxyARP, name)
			}
			if g := row.Gateway; g == nil || g.IP != "169.254.1.1" || g.Resolution != api.GatewayProxyARP {
				t.Errorf("%s: gateway %+v, want 169.254.1.1 by proxy-ARP", pod.Name, g)
			}
		case framework.Cilium:
			// the gateway is cilium_host's address, answered for by Cilium's eBPF program with the lxc MAC
			router := ciliumHostIP(t, c, pod.Spec.NodeName)
			if !strings.HasPrefix(host.Name, "lxc") || proxyARP != "0" {
				t.Errorf("%s: host side %s proxy_arp %s, want lxc* 0", pod.Name, host.Name, proxyARP)
			}
			if g := row.Gateway; g == nil || g.IP != router || g.Resolution != api.GatewayHostInterface || g.ExpectedMAC != host.MAC {
				t.Errorf("%s: gateway %+v, want cilium_host's %s answered with %s's MAC %s", pod.Name, g, router, host.Name, host.MAC)
			}
		case framework.Flannel:
			if host.Master != "cni0" || !strings.HasPrefix(host.Name, "veth") {
				t.Errorf("%s: host side %s on %q, want a veth on cni0", pod.Name, host.Name, host.Master)
			}
			if g := row.Gateway; g == nil || g.Resolution != api.GatewayBridge {
				t.Errorf("%s: gateway %+v, want cni0's address", pod.Name, g)
			}
		}
		if !strings.Contains(explained.String(), row.HostPeer.Name) {
			t.Errorf("--explain never names %s", row.HostPeer.Name)
		}
	}
	if t.Failed() {
		t.Logf("explanation:\n%s", explained.String())
	}
}

// nodeView checks the node view of node 1 against the cluster's known dataplane.
func nodeView(t *testing.T, c *framework.Cluster, r noderun.Runner) {
	node := c.Nodes[0].Name
	nn, _, err := inspect.NodeNetwork(context.Background(), c.Client, r, node)
	if err != nil {
		t.Fatal(err)
	}
	if nn.Dataplane != c.Dataplane {
		t.Errorf("dataplane %s (%q), want %s", nn.Dataplane, nn.DataplaneEvidence, c.Dataplane)
	}
	// cilium_vxlan has no VNI of its own (collect-metadata: each packet carries its source's identity): 0
	want := map[string]string{framework.Calico: "VXLAN vxlan.calico VNI 4096 port 4789", framework.Flannel: "VXLAN flannel.1 VNI 1 port 8472",
		framework.Cilium: "VXLAN cilium_vxlan VNI 0 port 8472"}[c.Dataplane]
	var got []string
	for _, e := range nn.Encapsulation {
		got = append(got, fmt.Sprintf("%s %s VNI %d port %d", e.Type, e.Device, e.VNI, e.Port))
		if !e.Fits {
			t.Errorf("%s: pod MTU %d + %d does not fit %s's %d", e.Device, nn.PodMTU, e.Overhead, e.Underlay, e.UnderlayMTU)
		}
	}
	if strings.Join(got, "; ") != want {
		t.Errorf("encapsulation %q, want %q", got, want)
	}
	if nn.KubeProxyMode != c.ProxyMode {
		t.Errorf("kube-proxy mode %s (%q), want %s", nn.KubeProxyMode, nn.KubeProxyEvidence, c.ProxyMode)
	}
	toNode2 := false
	for _, r := range nn.PodRoutes {
		if r.Node == c.Nodes[1].Name {
			toNode2 = true
		}
	}
	if !toNode2 {
		t.Errorf("no route to %s's pods among %+v", c.Nodes[1].Name, nn.PodRoutes)
	}
	hasCurl := false
	for _, p := range nn.Pods {
		if p.Pod.Name == "curl" && p.HostInterface != "" {
			hasCurl = true
		}
	}
	if !hasCurl {
		t.Errorf("curl is not among node %s's pods with a host peer: %+v", node, nn.Pods)
	}
}

// vethThroughThePlugin runs `kubectl packetwalk veth` as a user would and checks its JSON and that no
// helper pod is left behind.
func vethThroughThePlugin(t *testing.T, c *framework.Cluster) {
	ctx := context.Background()
	res := c.RunPlugin(t, ctx, "veth", "curl", "httpbin", "-n", "default", "--image", c.Image, "-o", "json", "--explain")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	var list api.VethList
	if err := json.Unmarshal([]byte(res.Stdout), &list); err != nil {
		t.Fatalf("stdout is not a VethList: %v\n%s", err, res.Stdout)
	}
	if len(list.Items) != 2 || list.Items[0].HostPeer == nil || list.Items[1].HostPeer == nil {
		t.Errorf("rows = %+v", list.Items)
	}
	if !strings.Contains(res.Stderr, "Step 1, on node") {
		t.Errorf("--explain with -o json must go to stderr: %q", res.Stderr)
	}
	left, err := helperpod.List(ctx, c.Client, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if !strings.Contains(res.Stderr, p.Name) {
			continue // another test's helper pod
		}
		t.Errorf("helper pod %s/%s left behind", p.Namespace, p.Name)
	}
}
