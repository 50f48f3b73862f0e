package walk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
)

// The kernel tests build two "nodes" joined by VXLAN (or direct routes) with "pods" on each, using the
// shared lab (internal/netnslab), serve HTTP in the httpbin pods, program kube-proxy-shaped nat rules for
// a Service, and run the whole walk through the lab's runner: gather, reason, probe with real captures, verdict.
// With -update they record what the nodes answered into testdata/<scenario> for the unit tests.

const (
	svcIP   = "10.96.0.10"
	svcPort = 80
)

// kubeProxyRules is the nat table kube-proxy (iptables mode) writes for Service default/httpbin
// (10.96.0.10:80 → :8080) with endpoints on node1 and node2, in its own format.
func kubeProxyRules(podCIDR, ep1, ep2 string) string {
	return fmt.Sprintf(`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-FREKB6WNWYJLKTHC - [0:0]
:KUBE-SEP-LQ2ZQ6QLV5YB3IOX - [0:0]
:KUBE-SEP-Q4A6WFUHVBZXVZ3F - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SERVICES -d %[4]s/32 -p tcp -m comment --comment "default/httpbin:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-FREKB6WNWYJLKTHC
-A KUBE-SVC-FREKB6WNWYJLKTHC ! -s %[1]s -d %[4]s/32 -p tcp -m comment --comment "default/httpbin:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-FREKB6WNWYJLKTHC -m comment --comment "default/httpbin:http -> %[2]s:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-LQ2ZQ6QLV5YB3IOX
-A KUBE-SVC-FREKB6WNWYJLKTHC -m comment --comment "default/httpbin:http -> %[3]s:8080" -j KUBE-SEP-Q4A6WFUHVBZXVZ3F
-A KUBE-SEP-LQ2ZQ6QLV5YB3IOX -s %[2]s/32 -m comment --comment default/httpbin:http -j KUBE-MARK-MASQ
-A KUBE-SEP-LQ2ZQ6QLV5YB3IOX -p tcp -m comment --comment default/httpbin:http -m tcp -j DNAT --to-destination %[2]s:8080
-A KUBE-SEP-Q4A6WFUHVBZXVZ3F -s %[3]s/32 -m comment --comment default/httpbin:http -j KUBE-MARK-MASQ
-A KUBE-SEP-Q4A6WFUHVBZXVZ3F -p tcp -m comment --comment default/httpbin:http -m tcp -j DNAT --to-destination %[3]s:8080
COMMIT
`, podCIDR, ep1, ep2, svcIP)
}

// httpbinObjects are Service default/httpbin and its EndpointSlice for the lab's two httpbin pods.
func httpbinObjects(lab *netnslab.Lab) ([]corev1.Service, []discoveryv1.EndpointSlice) {
	p0, p1 := lab.Pod("default", "httpbin-0"), lab.Pod("default", "httpbin")
	return httpbinObjectsFor(p0.Node, p0.IPs[0], p1.Node, p1.IPs[0])
}

// httpbinObjectsFor are Service default/httpbin (10.96.0.10:80 → 8080) and its EndpointSlice with
// endpoints default/httpbin-0 (ip0 on node0) and default/httpbin (ip1 on node1).
func httpbinObjectsFor(node0, ip0, node1, ip1 string) ([]corev1.Service, []discoveryv1.EndpointSlice) {
	svc := corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "httpbin"},
		Spec: corev1.ServiceSpec{ClusterIP: svcIP, ClusterIPs: []string{svcIP},
			Ports: []corev1.ServicePort{{Name: "http", Port: svcPort, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}}},
	}
	ready := true
	name, port := "http", int32(8080)
	slice := discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: "httpbin-x7k2p", Labels: map[string]string{discoveryv1.LabelServiceName: "httpbin"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
	}
	for _, e := range []struct{ pod, node, ip string }{{"httpbin-0", node0, ip0}, {"httpbin", node1, ip1}} {
		node := e.node
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{Addresses: []string{e.ip},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready}, NodeName: &node,
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: e.pod}})
	}
	return []corev1.Service{svc}, []discoveryv1.EndpointSlice{slice}
}

// labScenario describes a lab's nodes, pods and the httpbin Service.
func labScenario(lab *netnslab.Lab, source string) *walktest.Scenario {
	s := &walktest.Scenario{Manifest: nodefactstest.Manifest{Source: source}}
	for _, node := range []string{"node1", "node2"} {
		s.Nodes = append(s.Nodes, nodefactstest.NodeInfo{Name: node, InternalIP: lab.NodeIPs[node]})
	}
	for _, p := range lab.Pods {
		s.Pods = append(s.Pods, nodefactstest.PodInfo{Namespace: p.Namespace, Name: p.Name, UID: p.UID, Node: p.Node,
			IPs: p.IPs, ContainerIDs: p.ContainerIDs})
	}
	s.Services, s.EndpointSlices = httpbinObjects(lab)
	return s
}

// serveHTTP runs busybox httpd on port 8080 in the pod's namespace until the test ends.
func serveHTTP(t *testing.T, pod *netnslab.Pod) {
	t.Helper()
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Skip("needs busybox for an HTTP server in the lab pods")
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("httpbin "+pod.Name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nsenter", "--net=/run/netns/"+pod.Netns, "--", "busybox", "httpd", "-f", "-p", "8080", "-h", root)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting httpd in %s: %v", pod.Name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_, _ = cmd.Process.Wait()
	})
	for i := 0; i < 50; i++ {
		if out, _ := exec.Command("nsenter", "--net=/run/netns/"+pod.Netns, "--", "ss", "-Hltn", "sport = :8080").Output(); strings.Contains(string(out), "8080") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("httpd in %s did not listen", pod.Name)
}

// loadRules restores kube-proxy's nat rules into a node's namespace.
func loadRules(t *testing.T, ns, rules string) {
	t.Helper()
	netnslab.InWithStdin(t, ns, rules, "iptables-restore")
}

// labWalk is one walk run against a lab.
type labWalk struct {
	name    string
	request Request
}

var labWalks = []labWalk{
	{name: "pod-cross-node", request: Request{Source: api.PodRef{Namespace: "default", Name: "curl"}, Target: Target{Kind: TargetPod, Name: "httpbin"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}},
	{name: "pod-same-node", request: Request{Source: api.PodRef{Namespace: "default", Name: "curl"}, Target: Target{Kind: TargetPod, Name: "httpbin-0"}, Namespace: "default", Port: 8080, Protocol: ProtocolTCP}},
	{name: "service", request: Request{Source: api.PodRef{Namespace: "default", Name: "curl"}, Target: Target{Kind: TargetService, Name: "httpbin"}, Namespace: "default", Protocol: ProtocolTCP}},
	{name: "ping-cross-node", request: Request{Source: api.PodRef{Namespace: "default", Name: "curl"}, Target: Target{Kind: TargetPod, Name: "httpbin"}, Namespace: "default", Protocol: ProtocolICMP}},
}

// dataplaneKinds are the hops a person expects on a lab's paths, pod to pod.
type dataplaneKinds struct {
	cross, same []string
	// routedSame is the same-node path when the packet goes through the node's routing (a Service).
	routedSame []string
}

var (
	podStart     = []string{api.HopPodInterface, api.HopHostPeer}
	tunnelled    = []string{api.HopRoute, api.HopTunnel, api.HopUnderlay, api.HopRemoteUnderlay, api.HopDecapsulation, api.HopRemoteRoute}
	direct       = []string{api.HopRoute, api.HopUnderlay, api.HopRemoteUnderlay, api.HopRemoteRoute}
	toPod        = []string{api.HopDestinationHostPeer, api.HopDestinationPod}
	toBridgedPod = append([]string{api.HopBridge}, toPod...)
	calicoKinds  = dataplaneKinds{cross: cat(podStart, tunnelled, toPod), same: cat(podStart, []string{api.HopRoute}, toPod), routedSame: cat(podStart, []string{api.HopRoute}, toPod)}
	flannelKinds = dataplaneKinds{cross: cat(podStart, tunnelled, toBridgedPod), same: cat(podStart, toBridgedPod), routedSame: cat(podStart, []string{api.HopRoute}, toBridgedPod)}
	directKinds  = dataplaneKinds{cross: cat(podStart, direct, toPod), same: cat(podStart, []string{api.HopRoute}, toPod), routedSame: cat(podStart, []string{api.HopRoute}, toPod)}
)

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// wantKinds is the hop sequence of a path: a Service's translation comes after the host peer.
func (k dataplaneKinds) wantKinds(cross, service bool) []string {
	kinds := k.same
	switch {
	case cross:
		kinds = k.cross
	case service:
		kinds = k.routedSame
	}
	if !service {
		return kinds
	}
	return cat(kinds[:2], []string{api.HopServiceNAT}, kinds[2:])
}

func kindsOf(p api.WalkPath) []string {
	var out []string
	for _, h := range p.Hops {
		out = append(out, h.Kind)
	}
	return out
}

// runLab runs every lab walk against lab, checking each is observed at every hop with the reply
// received, then adds a DROP on node2 and checks the verdict names the last hop seen.
func runLab(t *testing.T, lab *netnslab.Lab, kinds dataplaneKinds, scenarioName, source string) {
	serveHTTP(t, lab.Pod("default", "httpbin"))
	serveHTTP(t, lab.Pod("default", "httpbin-0"))
	for _, node := range []string{"node1", "node2"} {
		loadRules(t, lab.Nodes[node], kubeProxyRules("10.244.0.0/16", lab.Pod("default", "httpbin-0").IPs[0], lab.Pod("default", "httpbin").IPs[0]))
	}
	s := labScenario(lab, source)
	rec := &nodefactstest.Recorder{Runner: lab.Runner, Names: map[int]string{}}
	for _, p := range lab.Pods {
		for _, pid := range p.PIDs {
			rec.Names[pid] = p.Name
		}
	}
	cluster := Cluster{Client: s.Client(), Runner: rec}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	observed := map[string]recordedObservation{}
	for _, lw := range labWalks {
		t.Run(lw.name, func(t *testing.T) {
			if _, err := exec.LookPath("ping"); err != nil && lw.request.Protocol == ProtocolICMP {
				t.Skip("needs ping on PATH")
			}
			start := time.Now()
			w, in, obs := walkAndObserve(t, ctx, cluster, lw.request)
			t.Logf("%s: whole walk took %s", lw.name, time.Since(start).Round(time.Millisecond))
			if testing.Verbose() {
				t.Logf("\n%s", renderText(w))
			}
			if w.Verdict.Result != api.VerdictReplyReceived {
				t.Fatalf("verdict = %s (%s), want %s\n%s", w.Verdict.Result, w.Verdict.Summary, api.VerdictReplyReceived, renderText(w))
			}
			chosen := chosenPath(t, w)
			for _, h := range chosen.Hops {
				if h.Capture == nil {
					continue
				}
				if h.Observed == nil || !h.Observed.Seen {
					t.Errorf("hop %s on %s/%s was not observed: %+v\n%s", h.Kind, h.Node, h.Interface, h.Observed, renderText(w))
				}
			}
			want := kinds.wantKinds(chosen.Node != in.Source.Node, in.Service != nil)
			if diff := cmp.Diff(want, kindsOf(chosen)); diff != "" {
				t.Errorf("hops of the path to %s (-want +got):\n%s", chosen.Endpoint, diff)
			}
			if want := chosen.Node != in.Source.Node; chosen.CrossNode != want {
				t.Errorf("path to %s on %s: CrossNode = %v, want %v", chosen.Endpoint, chosen.Node, chosen.CrossNode, want)
			}
			if in.Service != nil && (w.Probe.Endpoint == "" || !strings.HasSuffix(w.Probe.Endpoint, ":8080")) {
				t.Errorf("probe endpoint = %q, want the DNAT target", w.Probe.Endpoint)
			}
			var pcapng bytes.Buffer
			n, err := WritePcapng(&pcapng, w, in, obs)
			if err != nil || n < 2 {
				t.Errorf("pcapng of the walk: %d packets, %v", n, err)
			}
			observed[lw.name] = recordedObservation{Request: lw.request, SourcePort: in.SourcePort, Probe: *w.Probe, pcapng: pcapng.Bytes()}
		})
	}

	t.Run("drop-on-destination-node", func(t *testing.T) {
		httpbin := lab.Pod("default", "httpbin").IPs[0]
		netnslab.In(t, lab.Nodes["node2"], "iptables", "-I", "FORWARD", "-d", httpbin+"/32", "-j", "DROP")
		defer netnslab.In(t, lab.Nodes["node2"], "iptables", "-D", "FORWARD", "-d", httpbin+"/32", "-j", "DROP")
		w, in, obs := walkAndObserve(t, ctx, cluster, labWalks[0].request)
		var pcapng bytes.Buffer
		if _, err := WritePcapng(&pcapng, w, in, obs); err != nil {
			t.Fatal(err)
		}
		observed["drop-on-destination-node"] = recordedObservation{Request: labWalks[0].request, SourcePort: in.SourcePort, Probe: *w.Probe, pcapng: pcapng.Bytes()}
		v := w.Verdict
		if v.Result != api.VerdictStopped || v.LastSeen == nil || v.FirstMissing == nil {
			t.Fatalf("verdict = %+v, want Stopped with the last hop seen\n%s", v, renderText(w))
		}
		if v.LastSeen.Node != "node2" || v.FirstMissing.Kind != api.HopDestinationHostPeer {
			t.Errorf("last seen %+v, first missing %+v: want the last hop on node2 before the destination's host peer", v.LastSeen, v.FirstMissing)
		}
		if len(v.LikelyCauses) == 0 || !strings.Contains(v.LikelyCauses[0], "-A FORWARD -d "+httpbin+"/32 -j DROP") {
			t.Errorf("likely causes do not start with the DROP rule: %q", v.LikelyCauses)
		}
		t.Logf("verdict: %s; first cause: %s", v.Summary, v.LikelyCauses[0])
	})
	if *update && !t.Failed() {
		walktest.Save(t, rec, scenarioName, s)
		saveObservations(t, scenarioName, observed)
	}
}

func walkAndObserve(t *testing.T, ctx context.Context, c Cluster, req Request) (*api.Walk, *Input, *Observation) {
	t.Helper()
	in, err := Gather(ctx, c, req, randomSourcePort())
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	w, err := Reason(ctx, c.Runner, in)
	if err != nil {
		t.Fatalf("reasoning: %v", err)
	}
	obs, err := Observe(ctx, c.Runner, in, w, DefaultObserveOptions())
	if err != nil {
		t.Fatalf("observing: %v", err)
	}
	Judge(w, in, obs)
	diagnoseDrops(ctx, c.Runner, in, w)
	return w, in, obs
}

func chosenPath(t *testing.T, w *api.Walk) api.WalkPath {
	t.Helper()
	for _, p := range w.Paths {
		if p.Chosen {
			return p
		}
	}
	t.Fatalf("no path is marked chosen\n%s", renderText(w))
	return api.WalkPath{}
}

func renderText(w *api.Walk) string {
	var b strings.Builder
	_ = PrintText(&b, w, TextOptions{Explain: true})
	return b.String()
}

func TestKernelWalkCalicoVXLAN(t *testing.T) {
	netnslab.RequireRoot(t, "tcpdump", "curl", "iptables-restore", "ss")
	lab := netnslab.CalicoVXLAN(t)
	runLab(t, lab, calicoKinds, "calico-vxlan", "kernel lab: internal/netnslab CalicoVXLAN, recorded by go test ./pkg/walk -run KernelWalk -update")
}

func TestKernelWalkFlannel(t *testing.T) {
	netnslab.RequireRoot(t, "tcpdump", "curl", "iptables-restore", "ss")
	lab := netnslab.Flannel(t)
	runLab(t, lab, flannelKinds, "flannel", "kernel lab: internal/netnslab Flannel, recorded by go test ./pkg/walk -run KernelWalk -update")
}

// TestKernelWalkDirectRouting is Calico without encapsulation (BGP mode): each node routes the other's
// pod block straight to the other node's address on the shared underlay.
func TestKernelWalkDirectRouting(t *testing.T) {
	netnslab.RequireRoot(t, "tcpdump", "curl", "iptables-restore", "ss")
	lab := netnslab.CalicoVXLAN(t)
	blocks := map[string]string{"node1": "10.244.1.0/26", "node2": "10.244.2.0/26"}
	for node, ns := range lab.Nodes {
		netnslab.In(t, ns, "ip", "link", "del", "vxlan.calico")
		for other, block := range blocks {
			if other != node {
				netnslab.In(t, ns, "ip", "route", "replace", block, "via", lab.NodeIPs[other], "dev", "eth0", "proto", "bird")
			}
		}
	}
	runLab(t, lab, directKinds, "calico-direct", "kernel lab: internal/netnslab CalicoVXLAN with the VXLAN device removed and direct routes as Calico's BGP mode programs them, recorded by go test ./pkg/walk -run KernelWalk -update")
}
