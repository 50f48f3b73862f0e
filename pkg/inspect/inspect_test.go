package inspect_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/inspect"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
)

func clientFor(s *nodefactstest.Scenario, extra ...runtime.Object) *fake.Clientset {
	return fake.NewSimpleClientset(append(s.Objects(), extra...)...)
}

func find(t *testing.T, list *api.VethList, pod, iface string) api.Veth {
	t.Helper()
	for _, v := range list.Items {
		if v.Pod.Name == pod && (iface == "" || v.Interface != nil && v.Interface.Name == iface) {
			return v
		}
	}
	t.Fatalf("no row for %s %s in %+v", pod, iface, list.Items)
	return api.Veth{}
}

func TestVethsCalicoVXLAN(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	list, ex, err := inspect.Veths(context.Background(), clientFor(s), s.Runner, s.Pods())
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 {
		t.Fatalf("%d rows, want 3", len(list.Items))
	}
	curl := find(t, list, "curl", "eth0")
	on := true
	if curl.Status != api.VethOK || curl.Dataplane != "calico" || curl.Node != "node1" {
		t.Errorf("curl: status %s dataplane %s node %s", curl.Status, curl.Dataplane, curl.Node)
	}
	if diff := cmp.Diff([]string{"10.244.1.5", "fd00:10:244:1::5"}, curl.Interface.IPs); diff != "" {
		t.Errorf("curl IPs:\n%s", diff)
	}
	hp := curl.HostPeer
	want := &api.HostPeer{Name: "cali35e3a5cb80b", Index: curl.Interface.PeerIndex, PeerIndex: curl.Interface.Index,
		MAC: "ee:ee:ee:ee:ee:ee", MTU: 1450, ProxyARP: &on, Verified: true, ExpectedName: "cali35e3a5cb80b",
		ConfirmedBy: "the node routes 10.244.1.5 to cali35e3a5cb80b"}
	if diff := cmp.Diff(want, hp); diff != "" {
		t.Errorf("curl's host peer (-want +got):\n%s", diff)
	}
	if curl.Gateway == nil || curl.Gateway.Resolution != api.GatewayProxyARP || curl.Gateway.MAC != "ee:ee:ee:ee:ee:ee" {
		t.Errorf("curl's gateway = %+v", curl.Gateway)
	}
	if diff := cmp.Diff([]api.Route{{Dst: "10.244.1.5", Dev: "cali35e3a5cb80b"}, {Dst: "fd00:10:244:1::5", Dev: "cali35e3a5cb80b"}}, curl.HostRoutes); diff != "" {
		t.Errorf("host routes (-want +got):\n%s", diff)
	}
	if len(curl.Warnings) != 0 {
		t.Errorf("warnings on a healthy pod: %q", curl.Warnings)
	}
	if hb := find(t, list, "httpbin", "eth0"); hb.Node != "node2" || hb.HostPeer == nil || hb.HostPeer.Name != "cali4a3c027cd7f" {
		t.Errorf("httpbin on node2 = %+v", hb.HostPeer)
	}

	var buf bytes.Buffer
	if err := ex.Print(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"$ nsenter -t ", "-n -- ip -j -d addr show",
		"net.ipv4.conf.cali35e3a5cb80b.proxy_arp = 1",
		"a packet to 192.0.2.1 leaves by eth0 via 169.254.1.1",
		"169.254.1.1 is at ee:ee:ee:ee:ee:ee on eth0",
		"eth0@if", "cali35e3a5cb80b@if", "proven from both ends",
		"the node routes 10.244.1.5 to cali35e3a5cb80b",
		"on node node2",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, buf.String())
		}
	}
	// Each family's route listing proves its own family's routes only.
	for _, step := range ex.Steps {
		argv := strings.Join(step.Argv, " ")
		for _, p := range step.Proved {
			if strings.Contains(argv, " -4 route show") && strings.Contains(p, "fe80::") || strings.Contains(argv, " -6 route show") && strings.Contains(p, "169.254.1.1") {
				t.Errorf("%s proved %q", argv, p)
			}
		}
	}
	for _, want := range []string{
		"default via fe80::ecee:eeff:feee:eeee dev eth0",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestVethsFlannelWithASecondInterface(t *testing.T) {
	s := nodefactstest.Load(t, "flannel")
	list, _, err := inspect.Veths(context.Background(), clientFor(s), s.Runner, []*corev1.Pod{s.Pod("default", "curl")})
	if err != nil {
		t.Fatal(err)
	}
	eth0, net1 := find(t, list, "curl", "eth0"), find(t, list, "curl", "net1")
	if eth0.HostPeer == nil || eth0.HostPeer.Master != "cni0" || eth0.Gateway.Resolution != api.GatewayBridge || eth0.Dataplane != "flannel" {
		t.Errorf("eth0 = %+v gateway %+v", eth0.HostPeer, eth0.Gateway)
	}
	if !strings.HasPrefix(eth0.HostPeer.ConfirmedBy, "bridge cni0 learned the pod's MAC") {
		t.Errorf("eth0's peer confirmed by %q", eth0.HostPeer.ConfirmedBy)
	}
	if net1.HostPeer != nil || net1.Interface.Kind != "macvlan" || !strings.Contains(net1.Message, "macvlan on the node's eth0") {
		t.Errorf("net1 = %+v, message %q", net1.HostPeer, net1.Message)
	}
}

func TestVethsOddCases(t *testing.T) {
	s := nodefactstest.Load(t, "calico-vxlan")
	base := s.Pod("default", "curl")
	pod := func(name string, f func(p *corev1.Pod)) *corev1.Pod {
		p := base.DeepCopy()
		p.Name, p.UID = name, ""
		f(p)
		return p
	}
	win := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "win1", Labels: map[string]string{corev1.LabelOSStable: "windows"}}}
	down := s.Nodes()[0].DeepCopy()
	down.Name = "node3"
	down.Status.Conditions[0].Status = corev1.ConditionUnknown
	pods := []*corev1.Pod{
		pod("host", func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Status.PodIP, p.Status.PodIPs = "10.201.0.11", []corev1.PodIP{{IP: "10.201.0.11"}}
		}),
		pod("unscheduled", func(p *corev1.Pod) {
			p.Spec.NodeName = ""
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/2 nodes are available: 2 Insufficient cpu."}}
		}),
		pod("pulling", func(p *corev1.Pod) {
			p.Status.Phase, p.Status.PodIP, p.Status.PodIPs = corev1.PodPending, "", nil
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}
		}),
		pod("done", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
		pod("onwindows", func(p *corev1.Pod) { p.Spec.NodeName = "win1" }),
		pod("onnotready", func(p *corev1.Pod) { p.Spec.NodeName = "node3" }),
	}
	list, _, err := inspect.Veths(context.Background(), clientFor(s, win, down), s.Runner, pods)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Pod, Status, Message string }
	var got []row
	for _, v := range list.Items {
		got = append(got, row{v.Pod.Name, v.Status, v.Message})
	}
	want := []row{
		{"host", api.VethHostNetwork, "hostNetwork pod: no veth of its own, it uses node node1's interfaces and addresses (10.201.0.11)"},
		{"unscheduled", api.VethNotScheduled, "not scheduled to a node yet: 0/2 nodes are available: 2 Insufficient cpu."},
		{"pulling", api.VethNotRunning, "pod has no IP yet (Pending, curl ImagePullBackOff)"},
		{"done", api.VethNotRunning, "pod has finished (Succeeded): its network namespace is gone"},
		{"onwindows", api.VethWindowsNode, "node win1 runs windows: packetwalk reads Linux network namespaces only"},
		{"onnotready", api.VethNodeNotReady, "node node3 is not Ready: its helper pod could not run; check `kubectl describe node node3`"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if calls := s.Runner.Recorded.Calls(); len(calls) != 0 {
		t.Errorf("ran %d node commands for pods that have nothing to look at", len(calls))
	}
}

func TestNodeNetwork(t *testing.T) {
	tests := []struct {
		scenario  string
		dataplane string
		encap     api.Encapsulation
		route     api.Route
		warning   string
	}{
		{"calico-vxlan", "calico", api.Encapsulation{Type: "VXLAN", Device: "vxlan.calico", VNI: 4096, Port: 4789, Local: "10.201.0.11", MTU: 1450, Underlay: "eth0", UnderlayMTU: 1500, Overhead: 50, Fits: true},
			api.Route{Dst: "10.244.2.0/26", Gateway: "10.244.2.0", Dev: "vxlan.calico", OnLink: true, Node: "node2", VTEP: "10.201.0.12"}, ""},
		{"calico-ipip", "calico", api.Encapsulation{Type: "IPIP", Device: "tunl0", MTU: 1480, Underlay: "eth0", UnderlayMTU: 1500, Overhead: 20, Fits: true},
			api.Route{Dst: "10.244.2.0/26", Gateway: "10.201.0.12", Dev: "tunl0", OnLink: true, Node: "node2"}, ""},
		{"flannel", "flannel", api.Encapsulation{Type: "VXLAN", Device: "flannel.1", VNI: 1, Port: 8472, Local: "10.201.0.11", MTU: 1450, Underlay: "eth0", UnderlayMTU: 1500, Overhead: 50, Fits: true},
			api.Route{Dst: "10.244.2.0/24", Gateway: "10.244.2.0", Dev: "flannel.1", OnLink: true, Node: "node2", VTEP: "10.201.0.12"}, ""},
		{"cilium", "cilium", api.Encapsulation{Type: "VXLAN", Device: "cilium_vxlan", Port: 8472, MTU: 1500, Underlay: "eth0", UnderlayMTU: 1500, Overhead: 50, Fits: true},
			api.Route{Dst: "10.0.2.0/24", Gateway: "10.0.1.197", Dev: "cilium_host", Node: "node2"}, "Cilium handles Services in eBPF"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s := nodefactstest.Load(t, tt.scenario)
			nn, _, err := inspect.NodeNetwork(context.Background(), clientFor(s), s.Runner, "node1")
			if err != nil {
				t.Fatal(err)
			}
			if nn.Dataplane != tt.dataplane || len(nn.DataplaneEvidence) == 0 || !nn.Ready || nn.OS != "linux" {
				t.Errorf("dataplane %s %q ready %v os %s", nn.Dataplane, nn.DataplaneEvidence, nn.Ready, nn.OS)
			}
			if diff := cmp.Diff([]api.Encapsulation{tt.encap}, nn.Encapsulation); diff != "" {
				t.Errorf("encapsulation (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]api.Route{tt.route}, nn.PodRoutes); diff != "" {
				t.Errorf("pod routes (-want +got):\n%s", diff)
			}
			// Cilium's fixture node has no kube-proxy rules: Cilium replaces kube-proxy.
			if want := map[bool]string{true: "replaced", false: "none"}[tt.dataplane == "cilium"]; nn.KubeProxyMode != want {
				t.Errorf("kube-proxy mode %q, want %s", nn.KubeProxyMode, want)
			}
			var peers []string
			for _, p := range nn.Pods {
				if p.HostInterface != "" {
					peers = append(peers, p.Pod.Name)
				}
			}
			if diff := cmp.Diff([]string{"curl", "httpbin-0"}, peers); diff != "" {
				t.Errorf("pods with a host peer (-want +got):\n%s", diff)
			}
			got := strings.Join(nn.Warnings, "\n")
			if (tt.warning == "") != (got == "") || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings %q, want %q", nn.Warnings, tt.warning)
			}
		})
	}
}

func TestNodeNetworkExplains(t *testing.T) {
	s := nodefactstest.Load(t, "cluster-flannel")
	_, ex, err := inspect.NodeNetwork(context.Background(), clientFor(s), s.Runner, "pw-node1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ex.Print(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"$ ip -j -d addr show", "dataplane flannel: link flannel.1 (VXLAN VNI 1, UDP 8472)",
		"10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink → node pw-node2",
		"10.244.2.0's MAC is forwarded to VTEP 10.201.0.12 (node pw-node2)",
		"$ iptables-save -t nat", "kube-proxy mode iptables: iptables nat chain KUBE-SERVICES",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, buf.String())
		}
	}
}
