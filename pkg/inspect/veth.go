package inspect

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// nodeParallelism bounds how many nodes are asked at once.
const nodeParallelism = 4

// Veths finds where each of pods plugs into its node: one row per pod interface, or one row saying why
// a pod has none to show. Pods on one node cost two execs on that node's helper pod, whatever their number.
func Veths(ctx context.Context, client kubernetes.Interface, r noderun.Runner, pods []*corev1.Pod) (*api.VethList, *Explanation, error) {
	rows := make([][]api.Veth, len(pods))
	byNode := map[string][]int{}
	nodes := map[string]*corev1.Node{}
	for i, p := range pods {
		if row, done := precheck(ctx, client, nodes, p); done {
			rows[i] = []api.Veth{row}
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], i)
	}

	names := make([]string, 0, len(byNode))
	for n := range byNode {
		names = append(names, n)
	}
	sort.Strings(names)
	explanations := make([]Explanation, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, nodeParallelism)
	for k, node := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			idx := byNode[node]
			nodePods := make([]*corev1.Pod, len(idx))
			for j, i := range idx {
				nodePods[j] = pods[i]
			}
			got := vethsOnNode(ctx, r, node, nodePods, &explanations[k])
			for j, i := range idx {
				rows[i] = got[j]
			}
		}()
	}
	wg.Wait()

	list := &api.VethList{TypeMeta: api.TypeMeta{APIVersion: api.APIVersion, Kind: "VethList"}, Items: []api.Veth{}}
	for _, rs := range rows {
		list.Items = append(list.Items, rs...)
	}
	ex := &Explanation{}
	for _, e := range explanations {
		ex.Steps = append(ex.Steps, e.Steps...)
	}
	return list, ex, ctx.Err()
}

func newVeth(p *corev1.Pod) api.Veth {
	return api.Veth{
		TypeMeta: api.TypeMeta{APIVersion: api.APIVersion, Kind: "Veth"},
		Pod:      api.PodRef{Namespace: p.Namespace, Name: p.Name},
		Node:     p.Spec.NodeName,
	}
}

// precheck answers the pods that have no namespace to look at, and the pods on nodes that cannot be
// asked, without running anything on a node.
func precheck(ctx context.Context, client kubernetes.Interface, nodes map[string]*corev1.Node, p *corev1.Pod) (api.Veth, bool) {
	v := newVeth(p)
	switch {
	case p.Spec.NodeName == "":
		v.Status, v.Message = api.VethNotScheduled, "not scheduled to a node yet"+schedulingReason(p)
		return v, true
	case p.Spec.HostNetwork:
		v.Status = api.VethHostNetwork
		v.Message = fmt.Sprintf("hostNetwork pod: no veth of its own, it uses node %s's interfaces and addresses", p.Spec.NodeName)
		if ips := nodefacts.PodIPs(p); len(ips) > 0 {
			v.Message += fmt.Sprintf(" (%s)", joinAddrs(ips))
		}
		return v, true
	case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
		v.Status, v.Message = api.VethNotRunning, fmt.Sprintf("pod has finished (%s): its network namespace is gone", p.Status.Phase)
		return v, true
	case len(nodefacts.PodIPs(p)) == 0:
		v.Status, v.Message = api.VethNotRunning, fmt.Sprintf("pod has no IP yet (%s%s)", p.Status.Phase, waitingReason(p))
		return v, true
	}
	node, ok := nodes[p.Spec.NodeName]
	if !ok {
		var err error
		node, err = client.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			v.Status, v.Message = api.VethError, fmt.Sprintf("getting node %s: %v", p.Spec.NodeName, err)
			return v, true
		}
		nodes[p.Spec.NodeName] = node
	}
	if os := nodeOS(node); os != "linux" {
		v.Status = api.VethWindowsNode
		v.Message = fmt.Sprintf("node %s runs %s: packetwalk reads Linux network namespaces only", node.Name, os)
		return v, true
	}
	if !nodeReady(node) {
		v.Status = api.VethNodeNotReady
		v.Message = fmt.Sprintf("node %s is not Ready: its helper pod could not run; check `kubectl describe node %s`", node.Name, node.Name)
		return v, true
	}
	return v, false
}

func schedulingReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return ": " + c.Message
		}
	}
	return ""
}

func waitingReason(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return ", " + cs.Name + " " + w.Reason
		}
	}
	return ""
}

func nodeOS(n *corev1.Node) string {
	if os := n.Labels[corev1.LabelOSStable]; os != "" {
		return os
	}
	if n.Status.NodeInfo.OperatingSystem != "" {
		return n.Status.NodeInfo.OperatingSystem
	}
	return "linux"
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// vethsOnNode gathers node's facts and its pods' namespaces, and builds their rows, in pods' order.
func vethsOnNode(ctx context.Context, r noderun.Runner, node string, pods []*corev1.Pod, ex *Explanation) [][]api.Veth {
	out := make([][]api.Veth, len(pods))
	n, lookups, err := nodefacts.Gather(ctx, r, node, pods, nodefacts.WantVeth)
	if err != nil {
		for i, p := range pods {
			v := newVeth(p)
			v.Status, v.Message = api.VethError, err.Error()
			out[i] = []api.Veth{v}
		}
		return out
	}
	plugin, _ := plugins.Detect(n)
	nodeWarnings := append(plugin.Warnings(n), n.Problems...)
	explainScan(ex, lookups)
	for i, l := range lookups {
		if l.Err != nil {
			v := newVeth(l.Pod)
			v.Status, v.Message = api.VethNetnsNotFound, l.Err.Error()
			out[i] = []api.Veth{v}
			continue
		}
		atts := podnet.Attach(l.Net.Links, n.Links)
		podnet.Confirm(atts, nodefacts.PodIPs(l.Pod), n.Routes, n.FDB)
		explainPod(ex, n, l, atts)
		if len(atts) == 0 {
			v := newVeth(l.Pod)
			v.Status, v.Message = api.VethNetnsNotFound, "the pod's network namespace has no interface but loopback"
			out[i] = []api.Veth{v}
			continue
		}
		for _, a := range atts {
			v := vethRow(n, plugin, l, a)
			v.Warnings = append(v.Warnings, nodeWarnings...)
			out[i] = append(out[i], v)
		}
	}
	explainNode(ex, n, lookups)
	return out
}

func vethRow(n *nodefacts.Node, plugin dataplane.Plugin, l nodefacts.PodLookup, a podnet.Attachment) api.Veth {
	v := newVeth(l.Pod)
	v.Status, v.Dataplane = api.VethOK, plugin.Name()
	pl := a.PodLink
	v.Interface = &api.PodInterface{Name: pl.Name, Index: pl.Index, PeerIndex: pl.PeerIndex, MAC: pl.MAC, MTU: pl.MTU, Kind: pl.Kind()}
	for _, p := range pl.Prefixes() {
		if !p.Addr().IsLinkLocalUnicast() {
			v.Interface.IPs = append(v.Interface.IPs, p.Addr().String())
		}
	}
	if m := dataplane.EffectivePodMTU(l.Net, pl); m != pl.MTU {
		v.Interface.RouteMTU = m
	}
	if !a.Verified {
		v.Message = notAVeth(n, a)
		return v
	}
	hp := a.HostPeer
	v.HostPeer = &api.HostPeer{Name: hp.Name, Index: hp.Index, PeerIndex: hp.PeerIndex, MAC: hp.MAC, MTU: hp.MTU,
		Master: hp.Master, Verified: true, ConfirmedBy: a.ConfirmedBy}
	if on, known := n.Sysctls.ProxyARP(hp.Name); known {
		v.HostPeer.ProxyARP = &on
	}
	d := plugin.Describe(n, l.Net, a)
	v.HostPeer.ExpectedName = d.ExpectedPeerName
	v.Gateway = d.Gateway
	v.Warnings = append(v.Warnings, d.Warnings...)
	for _, s := range v.Interface.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		if r, ok := n.Routes.Lookup(ip); ok {
			v.HostRoutes = append(v.HostRoutes, api.Route{Dst: r.Dst, Gateway: r.Gateway, Dev: r.Dev, OnLink: r.OnLink()})
		}
	}
	if pl.MTU != 0 && hp.MTU != 0 && pl.MTU != hp.MTU {
		v.Warnings = append(v.Warnings, fmt.Sprintf("MTU differs: %d in the pod, %d on %s", pl.MTU, hp.MTU, hp.Name))
	}
	return v
}

// notAVeth explains a pod interface that has no veth peer in the node's namespace.
func notAVeth(n *nodefacts.Node, a podnet.Attachment) string {
	pl := a.PodLink
	switch kind := pl.Kind(); {
	case kind == "macvlan" || kind == "ipvlan" || kind == "vlan":
		if lower, ok := n.Links.ByIndex(pl.PeerIndex); ok && pl.PeerNetnsID != nil {
			return fmt.Sprintf("%s is a %s on the node's %s (ifindex %d): no veth, its traffic leaves by %s directly (a secondary network, e.g. Multus)", pl.Name, kind, lower.Name, lower.Index, lower.Name)
		}
		return fmt.Sprintf("%s is a %s whose lower device is not in this node's namespace (a secondary network, e.g. Multus)", pl.Name, kind)
	case pl.PeerIndex == 0:
		return fmt.Sprintf("%s (%s) has no peer interface in another namespace", pl.Name, cmp.Or(kind, "no kind"))
	case a.HostPeer.Name != "":
		return fmt.Sprintf("%s@if%d: ifindex %d on the node is %s, which does not point back (its peer is if%d): the peer is in another namespace than the node's", pl.Name, pl.PeerIndex, pl.PeerIndex, a.HostPeer.Name, a.HostPeer.PeerIndex)
	}
	return fmt.Sprintf("%s@if%d: the node has no interface %d: the peer is in another namespace than the node's", pl.Name, pl.PeerIndex, pl.PeerIndex)
}

func joinAddrs(ips []netip.Addr) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ", ")
}

// linkName renders a link as `ip` does: name@ifPEER.
func linkName(l iproute.Link) string {
	if l.PeerIndex != 0 {
		return fmt.Sprintf("%s@if%d", l.Name, l.PeerIndex)
	}
	return l.Name
}
