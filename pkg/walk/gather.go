package walk

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/plugins"
)

// Cluster is what a walk reads: the API and the nodes.
type Cluster struct {
	Client kubernetes.Interface
	Runner noderun.Runner
	// Preflight, if set, checks the nodes before anything runs on them (helper pod admission).
	Preflight func(ctx context.Context, nodes ...string) error
}

// Gather reads the source pod and the destination from the API, then the facts of every node involved
// (one batch per node, all nodes at once) with the network namespaces of the source and endpoint pods.
func Gather(ctx context.Context, c Cluster, req Request, sourcePort int) (*Input, error) {
	res, err := resolve(ctx, c.Client, req)
	if err != nil {
		return nil, err
	}
	in := &Input{
		Source:     *podView(res.source),
		SourceIP:   res.sourceIP,
		SourcePort: sourcePort,
		Protocol:   req.Protocol,
		Dest:       res.dest,
		Service:    res.service,
		Endpoints:  res.endpoints,
		Nodes:      map[string]*NodeView{},
		Routes:     RouteAnswers{},
	}
	if req.Protocol == ProtocolICMP {
		in.SourcePort = 0
	}
	// Which pods' namespaces to read on which node.
	podsOn := map[string][]*corev1.Pod{in.Source.Node: nil}
	if !res.source.Spec.HostNetwork {
		podsOn[in.Source.Node] = append(podsOn[in.Source.Node], res.source)
	}
	for i := range in.Endpoints {
		ep := &in.Endpoints[i]
		if ep.Node == "" {
			continue
		}
		if _, ok := podsOn[ep.Node]; !ok {
			podsOn[ep.Node] = nil
		}
		if pod := res.pods[ep.IP]; pod != nil && !pod.Spec.HostNetwork && !contains(podsOn[ep.Node], pod) {
			podsOn[ep.Node] = append(podsOn[ep.Node], pod)
		}
	}
	if c.Preflight != nil {
		nodes := make([]string, 0, len(podsOn))
		for n := range podsOn {
			nodes = append(nodes, n)
		}
		sort.Strings(nodes)
		if err := c.Preflight(ctx, nodes...); err != nil {
			return nil, err
		}
	}
	views, err := gatherNodes(ctx, c, podsOn)
	if err != nil {
		return nil, err
	}
	in.Nodes = views.nodes
	if in.Service != nil {
		in.ServiceTable = readServiceTable(ctx, c, in.Nodes[in.Source.Node])
	}
	in.Source.Net, in.Source.LookupErr = views.net(res.source)
	for i := range in.Endpoints {
		ep := &in.Endpoints[i]
		if ep.Pod != nil {
			if pod := res.pods[ep.IP]; pod != nil {
				ep.Pod.Net, ep.Pod.LookupErr = views.net(pod)
			}
		}
	}
	return in, nil
}

func contains(pods []*corev1.Pod, p *corev1.Pod) bool {
	for _, q := range pods {
		if q.UID == p.UID && q.Name == p.Name && q.Namespace == p.Namespace {
			return true
		}
	}
	return false
}

type nodeViews struct {
	nodes   map[string]*NodeView
	lookups map[string]nodefacts.PodLookup // by namespace/name
}

func (v nodeViews) net(pod *corev1.Pod) (*nodefacts.PodNet, string) {
	if pod.Spec.HostNetwork {
		return nil, ""
	}
	l, ok := v.lookups[pod.Namespace+"/"+pod.Name]
	if !ok {
		return nil, "the pod's node was not read"
	}
	if l.Err != nil {
		return nil, l.Err.Error()
	}
	return l.Net, ""
}

// gatherNodes reads every node at once.
func gatherNodes(ctx context.Context, c Cluster, podsOn map[string][]*corev1.Pod) (nodeViews, error) {
	v := nodeViews{nodes: map[string]*NodeView{}, lookups: map[string]nodefacts.PodLookup{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := map[string]error{}
	for node, pods := range podsOn {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nv, lookups, err := gatherNode(ctx, c, node, pods)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[node] = err
				return
			}
			v.nodes[node] = nv
			for _, l := range lookups {
				v.lookups[l.Pod.Namespace+"/"+l.Pod.Name] = l
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		names := make([]string, 0, len(errs))
		for n := range errs {
			names = append(names, n)
		}
		sort.Strings(names)
		return v, errs[names[0]]
	}
	return v, nil
}

func gatherNode(ctx context.Context, c Cluster, node string, pods []*corev1.Pod) (*NodeView, []nodefacts.PodLookup, error) {
	nv := &NodeView{Name: node}
	if obj, err := c.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); err == nil {
		for _, a := range obj.Status.Addresses {
			if a.Type != corev1.NodeInternalIP && a.Type != corev1.NodeExternalIP {
				continue
			}
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				nv.Addresses = append(nv.Addresses, ip)
			}
		}
	}
	facts, lookups, err := nodefacts.Gather(ctx, c.Runner, node, pods, nodefacts.WantAll)
	if err != nil {
		return nil, nil, fmt.Errorf("reading node %s: %w", node, err)
	}
	nv.Facts = facts
	describe(nv)
	return nv, lookups, nil
}

// describe finds the node's dataplane plugin.
func describe(nv *NodeView) {
	p, det := plugins.Detect(nv.Facts)
	nv.Plugin, nv.Dataplane, nv.DataplaneEvidence = p, p.Name(), det.Evidence
	nv.Warnings = append(nv.Warnings, p.Warnings(nv.Facts)...)
}

// answerRoutes asks the nodes the missing route questions, in one exec per node, all nodes at once, and
// records the answers.
func answerRoutes(ctx context.Context, r noderun.Runner, in *Input, missing []RouteQuery) error {
	byNode := map[string][]RouteQuery{}
	for _, q := range missing {
		byNode[q.Node] = append(byNode[q.Node], q)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for node, qs := range byNode {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmds := make([][]string, len(qs))
			for i, q := range qs {
				cmds[i] = q.Argv()
			}
			results, err := batch.Run(ctx, r, node, cmds)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("asking node %s for routes: %w", node, err))
				for _, q := range qs {
					in.Routes[q] = RouteAnswer{Err: err.Error()}
				}
				return
			}
			for i, q := range qs {
				in.Routes[q] = parseRouteAnswer(results[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Reason runs expect, asking the nodes what it needs, until it needs nothing more.
func Reason(ctx context.Context, r noderun.Runner, in *Input) (*api.Walk, error) {
	for round := 0; ; round++ {
		w, missing := expect(in)
		if hostSourceAddress(in) {
			continue
		}
		if len(missing) == 0 || round == 4 {
			return w, nil
		}
		if err := answerRoutes(ctx, r, in, missing); err != nil {
			return nil, err
		}
	}
}

// hostSourceAddress sets the source address of a hostNetwork pod's packet to the one the node's kernel
// chooses for the destination (the route's src: a tunnel device's address, say, rather than the node's
// InternalIP), once the node has answered. It reports whether it changed.
func hostSourceAddress(in *Input) bool {
	if !in.Source.HostNetwork {
		return false
	}
	for _, ep := range in.Endpoints {
		a, ok := in.Routes[RouteQuery{Node: in.Source.Node, Dst: ep.IP.String()}]
		if !ok || a.Err != "" {
			continue
		}
		src, err := netip.ParseAddr(a.Route.PrefSrc)
		if err != nil || src == in.SourceIP || src.Is4() != in.SourceIP.Is4() {
			return false
		}
		in.SourceIP = src
		return true
	}
	return false
}
