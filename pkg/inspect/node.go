package inspect

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/plugins"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// NodeNetwork is a node's network at a glance: dataplane and how it was recognised, tunnels and MTUs,
// routes to other nodes' pods, kube-proxy's mode, and the node's pods with their host peers.
func NodeNetwork(ctx context.Context, client kubernetes.Interface, r noderun.Runner, name string) (*api.NodeNetwork, *Explanation, error) {
	node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("getting node %s: %w", name, err)
	}
	out := &api.NodeNetwork{TypeMeta: api.TypeMeta{APIVersion: api.APIVersion, Kind: "NodeNetwork"}, Node: name,
		Ready: nodeReady(node), OS: nodeOS(node), Links: []api.Link{}}
	if out.OS != "linux" {
		return nil, nil, fmt.Errorf("node %s runs %s: packetwalk reads Linux network namespaces only", name, out.OS)
	}
	if !out.Ready {
		return nil, nil, fmt.Errorf("node %s is not Ready: its helper pod could not run; check `kubectl describe node %s`", name, name)
	}
	podList, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", name).String()})
	if err != nil {
		return nil, nil, fmt.Errorf("listing pods on node %s: %w", name, err)
	}
	var pods, looked []*corev1.Pod
	for i := range podList.Items {
		if podList.Items[i].Spec.NodeName == name {
			pods = append(pods, &podList.Items[i])
		}
	}
	sort.Slice(pods, func(i, j int) bool {
		return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name
	})
	for _, p := range pods {
		if nodefacts.Attachable(p) == nil {
			looked = append(looked, p)
		}
	}
	n, lookups, err := nodefacts.Gather(ctx, r, name, looked, nodefacts.WantAll)
	if err != nil {
		return nil, nil, err
	}
	plugin, det := plugins.Detect(n)
	out.Dataplane, out.DataplaneEvidence = plugin.Name(), det.Evidence
	for _, l := range n.Links {
		out.Links = append(out.Links, api.Link{Index: l.Index, Name: l.Name, Kind: l.Kind(), MAC: l.MAC, MTU: l.MTU})
	}
	out.KubeProxyMode, out.KubeProxyEvidence = string(n.KubeProxy.Mode), n.KubeProxy.Evidence
	if lb, ok := plugin.ServiceLB(n); ok && lb.Mode != "" {
		out.KubeProxyMode = lb.Mode
		out.KubeProxyEvidence = append(append([]string(nil), n.KubeProxy.Evidence...), lb.Evidence...)
	}

	found := map[string]nodefacts.PodLookup{}
	for _, l := range lookups {
		found[l.Pod.Namespace+"/"+l.Pod.Name] = l
	}
	mtus := map[int]int{}
	for _, p := range pods {
		pa := api.PodAttachment{Pod: api.PodRef{Namespace: p.Namespace, Name: p.Name}, HostNetwork: p.Spec.HostNetwork}
		for _, ip := range nodefacts.PodIPs(p) {
			pa.IPs = append(pa.IPs, ip.String())
		}
		if err := nodefacts.Attachable(p); err != nil {
			pa.Status, pa.Message = attachStatus(p), err.Error()
			out.Pods = append(out.Pods, pa)
			continue
		}
		l := found[p.Namespace+"/"+p.Name]
		if l.Err != nil || l.Net == nil {
			pa.Status, pa.Message = api.VethNetnsNotFound, errText(l.Err)
			out.Pods = append(out.Pods, pa)
			continue
		}
		for _, a := range podnet.Attach(l.Net.Links, n.Links) {
			one := pa
			one.Interface = a.PodLink.Name
			if a.Verified {
				one.HostInterface, one.HostIfIndex = a.HostPeer.Name, a.HostPeer.Index
				mtus[dataplane.EffectivePodMTU(l.Net, a.PodLink)]++
			} else {
				one.Message = notAVeth(n, a)
			}
			out.Pods = append(out.Pods, one)
		}
	}
	out.PodMTU = mostCommon(mtus)

	for _, t := range plugin.Tunnels(n) {
		e := api.Encapsulation{Type: t.Type, Device: t.Device, VNI: t.VNI, Port: t.Port, Local: t.Local, MTU: t.MTU,
			Underlay: t.Underlay, Overhead: t.Overhead}
		if u, ok := n.Links.ByName(t.Underlay); ok {
			e.UnderlayMTU = u.MTU
		}
		podMTU := out.PodMTU
		if podMTU == 0 {
			podMTU = t.MTU
		}
		e.Fits = e.UnderlayMTU == 0 || podMTU+t.Overhead <= e.UnderlayMTU
		if !e.Fits {
			out.Warnings = append(out.Warnings, fmt.Sprintf("pod MTU %d + %s overhead %d = %d exceeds %s's MTU %d: large packets will be dropped or fragmented",
				podMTU, t.Type, t.Overhead, podMTU+t.Overhead, t.Underlay, e.UnderlayMTU))
		}
		out.Encapsulation = append(out.Encapsulation, e)
	}
	out.PodRoutes = podRoutes(ctx, client, n, name)
	out.Warnings = append(out.Warnings, plugin.Warnings(n)...)
	out.Warnings = append(out.Warnings, n.Problems...)
	return out, explainNodeView(n, out), nil
}

// explainNodeView says what each of the node's commands proved for the node view.
func explainNodeView(n *nodefacts.Node, out *api.NodeNetwork) *Explanation {
	ex := &Explanation{}
	for _, c := range n.Commands {
		var proved []string
		switch argv := strings.Join(c.Argv, " "); {
		case c.Err != "":
		case strings.Contains(argv, " addr show"):
			proved = append(proved, fmt.Sprintf("%d links; dataplane %s: %s", len(n.Links), out.Dataplane, strings.Join(out.DataplaneEvidence, "; ")))
			for _, e := range out.Encapsulation {
				proved = append(proved, fmt.Sprintf("%s device %s (VNI %d, port %d, MTU %d) over %s (MTU %d)", e.Type, e.Device, e.VNI, e.Port, e.MTU, e.Underlay, e.UnderlayMTU))
			}
		case strings.Contains(argv, " route show"):
			for _, r := range out.PodRoutes {
				if (strings.Contains(argv, "-6") && strings.Contains(r.Dst, ":")) || (!strings.Contains(argv, "-6") && !strings.Contains(r.Dst, ":")) {
					proved = append(proved, fmt.Sprintf("%s → node %s", printer.Route(r), r.Node))
				}
			}
		case strings.Contains(argv, "fdb show") || strings.Contains(argv, "neigh show"):
			for _, r := range out.PodRoutes {
				if r.VTEP != "" {
					proved = append(proved, fmt.Sprintf("%s's MAC is forwarded to VTEP %s (node %s)", r.Gateway, r.VTEP, r.Node))
				}
			}
		case strings.HasPrefix(argv, "iptables-save") || strings.HasPrefix(argv, "nft "):
			proved = append(proved, fmt.Sprintf("kube-proxy mode %s: %s", out.KubeProxyMode, strings.Join(out.KubeProxyEvidence, "; ")))
		}
		ex.add(c, proved...)
	}
	return ex
}

func attachStatus(p *corev1.Pod) string {
	switch {
	case p.Spec.HostNetwork:
		return api.VethHostNetwork
	case p.Spec.NodeName == "":
		return api.VethNotScheduled
	}
	return api.VethNotRunning
}

func errText(err error) string {
	if err == nil {
		return "not found"
	}
	return err.Error()
}

func mostCommon(counts map[int]int) int {
	best, n := 0, 0
	for v, c := range counts {
		if c > n || (c == n && v < best) {
			best, n = v, c
		}
	}
	return best
}

// podRoutes are the node's routes to other nodes' pods: routes whose destination lies in another node's
// pod CIDR, or whose next hop is another node (directly, or as the VTEP behind a tunnel neighbour).
func podRoutes(ctx context.Context, client kubernetes.Interface, n *nodefacts.Node, self string) []api.Route {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	type owner struct {
		name  string
		cidrs []netip.Prefix
		addrs map[string]bool
	}
	var owners []owner
	for _, nd := range nodes.Items {
		if nd.Name == self {
			continue
		}
		o := owner{name: nd.Name, addrs: map[string]bool{}}
		for _, c := range append([]string{nd.Spec.PodCIDR}, nd.Spec.PodCIDRs...) {
			if p, err := netip.ParsePrefix(c); err == nil {
				o.cidrs = append(o.cidrs, p)
			}
		}
		for _, a := range nd.Status.Addresses {
			o.addrs[a.Address] = true
		}
		owners = append(owners, o)
	}
	var out []api.Route
	for _, r := range n.Routes {
		if r.Dst == "default" || (r.Type != "" && r.Type != "unicast") {
			continue
		}
		dst, ok := r.DstPrefix(familyOfRoute(r))
		if !ok || dst.Bits() == dst.Addr().BitLen() {
			continue
		}
		vtep, _, _ := n.RemoteVTEP(r.Gateway, r.Dev)
		for _, o := range owners {
			inCIDR := false
			for _, c := range o.cidrs {
				if c.Overlaps(dst) {
					inCIDR = true
				}
			}
			if inCIDR || o.addrs[r.Gateway] || (vtep != "" && o.addrs[vtep]) {
				route := api.Route{Dst: r.Dst, Gateway: r.Gateway, Dev: r.Dev, OnLink: r.OnLink(), Node: o.name}
				if vtep != r.Gateway {
					route.VTEP = vtep
				}
				out = append(out, route)
				break
			}
		}
	}
	return out
}

func familyOfRoute(r iproute.Route) string {
	if a, err := netip.ParseAddr(r.Gateway); err == nil && a.Is6() {
		return "inet6"
	}
	if p, err := netip.ParsePrefix(r.Dst); err == nil && p.Addr().Is6() {
		return "inet6"
	}
	return "inet"
}
