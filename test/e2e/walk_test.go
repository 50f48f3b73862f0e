//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// The hops a person expects on the local cluster's dataplanes, pod to pod.
var (
	walkStart   = []string{api.HopPodInterface, api.HopHostPeer}
	walkTunnel  = []string{api.HopRoute, api.HopTunnel, api.HopUnderlay, api.HopRemoteUnderlay, api.HopDecapsulation, api.HopRemoteRoute}
	walkToPod   = []string{api.HopDestinationHostPeer, api.HopDestinationPod}
	walkBridged = append([]string{api.HopBridge}, walkToPod...)
)

// wantWalkKinds is the hop sequence for a dataplane, cross-node or not, to a pod or through a Service
// (whose translation comes right after the host peer).
func wantWalkKinds(dataplane string, cross, service bool) []string {
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	var kinds []string
	switch {
	case dataplane == framework.Flannel && cross:
		kinds = join(walkStart, walkTunnel, walkBridged)
	case dataplane == framework.Flannel && service:
		kinds = join(walkStart, []string{api.HopRoute}, walkBridged)
	case dataplane == framework.Flannel:
		// pod to pod on one bridge: switched, never routed by the node
		kinds = join(walkStart, walkBridged)
	case cross:
		kinds = join(walkStart, walkTunnel, walkToPod)
	default:
		kinds = join(walkStart, []string{api.HopRoute}, walkToPod)
	}
	if service {
		kinds = join(kinds[:2], []string{api.HopServiceNAT}, kinds[2:])
	}
	return kinds
}

// runWalk runs `kubectl packetwalk pod curl --to … -o json` and returns the walk, logging how long the
// whole command took.
func runWalk(t *testing.T, c *framework.Cluster, args ...string) (*api.Walk, framework.PluginResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	all := append([]string{"pod", "curl", "-n", "default", "-o", "json", "--image", c.Image}, args...)
	framework.Plugin(t) // built before the clock starts
	start := time.Now()
	res := c.RunPlugin(t, ctx, all...)
	t.Logf("kubectl packetwalk %s: the whole command took %s", strings.Join(all, " "), time.Since(start).Round(time.Millisecond))
	var w api.Walk
	if err := json.Unmarshal([]byte(res.Stdout), &w); err != nil {
		t.Fatalf("-o json is not a Walk (exit %d): %v\nstdout: %s\nstderr: %s", res.ExitCode, err, res.Stdout, res.Stderr)
	}
	return &w, res
}

func chosen(t *testing.T, w *api.Walk) api.WalkPath {
	t.Helper()
	for _, p := range w.Paths {
		if p.Chosen {
			return p
		}
	}
	t.Fatalf("no path taken by the probe: %+v", w.Verdict)
	return api.WalkPath{}
}

func hopKinds(p api.WalkPath) []string {
	var out []string
	for _, h := range p.Hops {
		out = append(out, h.Kind)
	}
	return out
}

// TestWalkCurlToHttpbin walks curl → httpbin by pod and by Service, across nodes (httpbin on node 2) and
// on one node (httpbin-local, node 1): every hop observed, the reply received.
func TestWalkCurlToHttpbin(t *testing.T) {
	c := framework.Load(t)
	curl := c.Pod(t, "default", "curl")
	httpbin := c.Pod(t, "default", "httpbin")
	local := c.Pod(t, "default", "httpbin-local")
	pcapng := filepath.Join(t.TempDir(), "walk.pcapng")
	tests := []struct {
		name     string
		args     []string
		endpoint string
		cross    bool
		service  bool
	}{
		{name: "pod cross-node", args: []string{"--to", "httpbin", "--port", "8080"}, endpoint: httpbin.Status.PodIP + ":8080", cross: true},
		{name: "pod same-node", args: []string{"--to", "pod/httpbin-local", "--port", "8080"}, endpoint: local.Status.PodIP + ":8080"},
		{name: "Service cross-node", args: []string{"--to", "svc/httpbin", "-w", pcapng}, endpoint: httpbin.Status.PodIP + ":8080", cross: true, service: true},
		{name: "Service same-node", args: []string{"--to", "svc/httpbin-local:80"}, endpoint: local.Status.PodIP + ":8080", service: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, res := runWalk(t, c, tt.args...)
			if res.ExitCode != 0 || w.Verdict.Result != api.VerdictReplyReceived {
				t.Fatalf("exit %d, verdict %+v\nstderr: %s", res.ExitCode, w.Verdict, res.Stderr)
			}
			if w.Source.IP != curl.Status.PodIP || w.Source.Dataplane != c.Dataplane {
				t.Errorf("source %+v, want curl's %s on %s", w.Source, curl.Status.PodIP, c.Dataplane)
			}
			p := chosen(t, w)
			if p.Endpoint != tt.endpoint || p.CrossNode != tt.cross {
				t.Errorf("probe took the path to %s (cross-node %v), want %s (%v)", p.Endpoint, p.CrossNode, tt.endpoint, tt.cross)
			}
			if diff := cmp.Diff(wantWalkKinds(c.Dataplane, tt.cross, tt.service), hopKinds(p)); diff != "" {
				t.Errorf("hops (-want +got):\n%s", diff)
			}
			for _, h := range p.Hops {
				if h.Capture != nil && (h.Observed == nil || !h.Observed.Seen) {
					t.Errorf("hop %s at %s/%s not observed: %+v", h.Kind, h.Node, h.Interface, h.Observed)
				}
			}
			if tt.service {
				if w.Probe.Endpoint != tt.endpoint {
					t.Errorf("the probe's translated destination is %q, want %s", w.Probe.Endpoint, tt.endpoint)
				}
				expectRulesTranslate(t, c, w, tt.endpoint)
			}
			if w.Probe.HTTPStatus != 200 || w.Verdict.RTT == "" {
				t.Errorf("probe %+v", w.Probe)
			}
			t.Logf("verdict: %s", w.Verdict.Summary)
		})
	}

	t.Run("pcapng", func(t *testing.T) {
		f, err := os.Open(pcapng)
		if err != nil {
			t.Skipf("the Service walk wrote no pcapng: %v", err)
		}
		defer f.Close()
		rd, err := pcapread.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var p pcapread.Packet
		n := 0
		for rd.Next(&p) == nil {
			n++
		}
		var names []string
		for _, ifc := range rd.Interfaces() {
			names = append(names, ifc.Name)
		}
		// host peer, tunnel, underlay on node 1; underlay, tunnel, host peer on node 2
		if len(names) != 6 || n < 12 {
			t.Errorf("%d packets on interfaces %q: want the exchange on every hop", n, names)
		}
		if !strings.HasPrefix(names[0], curl.Spec.NodeName+"/") || !strings.HasSuffix(names[0], "(host peer)") {
			t.Errorf("first interface %q, want curl's host peer on %s", names[0], curl.Spec.NodeName)
		}
	})
}

// expectRulesTranslate checks that the walk found, in kube-proxy's own rules on the source node, the
// translation the probe went through, and reports no problem with it.
func expectRulesTranslate(t *testing.T, c *framework.Cluster, w *api.Walk, endpoint string) {
	t.Helper()
	if w.Service == nil || w.Service.Mode != c.ProxyMode {
		t.Fatalf("Service translation %+v, want kube-proxy mode %s", w.Service, c.ProxyMode)
	}
	inRules := false
	for _, e := range w.Service.Endpoints {
		inRules = inRules || (e.Address == endpoint && e.InRules && e.Probability > 0)
	}
	if c.ProxyMode == "replaced" {
		// Cilium's socket LB: the endpoint is in Cilium's own Service map, read from its agent, and the
		// translation is at connect(), so no iptables chain and no DNAT in the host stack is claimed.
		if !inRules || w.Service.At != api.TranslatedAtSocket || len(w.Service.Chains) != 0 || len(w.Service.Skipped) == 0 {
			t.Errorf("Cilium's Service map does not send %s:%d to %s at the socket: %+v", w.Service.ClusterIP, w.Service.Port, endpoint, w.Service)
		}
	} else if !inRules || len(w.Service.Chains) < 2 {
		t.Errorf("kube-proxy's %s rules do not send %s:%d to %s: chains %q, endpoints %+v",
			c.ProxyMode, w.Service.ClusterIP, w.Service.Port, endpoint, w.Service.Chains, w.Service.Endpoints)
	}
	for _, h := range chosen(t, w).Hops {
		if h.Kind == api.HopServiceNAT && len(h.Problems) > 0 {
			t.Errorf("the Service hop reports problems: %q", h.Problems)
		}
	}
}

// TestWalkNamesTheLastHopBeforeADrop drops the probe (only it: its source port) on the destination node
// and checks the verdict names where it was last seen, where it went missing, and the rule.
func TestWalkNamesTheLastHopBeforeADrop(t *testing.T) {
	c := framework.Load(t)
	if c.Dataplane == framework.Cilium {
		// Seen on the local cluster: with this rule in place the probe still gets its reply, because
		// Cilium's eBPF program on cilium_vxlan hands the packet to the pod's lxc device directly. A drop
		// on Cilium is a policy drop, counted by the agent: TestWalkNamesTheDenyingNetworkPolicy.
		t.Skip("Cilium delivers cross-node packets to the pod without the node's FORWARD chain: an iptables DROP there is never reached")
	}
	httpbin := c.Pod(t, "default", "httpbin")
	port := strconv.Itoa(45000 + int(time.Now().UnixNano()%10000))
	rule := []string{"FORWARD", "-p", "tcp", "--sport", port, "-d", httpbin.Status.PodIP + "/32", "-j", "DROP"}
	c.NodeNetnsRun(t, httpbin.Spec.NodeName, append([]string{"iptables", "-I"}, rule...)...)
	t.Cleanup(func() { c.NodeNetnsRun(t, httpbin.Spec.NodeName, append([]string{"iptables", "-D"}, rule...)...) })

	w, res := runWalk(t, c, "--to", "httpbin", "--port", "8080", "--source-port", port, "--probe-timeout", "2s")
	v := w.Verdict
	if res.ExitCode == 0 || v.Result != api.VerdictStopped || v.LastSeen == nil || v.FirstMissing == nil {
		t.Fatalf("exit %d, verdict %+v\nstderr: %s", res.ExitCode, v, res.Stderr)
	}
	if v.LastSeen.Node != httpbin.Spec.NodeName || v.LastSeen.Kind != api.HopDecapsulation || v.FirstMissing.Kind != api.HopDestinationHostPeer {
		t.Errorf("last seen %+v, first missing %+v: want the decapsulation on %s, then the destination's host peer", v.LastSeen, v.FirstMissing, httpbin.Spec.NodeName)
	}
	if len(v.LikelyCauses) == 0 || !strings.Contains(v.LikelyCauses[0], "--sport "+port) || !strings.Contains(v.LikelyCauses[0], "-j DROP") {
		t.Errorf("likely causes do not start with the DROP rule: %q", v.LikelyCauses)
	}
	t.Logf("verdict: %s; first cause: %s", v.Summary, v.LikelyCauses[0])
}

// recordingName names a recording of the local cluster: cluster-<dataplane>, and -kpr for Cilium's kube-proxy
// replacement.
func recordingName(c *framework.Cluster) string {
	if c.ProxyMode == "replaced" {
		return "cluster-" + c.Dataplane + "-kpr"
	}
	return "cluster-" + c.Dataplane
}

var recordWalk = flag.Bool("record-walk", false, "record what the nodes answered to the walks into pkg/walk/testdata/cluster-<dataplane>")

// TestWalkRecordCluster records, with -record-walk, what the local cluster's nodes answer to the walks
// curl → httpbin and httpbin-local by pod and by Service (kube-proxy's own rules included), for the unit
// tests of pkg/walk. It reasons through packetwalk's own helper pods and runner, as the command does.
func TestWalkRecordCluster(t *testing.T) {
	if !*recordWalk {
		t.Skip("records only with -record-walk")
	}
	c := framework.Load(t)
	ctx := context.Background()
	rec := &nodefactstest.Recorder{Runner: packetwalkRunner(t, c, helperpod.ProfileWalk), Names: map[int]string{}}
	cluster := walk.Cluster{Client: c.Client, Runner: rec}
	curl := api.PodRef{Namespace: "default", Name: "curl"}
	requests := []walk.Request{
		{Source: curl, Target: walk.Target{Kind: walk.TargetPod, Name: "httpbin"}, Namespace: "default", Port: 8080, Protocol: walk.ProtocolTCP},
		{Source: curl, Target: walk.Target{Kind: walk.TargetPod, Name: "httpbin-local"}, Namespace: "default", Port: 8080, Protocol: walk.ProtocolTCP},
		{Source: curl, Target: walk.Target{Kind: walk.TargetService, Name: "httpbin"}, Namespace: "default", Protocol: walk.ProtocolTCP},
		{Source: curl, Target: walk.Target{Kind: walk.TargetService, Name: "httpbin-local"}, Namespace: "default", Protocol: walk.ProtocolTCP},
	}
	for _, req := range requests {
		in, err := walk.Gather(ctx, cluster, req, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := walk.Reason(ctx, rec, in); err != nil {
			t.Fatal(err)
		}
	}
	s := &walktest.Scenario{Manifest: nodefactstest.Manifest{Source: "local cluster (hack/cluster, " + c.Dataplane + "), recorded by go test -tags e2e ./test/e2e -run TestWalkRecordCluster -record-walk"}}
	for _, n := range c.Nodes {
		s.Nodes = append(s.Nodes, nodefactstest.NodeInfo{Name: n.Name, InternalIP: n.IP, PodCIDRs: []string{n.PodCIDR}})
	}
	for _, name := range []string{"curl", "httpbin", "httpbin-local"} {
		p := c.Pod(t, "default", name)
		info := nodefactstest.PodInfo{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID), Node: p.Spec.NodeName}
		for _, ip := range p.Status.PodIPs {
			info.IPs = append(info.IPs, ip.IP)
		}
		for _, cs := range p.Status.ContainerStatuses {
			info.ContainerIDs = append(info.ContainerIDs, cs.ContainerID)
		}
		s.Pods = append(s.Pods, info)
	}
	for _, name := range []string{"httpbin", "httpbin-local"} {
		svc, err := c.Client.CoreV1().Services("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Services = append(s.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name}, Spec: svc.Spec})
		slices, err := c.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range slices.Items {
			s.EndpointSlices = append(s.EndpointSlices, discoveryv1.EndpointSlice{
				ObjectMeta:  metav1.ObjectMeta{Namespace: sl.Namespace, Name: sl.Name, Labels: map[string]string{discoveryv1.LabelServiceName: name}},
				AddressType: sl.AddressType, Endpoints: sl.Endpoints, Ports: sl.Ports})
		}
	}
	walktest.Save(t, rec, recordingName(c), s)
}
