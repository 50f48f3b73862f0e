package framework

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadNodes(t *testing.T) {
	// nodes.txt as hack/cluster/up wrote it for a 2-node cluster
	got, err := readNodes("testdata/nodes.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{Name: "pw-node1", Netns: "pw-node1", IP: "10.201.0.11", PodCIDR: "10.244.1.0/24", ContainerdSocket: "/tmp/packetwalk-lab/node1/containerd.sock"},
		{Name: "pw-node2", Netns: "pw-node2", IP: "10.201.0.12", PodCIDR: "10.244.2.0/24", ContainerdSocket: "/tmp/packetwalk-lab/node2/containerd.sock"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readNodes (-want +got):\n%s", diff)
	}
}

func TestReadNodesRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"empty": "", "short": "pw-node1 pw-node1 10.201.0.11\n"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readNodes(p); err == nil {
			t.Errorf("readNodes(%s file) succeeded", name)
		}
	}
	if _, err := readNodes(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "reading the lab's nodes") {
		t.Errorf("readNodes(missing) error = %v", err)
	}
}

func TestNetnsCommands(t *testing.T) {
	n := Node{Name: "pw-node1", Netns: "pw-node1"}
	if diff := cmp.Diff([]string{"nsenter", "--net=/run/netns/pw-node1", "--", "ip", "-j", "link"},
		NodeNetnsCommand(n, "ip", "-j", "link")); diff != "" {
		t.Errorf("NodeNetnsCommand (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nsenter", "-t", "4242", "-n", "--", "curl", "-s", "http://10.96.0.1/"},
		PIDNetnsCommand(4242, "curl", "-s", "http://10.96.0.1/")); diff != "" {
		t.Errorf("PIDNetnsCommand (-want +got):\n%s", diff)
	}
}

func TestParseVXLANLink(t *testing.T) {
	// `ip -j -d link show dev vxlan.calico` on pw-node1 of the local cluster, calico dataplane
	b, err := os.ReadFile("testdata/vxlan-calico-link.json")
	if err != nil {
		t.Fatal(err)
	}
	links, err := ParseLinks(string(b))
	if err != nil || len(links) != 1 {
		t.Fatalf("ParseLinks: %v %v", links, err)
	}
	l := links[0]
	if l.IfName != "vxlan.calico" || l.MTU != 1450 || l.LinkInfo.InfoKind != "vxlan" ||
		l.LinkInfo.InfoData.ID != 4096 || l.LinkInfo.InfoData.Port != 4789 || l.LinkInfo.InfoData.Local != "10.201.0.11" {
		t.Errorf("vxlan.calico parsed as %+v", l)
	}
}

func TestParseRoutes(t *testing.T) {
	// `ip -j route show` on pw-node1, calico dataplane
	b, err := os.ReadFile("testdata/calico-node1-routes.json")
	if err != nil {
		t.Fatal(err)
	}
	routes, err := ParseRoutes(string(b))
	if err != nil {
		t.Fatal(err)
	}
	want := Route{Dst: "10.244.2.0/24", Gateway: "10.244.2.0", Dev: "vxlan.calico", Protocol: "80", Flags: []string{"onlink"}}
	if diff := cmp.Diff(want, routes[len(routes)-1]); diff != "" {
		t.Errorf("last route (-want +got):\n%s", diff)
	}
	if routes[2].Type != "blackhole" || routes[2].Dst != "10.244.1.0/24" {
		t.Errorf("third route %+v, want the blackhole for the node's own block", routes[2])
	}
}

func TestHelperPodIsPinnedAndPrivileged(t *testing.T) {
	p := helperPod("pw-node2", "packetwalk.local/helper:1")
	sc := p.Spec.Containers[0].SecurityContext
	if p.Name != "e2e-helper-pw-node2" || p.Spec.NodeName != "pw-node2" || !p.Spec.HostNetwork || !p.Spec.HostPID ||
		sc == nil || sc.Privileged == nil || !*sc.Privileged || p.Labels[HelperLabel] != "true" {
		t.Errorf("helper pod %+v", p)
	}
	if _, ok := p.Labels["app.kubernetes.io/managed-by"]; ok {
		t.Error("the framework's helper must not look like packetwalk's own helper pods")
	}
}
