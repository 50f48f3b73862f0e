package walk

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
)

// These tests reason on node output recorded from the kernel lab (testdata/<scenario>, recorded by the
// kernel tests with -update) and on the node-facts engineer's hand-checked Calico IPIP and Cilium
// recordings (pkg/nodefacts/testdata). They check the hops a person would check by hand.

var (
	toCurl      = api.PodRef{Namespace: "default", Name: "curl"}
	podHTTPBin  = Request{Source: toCurl, Target: Target{Kind: TargetPod, Name: "httpbin"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}
	podHTTPBin0 = Request{Source: toCurl, Target: Target{Kind: TargetPod, Name: "httpbin-0"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}
	svcHTTPBin  = Request{Source: toCurl, Target: Target{Kind: TargetService, Name: "httpbin"}, Namespace: "default", Protocol: ProtocolTCP}
)

// reasonRecorded gathers and reasons a walk on a recorded scenario of this package.
func reasonRecorded(t *testing.T, name string, req Request, sourcePort int) (*api.Walk, *Input, noderun.Runner) {
	t.Helper()
	s, runner := walktest.Load(t, name)
	c := Cluster{Client: s.Client(), Runner: runner}
	ctx := context.Background()
	in, err := Gather(ctx, c, req, sourcePort)
	if err != nil {
		t.Fatalf("gathering on recorded %s: %v", name, err)
	}
	w, err := Reason(ctx, runner, in)
	if err != nil {
		t.Fatalf("reasoning on recorded %s: %v", name, err)
	}
	return w, in, runner
}

// hop returns the first hop of kind on path, failing the test if there is none.
func hop(t *testing.T, p api.WalkPath, kind string) api.Hop {
	t.Helper()
	for _, h := range p.Hops {
		if h.Kind == kind {
			return h
		}
	}
	t.Fatalf("path to %s has no %s hop: %v", p.Endpoint, kind, kindsOf(p))
	return api.Hop{}
}

func pathTo(t *testing.T, w *api.Walk, endpoint string) api.WalkPath {
	t.Helper()
	for _, p := range w.Paths {
		if p.Endpoint == endpoint {
			return p
		}
	}
	t.Fatalf("no path to %s among %d paths", endpoint, len(w.Paths))
	return api.WalkPath{}
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s = %q, want it to mention %q", what, s, p)
		}
	}
}

func noProblems(t *testing.T, p api.WalkPath) {
	t.Helper()
	for _, h := range p.Hops {
		if len(h.Problems) > 0 {
			t.Errorf("hop %s on %s has problems: %q", h.Kind, h.Node, h.Problems)
		}
	}
}

func TestCalicoVXLANPaths(t *testing.T) {
	w, _, runner := reasonRecorded(t, "calico-vxlan", podHTTPBin, 40000)
	p := pathTo(t, w, "10.244.2.7:8080")
	if diff := cmp.Diff(calicoKinds.cross, kindsOf(p)); diff != "" {
		t.Errorf("cross-node hops (-want +got):\n%s", diff)
	}
	noProblems(t, p)
	src := hop(t, p, api.HopPodInterface)
	mustContain(t, "source hop", src.Summary, "via 169.254.1.1 dev eth0", "proxy", "cali35e3a5cb80b", "ee:ee:ee:ee:ee:ee")
	if peer := hop(t, p, api.HopHostPeer); peer.Interface != "cali35e3a5cb80b" || peer.Capture.Filter != "tcp port 40000 and host 10.244.1.5" {
		t.Errorf("host peer hop = %s with capture %+v", peer.Interface, peer.Capture)
	}
	route := hop(t, p, api.HopRoute)
	mustContain(t, "route hop", route.Summary, "via 10.244.2.0 dev vxlan.calico")
	if got := strings.Join(route.Evidence[0].Command, " "); got != "ip -j route get 10.244.2.7 from 10.244.1.5 iif cali35e3a5cb80b" {
		t.Errorf("route evidence command = %q", got)
	}
	tun := hop(t, p, api.HopTunnel)
	enc := tun.Packet.Encapsulation
	if enc == nil || enc.Type != "VXLAN" || enc.VNI != 4096 || enc.Port != 4789 || tun.Packet.OuterSrc != "10.201.0.11" || tun.Packet.OuterDst != "10.201.0.12" {
		t.Errorf("tunnel hop packet = %+v enc %+v", tun.Packet, enc)
	}
	mustContain(t, "tunnel hop", tun.Summary, "10.244.2.0", "66:a4:f1:00:00:02", "VTEP 10.201.0.12")
	under := hop(t, p, api.HopUnderlay)
	if under.Interface != "eth0" || under.Capture.Filter != "udp port 4789 and host 10.201.0.11 and host 10.201.0.12" {
		t.Errorf("underlay hop %s, capture %+v", under.Interface, under.Capture)
	}
	if dec := hop(t, p, api.HopDecapsulation); dec.Node != "node2" || dec.Interface != "vxlan.calico" {
		t.Errorf("decapsulation at %s/%s", dec.Node, dec.Interface)
	}
	if rr := hop(t, p, api.HopRemoteRoute); strings.Join(rr.Evidence[0].Command, " ") != "ip -j route get 10.244.2.7 from 10.244.1.5 iif vxlan.calico" {
		t.Errorf("remote route evidence = %q", rr.Evidence[0].Command)
	}
	if d := hop(t, p, api.HopDestinationHostPeer); d.Node != "node2" || d.Interface != "cali4a3c027cd7f" {
		t.Errorf("destination host peer %s/%s", d.Node, d.Interface)
	}
	if !p.CrossNode {
		t.Error("the path to httpbin is not marked cross-node")
	}

	same, _, _ := reasonRecorded(t, "calico-vxlan", podHTTPBin0, 40000)
	sp := pathTo(t, same, "10.244.1.6:8080")
	if diff := cmp.Diff(calicoKinds.same, kindsOf(sp)); diff != "" {
		t.Errorf("same-node hops (-want +got):\n%s", diff)
	}
	if d := hop(t, sp, api.HopDestinationHostPeer); d.Interface != "cali198f7a34fc7" || sp.CrossNode {
		t.Errorf("same node: destination host peer %s, cross-node %v", d.Interface, sp.CrossNode)
	}
	_ = runner
}

func TestCalicoVXLANService(t *testing.T) {
	w, _, _ := reasonRecorded(t, "calico-vxlan", svcHTTPBin, 40000)
	tr := w.Service
	if tr == nil || tr.Mode != "iptables" || strings.Join(tr.Chains, " ") != "KUBE-SERVICES KUBE-SVC-FREKB6WNWYJLKTHC" || tr.TargetPort != 8080 {
		t.Fatalf("translation = %+v", tr)
	}
	var got []string
	for _, e := range tr.Endpoints {
		got = append(got, e.Address+" "+e.Chain+" "+e.Node)
		if e.Probability != 0.5 || !e.InRules || !e.Ready || e.Pod == nil {
			t.Errorf("endpoint %+v", e)
		}
	}
	want := []string{"10.244.1.6:8080 KUBE-SEP-LQ2ZQ6QLV5YB3IOX node1", "10.244.2.7:8080 KUBE-SEP-Q4A6WFUHVBZXVZ3F node2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	if len(w.Paths) != 2 {
		t.Fatalf("%d paths, want one per endpoint", len(w.Paths))
	}
	cross, same := pathTo(t, w, "10.244.2.7:8080"), pathTo(t, w, "10.244.1.6:8080")
	if diff := cmp.Diff(calicoKinds.wantKinds(true, true), kindsOf(cross)); diff != "" {
		t.Errorf("cross-node Service hops (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(calicoKinds.wantKinds(false, true), kindsOf(same)); diff != "" {
		t.Errorf("same-node Service hops (-want +got):\n%s", diff)
	}
	nat := hop(t, cross, api.HopServiceNAT)
	mustContain(t, "Service hop", nat.Summary, "KUBE-SVC-FREKB6WNWYJLKTHC", "10.244.2.7:8080 (50%)")
	// Before the translation the packet goes to the ClusterIP; after it, to the endpoint.
	if hp := hop(t, cross, api.HopHostPeer); hp.Packet.Dst != "10.96.0.10:80" {
		t.Errorf("host peer sees %s, want the ClusterIP", hp.Packet.Dst)
	}
	if tun := hop(t, cross, api.HopTunnel); tun.Packet.Dst != "10.244.2.7:8080" {
		t.Errorf("tunnel carries %s, want the endpoint", tun.Packet.Dst)
	}
}

func TestFlannelPaths(t *testing.T) {
	w, _, _ := reasonRecorded(t, "flannel", podHTTPBin, 40000)
	p := pathTo(t, w, "10.244.2.7:8080")
	if diff := cmp.Diff(flannelKinds.cross, kindsOf(p)); diff != "" {
		t.Errorf("cross-node hops (-want +got):\n%s", diff)
	}
	noProblems(t, p)
	mustContain(t, "source hop", hop(t, p, api.HopPodInterface).Summary, "via 10.244.1.1", "bridge cni0")
	peer := hop(t, p, api.HopHostPeer)
	if !strings.HasPrefix(peer.Interface, "veth") {
		t.Errorf("host peer %s, want a vethXXXXXXXX", peer.Interface)
	}
	mustContain(t, "host peer hop", peer.Summary, "port of bridge cni0")
	// A bridge port's packets are routed as arriving on the bridge.
	if got := strings.Join(hop(t, p, api.HopRoute).Evidence[0].Command, " "); got != "ip -j route get 10.244.2.7 from 10.244.1.5 iif cni0" {
		t.Errorf("route evidence = %q", got)
	}
	tun := hop(t, p, api.HopTunnel)
	if e := tun.Packet.Encapsulation; tun.Interface != "flannel.1" || e.VNI != 1 || e.Port != 8472 || tun.Packet.OuterDst != "10.201.0.12" {
		t.Errorf("tunnel %s %+v → %s", tun.Interface, e, tun.Packet.OuterDst)
	}
	br := hop(t, p, api.HopBridge)
	dhp := hop(t, p, api.HopDestinationHostPeer)
	if br.Node != "node2" || br.Interface != "cni0" || !strings.HasPrefix(dhp.Interface, "veth") {
		t.Errorf("bridge %s/%s to %s", br.Node, br.Interface, dhp.Interface)
	}
	mustContain(t, "bridge hop", br.Summary, dhp.Interface)

	same, _, _ := reasonRecorded(t, "flannel", podHTTPBin0, 40000)
	sp := pathTo(t, same, "10.244.1.6:8080")
	if diff := cmp.Diff(flannelKinds.same, kindsOf(sp)); diff != "" {
		t.Errorf("same-node hops (-want +got):\n%s", diff)
	}
	mustContain(t, "same-node source hop", hop(t, sp, api.HopPodInterface).Summary, "no gateway", "bridge cni0 switches")

	svc, _, _ := reasonRecorded(t, "flannel", svcHTTPBin, 40000)
	if diff := cmp.Diff(flannelKinds.wantKinds(false, true), kindsOf(pathTo(t, svc, "10.244.1.6:8080"))); diff != "" {
		t.Errorf("same-node Service hops (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(flannelKinds.wantKinds(true, true), kindsOf(pathTo(t, svc, "10.244.2.7:8080"))); diff != "" {
		t.Errorf("cross-node Service hops (-want +got):\n%s", diff)
	}
}

func TestDirectRoutingPaths(t *testing.T) {
	w, _, _ := reasonRecorded(t, "calico-direct", podHTTPBin, 40000)
	p := pathTo(t, w, "10.244.2.7:8080")
	if diff := cmp.Diff(directKinds.cross, kindsOf(p)); diff != "" {
		t.Errorf("cross-node hops (-want +got):\n%s", diff)
	}
	noProblems(t, p)
	under := hop(t, p, api.HopUnderlay)
	if under.Interface != "eth0" || under.Packet.Encapsulation != nil || under.Capture.Filter != "tcp and port 8080 and host 10.244.2.7" {
		t.Errorf("underlay %s packet %+v capture %+v", under.Interface, under.Packet, under.Capture)
	}
	mustContain(t, "underlay hop", under.Summary, "unencapsulated", "10.201.0.12")
	if rr := hop(t, p, api.HopRemoteRoute); rr.Node != "node2" || rr.Interface != "cali4a3c027cd7f" {
		t.Errorf("remote route %s/%s", rr.Node, rr.Interface)
	}
	svc, _, _ := reasonRecorded(t, "calico-direct", svcHTTPBin, 40000)
	if diff := cmp.Diff(directKinds.wantKinds(true, true), kindsOf(pathTo(t, svc, "10.244.2.7:8080"))); diff != "" {
		t.Errorf("cross-node Service hops (-want +got):\n%s", diff)
	}
}

// reasonHandChecked reasons on a nodefacts scenario whose route questions were never asked: the walk
// falls back on the recorded route tables and says so in its evidence.
func reasonHandChecked(t *testing.T, name string, req Request, extra ...func(*fake.Clientset)) (*api.Walk, *Input) {
	t.Helper()
	sc := nodefactstest.Load(t, name)
	s := &walktest.Scenario{Manifest: sc.Manifest}
	client := s.Client()
	for _, f := range extra {
		f(client)
	}
	in, err := Gather(context.Background(), Cluster{Client: client, Runner: sc.Runner}, req, 40000)
	if err != nil {
		t.Fatalf("gathering on %s: %v", name, err)
	}
	w, _ := expect(in)
	return w, in
}

func TestCalicoIPIPPaths(t *testing.T) {
	w, _ := reasonHandChecked(t, "calico-ipip", podHTTPBin)
	p := pathTo(t, w, "10.244.2.7:8080")
	if diff := cmp.Diff(calicoKinds.cross, kindsOf(p)); diff != "" {
		t.Errorf("cross-node hops (-want +got):\n%s", diff)
	}
	noProblems(t, p)
	tun := hop(t, p, api.HopTunnel)
	if e := tun.Packet.Encapsulation; tun.Interface != "tunl0" || e.Type != "IPIP" || e.Overhead != 20 || tun.Packet.OuterDst != "10.201.0.12" || tun.Packet.OuterSrc != "10.201.0.11" {
		t.Errorf("tunnel %s %+v %s → %s", tun.Interface, e, tun.Packet.OuterSrc, tun.Packet.OuterDst)
	}
	mustContain(t, "IPIP tunnel hop", tun.Summary, "IP protocol 4", "next hop 10.201.0.12 is the remote node")
	if under := hop(t, p, api.HopUnderlay); under.Capture.Filter != "ip proto 4 and host 10.201.0.11 and host 10.201.0.12" {
		t.Errorf("underlay capture %+v", under.Capture)
	}
	if dec := hop(t, p, api.HopDecapsulation); dec.Node != "node2" || dec.Interface != "tunl0" {
		t.Errorf("decapsulation at %s/%s", dec.Node, dec.Interface)
	}
	if !strings.Contains(hop(t, p, api.HopRoute).Evidence[0].Shows, "ip route get was not asked") {
		t.Errorf("a route from the table does not say so: %q", hop(t, p, api.HopRoute).Evidence[0].Shows)
	}
	same, _ := reasonHandChecked(t, "calico-ipip", podHTTPBin0)
	if diff := cmp.Diff(calicoKinds.same, kindsOf(pathTo(t, same, "10.244.1.6:8080"))); diff != "" {
		t.Errorf("same-node hops (-want +got):\n%s", diff)
	}

	// kube-proxy's rules for the Service, as on the VXLAN nodes.
	_, in := reasonHandChecked(t, "calico-ipip", svcHTTPBin, addHTTPBinService)
	rules, err := netfilter.ParseIPTablesSave([]byte(kubeProxyRules("10.244.0.0/16", "10.244.1.6", "10.244.2.7")))
	if err != nil {
		t.Fatal(err)
	}
	in.Nodes["node1"].Facts.NAT = rules
	in.Nodes["node1"].Facts.KubeProxy.Mode = netfilter.ProxyIPTables
	svc, _ := expect(in)
	if diff := cmp.Diff(calicoKinds.wantKinds(true, true), kindsOf(pathTo(t, svc, "10.244.2.7:8080"))); diff != "" {
		t.Errorf("cross-node Service hops (-want +got):\n%s", diff)
	}
	if w := hop(t, svc.Paths[0], api.HopServiceNAT); !strings.Contains(w.Summary, "DNAT KUBE-SERVICES → KUBE-SVC-FREKB6WNWYJLKTHC") {
		t.Errorf("Service hop: %s", w.Summary)
	}
}

func addHTTPBinService(c *fake.Clientset) {
	svcs, slices := httpbinObjectsFor("node1", "10.244.1.6", "node2", "10.244.2.7")
	for i := range svcs {
		_ = c.Tracker().Add(&svcs[i])
	}
	for i := range slices {
		_ = c.Tracker().Add(&slices[i])
	}
}

func TestCiliumPaths(t *testing.T) {
	req := podHTTPBin
	w, _ := reasonHandChecked(t, "cilium", req)
	p := pathTo(t, w, "10.0.2.7:8080")
	want := cat(podStart, []string{api.HopRoute, api.HopTunnel, api.HopUnderlay, api.HopRemoteUnderlay, api.HopDecapsulation, api.HopRemoteRoute}, toPod)
	if diff := cmp.Diff(want, kindsOf(p)); diff != "" {
		t.Errorf("cross-node hops (-want +got):\n%s", diff)
	}
	if w.Source.Dataplane != "cilium" {
		t.Errorf("dataplane %q", w.Source.Dataplane)
	}
	mustContain(t, "source hop", hop(t, p, api.HopPodInterface).Summary, "cilium_host", "lxc5b3f1e2a9c07")
	mustContain(t, "route hop", hop(t, p, api.HopRoute).Summary, "dev cilium_host", "eBPF")
	tun := hop(t, p, api.HopTunnel)
	if e := tun.Packet.Encapsulation; tun.Interface != "cilium_vxlan" || e.Type != "VXLAN" || e.Port != 8472 || tun.Packet.OuterDst != "10.201.0.12" {
		t.Errorf("tunnel %s %+v → %s", tun.Interface, e, tun.Packet.OuterDst)
	}
	mustContain(t, "tunnel hop", tun.Summary, "eBPF tunnel map", "security identity")
	if d := hop(t, p, api.HopDestinationHostPeer); d.Interface != "lxc7e2a6d0c4f18" || !strings.Contains(d.Summary, "bpf_redirect_peer") {
		t.Errorf("destination host peer %s: %s", d.Interface, d.Summary)
	}

	same, _ := reasonHandChecked(t, "cilium", podHTTPBin0)
	sp := pathTo(t, same, "10.0.1.6:8080")
	if diff := cmp.Diff(cat(podStart, []string{api.HopRoute}, toPod), kindsOf(sp)); diff != "" {
		t.Errorf("same-node hops (-want +got):\n%s", diff)
	}
	if d := hop(t, sp, api.HopDestinationHostPeer); d.Interface != "lxc0d94c8f3b1e6" {
		t.Errorf("same-node destination host peer %s", d.Interface)
	}

	svc, _ := reasonHandChecked(t, "cilium", svcHTTPBin, func(c *fake.Clientset) {
		svcs, slices := httpbinObjectsFor("node1", "10.0.1.6", "node2", "10.0.2.7")
		_ = c.Tracker().Add(&svcs[0])
		_ = c.Tracker().Add(&slices[0])
	})
	if svc.Service == nil || svc.Service.Mode != "replaced" || svc.Service.At != api.TranslatedAtSocket || len(svc.Service.Skipped) == 0 {
		t.Fatalf("Cilium translation = %+v", svc.Service)
	}
	mustContain(t, "Service hop", hop(t, svc.Paths[0], api.HopServiceNAT).Summary, "translates at connect()")
	for _, p := range svc.Paths {
		if hp := hop(t, p, api.HopHostPeer); hp.Packet.Dst != p.Endpoint {
			t.Errorf("the host peer on the way to %s expects %s: the socket already translated", p.Endpoint, hp.Packet.Dst)
		}
	}
	for _, p := range svc.Paths {
		if p.Probability != 0.5 {
			t.Errorf("path to %s has probability %v, want an even share", p.Endpoint, p.Probability)
		}
	}
}

func TestIPv6Reasoning(t *testing.T) {
	// default/curl is dual-stack on the Calico VXLAN lab; the nodes route no other pod's IPv6 block.
	req := Request{Source: toCurl, Target: Target{Kind: TargetIP, IP: mustAddr("fd00:10:244:2::7"), Port: 8080}, Namespace: "default", Protocol: ProtocolTCP}
	w, in := reasonHandChecked(t, "calico-vxlan", req)
	if in.SourceIP.String() != "fd00:10:244:1::5" {
		t.Fatalf("source address %s, want curl's IPv6 one", in.SourceIP)
	}
	p := w.Paths[0]
	src := hop(t, p, api.HopPodInterface)
	mustContain(t, "IPv6 source hop", src.Summary, "fe80::ecee:eeff:feee:eeee", "host peer cali35e3a5cb80b's own address")
	if peer := hop(t, p, api.HopHostPeer); peer.Capture.Filter != "tcp port 40000 and host fd00:10:244:1::5" {
		t.Errorf("IPv6 capture filter %q", peer.Capture.Filter)
	}
	route := hop(t, p, api.HopRoute)
	if len(route.Problems) == 0 || !strings.Contains(route.Problems[0], "no route") {
		t.Errorf("route to an unrouted IPv6 address: %s, problems %q", route.Summary, route.Problems)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestHostNetworkSource walks from a hostNetwork pod: no veth, the node's own stack sends the packet.
func TestHostNetworkSource(t *testing.T) {
	s, runner := walktest.Load(t, "calico-vxlan")
	client := s.Client()
	ctx := context.Background()
	curl, err := client.CoreV1().Pods("default").Get(ctx, "curl", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	curl.Spec.HostNetwork = true
	curl.Status.PodIP, curl.Status.PodIPs = "10.201.0.11", []corev1.PodIP{{IP: "10.201.0.11"}}
	if _, err := client.CoreV1().Pods("default").Update(ctx, curl, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	in, err := Gather(ctx, Cluster{Client: client, Runner: runner}, podHTTPBin, 40000)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := expect(in)
	p := pathTo(t, w, "10.244.2.7:8080")
	want := cat([]string{api.HopPodInterface}, tunnelled, toPod)
	if diff := cmp.Diff(want, kindsOf(p)); diff != "" {
		t.Errorf("hops (-want +got):\n%s", diff)
	}
	if src := p.Hops[0]; src.Title != "source (host network)" || src.Interface != "eth0" || !w.Source.HostNetwork {
		t.Errorf("source hop %+v", src)
	}
	// The node's own packet is routed without an incoming interface.
	if got := hop(t, p, api.HopRoute).Evidence[0].Command; strings.Join(got, " ") != "ip -j -d -4 route show" {
		t.Errorf("route evidence %q", got)
	}
	if tun := hop(t, p, api.HopTunnel); tun.Interface != "vxlan.calico" || tun.Packet.OuterDst != "10.201.0.12" {
		t.Errorf("tunnel %s → %s", tun.Interface, tun.Packet.OuterDst)
	}
}

// TestClusterRecordings reasons on what the local cluster's nodes answered (recorded by the end-to-end
// test TestWalkRecordCluster): kube-proxy's own rules, flannel's or the Calico reproduction's devices.
func TestClusterRecordings(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		kinds    dataplaneKinds
	}{{"cluster-flannel", flannelKinds}, {"cluster-calico", calicoKinds}} {
		t.Run(tc.scenario, func(t *testing.T) {
			if _, err := os.Stat(walktest.Dir(tc.scenario)); err != nil {
				t.Skipf("no recording of %s (go test -tags e2e ./test/e2e -run TestWalkRecordCluster -record-walk)", tc.scenario)
			}
			s, _ := walktest.Load(t, tc.scenario)
			var httpbin, local string
			for _, p := range s.Pods {
				switch p.Name {
				case "httpbin":
					httpbin = p.IPs[0] + ":8080"
				case "httpbin-local":
					local = p.IPs[0] + ":8080"
				}
			}
			for _, c := range []struct {
				req            Request
				endpoint       string
				cross, service bool
			}{
				{Request{Source: toCurl, Target: Target{Kind: TargetPod, Name: "httpbin"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}, httpbin, true, false},
				{Request{Source: toCurl, Target: Target{Kind: TargetPod, Name: "httpbin-local"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}, local, false, false},
				{Request{Source: toCurl, Target: Target{Kind: TargetService, Name: "httpbin"}, Namespace: "default", Protocol: ProtocolTCP}, httpbin, true, true},
				{Request{Source: toCurl, Target: Target{Kind: TargetService, Name: "httpbin-local"}, Namespace: "default", Protocol: ProtocolTCP}, local, false, true},
			} {
				w, _, _ := reasonRecorded(t, tc.scenario, c.req, 0)
				p := pathTo(t, w, c.endpoint)
				if diff := cmp.Diff(tc.kinds.wantKinds(c.cross, c.service), kindsOf(p)); diff != "" {
					t.Errorf("%s: hops (-want +got):\n%s", c.req.Target, diff)
				}
				noProblems(t, p)
				if c.service {
					if tr := w.Service; tr.Mode != "iptables" || len(tr.Chains) != 2 || len(tr.Endpoints) != 1 || tr.Endpoints[0].Probability != 1 || !tr.Endpoints[0].InRules {
						t.Errorf("%s: kube-proxy's translation %+v", c.req.Target, tr)
					}
				}
			}
		})
	}
}

// TestNFTablesServiceTranslation reads kube-proxy's nftables ruleset, recorded from the kernel by the
// netfilter tests, for a Service of that ruleset.
func TestNFTablesServiceTranslation(t *testing.T) {
	raw, err := os.ReadFile("../netfilter/testdata/kube-proxy-nft.json")
	if err != nil {
		t.Skipf("no recorded nftables ruleset: %v", err)
	}
	rs, err := netfilter.ParseNFT(raw)
	if err != nil {
		t.Fatal(err)
	}
	facts := &nodefacts.Node{Name: "n1", NFT: rs, KubeProxy: netfilter.ProxyDetection{Mode: netfilter.ProxyNFTables}}
	eps := []EndpointInput{{IP: mustAddr("10.180.0.4"), Port: 80, Ready: true}, {IP: mustAddr("10.180.0.5"), Port: 80, Ready: true}}
	in := &Input{
		Source:    PodView{Ref: toCurl, Node: "n1"},
		SourceIP:  mustAddr("10.0.1.5"),
		Protocol:  ProtocolTCP,
		Dest:      Destination{Kind: api.DestinationService, Namespace: "ns4", Name: "svc4", IP: mustAddr("172.30.0.44"), Port: 80},
		Service:   &ServiceInput{Namespace: "ns4", Name: "svc4", ClusterIP: mustAddr("172.30.0.44"), Port: 80},
		Endpoints: eps,
		Nodes:     map[string]*NodeView{"n1": {Name: "n1", Facts: facts}},
		Routes:    RouteAnswers{},
	}
	r := &reasoner{in: in, asked: map[RouteQuery]bool{}}
	h, tr := r.serviceHop()
	if tr.Mode != "nftables" || len(tr.Endpoints) != 2 {
		t.Fatalf("translation %+v", tr)
	}
	for _, e := range tr.Endpoints {
		if !e.InRules || e.Probability != 0.5 || !strings.HasPrefix(e.Chain, "endpoint-") {
			t.Errorf("endpoint %+v", e)
		}
	}
	mustContain(t, "nftables Service hop", h.Summary, "service-LAUZTJTB-ns4/svc4/tcp/p80", "10.180.0.4:80 (50%)", "10.180.0.5:80 (50%)")
	if got := strings.Join(h.Evidence[0].Command, " "); got != "nft -j list ruleset" {
		t.Errorf("evidence %q", got)
	}
}
