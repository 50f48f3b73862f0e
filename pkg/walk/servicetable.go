package walk

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// ServiceTableRead is a dataplane's Service table as read from its agent on a node, or why it was not.
type ServiceTableRead struct {
	Table    dataplane.ServiceTable
	Source   string
	Evidence api.Evidence
	// Err says in one line why the table could not be read, and what to do.
	Err string
}

// readServiceTable reads the Service table of the dataplane that translates Services on nv's node, in
// its agent pod there; nil when the dataplane has none (kube-proxy's rules are read with the node facts).
func readServiceTable(ctx context.Context, c Cluster, nv *NodeView) *ServiceTableRead {
	if nv == nil || nv.Facts == nil {
		return nil
	}
	lb, ok := nv.plugin().ServiceLB(nv.Facts)
	if !ok || lb.Table == nil {
		return nil
	}
	t := lb.Table
	out := &ServiceTableRead{Source: t.Source}
	res, pod, err := runInAgent(ctx, c, t.Agent, nv.Name, t.Argv)
	if pod != nil {
		out.Evidence = api.Evidence{Node: nv.Name, Object: "Pod " + pod.Namespace + "/" + pod.Name, Command: t.Argv}
	}
	if err == nil {
		out.Table, err = t.Parse(res.Stdout)
	}
	if err != nil {
		out.Err = fmt.Sprintf("reading %s on node %s: %v", t.Source, nv.Name, err)
	}
	return out
}

// runInAgent runs argv in the dataplane agent's pod on node. The pod is returned once found; the error
// says in one line what to check.
func runInAgent(ctx context.Context, c Cluster, a dataplane.Agent, node string, argv []string) (noderun.Result, *corev1.Pod, error) {
	pr, ok := c.Runner.(noderun.PodRunner)
	if !ok || c.Client == nil {
		return noderun.Result{}, nil, fmt.Errorf("this runner cannot exec in %s's pod", a.Name)
	}
	pod, err := agentPod(ctx, c, a, node)
	if err != nil {
		return noderun.Result{}, nil, err
	}
	res, err := pr.RunInPod(ctx, pod, a.Container, argv)
	if err == nil && !res.OK() {
		err = fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, firstLine(res.Stderr))
	}
	if err != nil {
		return res, pod, fmt.Errorf("%w: check kubectl -n %s exec %s -c %s -- %s", err, pod.Namespace, pod.Name, a.Container, strings.Join(argv, " "))
	}
	return res, pod, nil
}

// agentPod is the agent's pod on node, which must be ready to answer.
func agentPod(ctx context.Context, c Cluster, a dataplane.Agent, node string) (*corev1.Pod, error) {
	check := fmt.Sprintf("check kubectl -n %s get pods -l %s -o wide", a.Namespace, a.Selector)
	list, err := c.Client.CoreV1().Pods(a.Namespace).List(ctx, metav1.ListOptions{LabelSelector: a.Selector,
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		return nil, fmt.Errorf("finding %s on node %s: %w", a.Name, node, err)
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		if list.Items[i].Spec.NodeName == node {
			pods = append(pods, &list.Items[i])
		}
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("%s is not running on node %s (no pod -l %s in %s): %s", a.Name, node, a.Selector, a.Namespace, check)
	}
	for _, p := range pods {
		if why := notReady(p); why == "" {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s on node %s is not ready (pod %s: %s): %s", a.Name, node, pods[0].Name, notReady(pods[0]), check)
}

// notReady says why a pod is not ready, or "" when it is.
func notReady(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "terminating"
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return cs.Name + " " + w.Reason
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			if c.Status == corev1.ConditionTrue {
				return ""
			}
			if c.Message != "" {
				return c.Message
			}
			return "condition Ready is " + string(c.Status)
		}
	}
	return "phase " + string(p.Status.Phase)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// dataplaneTable translates pkt with the dataplane's own Service table read on the source node, adding
// what it shows (or why it was not read) to the Service hop.
func (r *reasoner) dataplaneTable(h *api.Hop, pkt netfilter.Packet) (netfilter.Translation, bool) {
	st := r.in.ServiceTable
	if st == nil {
		return netfilter.Translation{}, false
	}
	if st.Err != "" {
		h.Problems = append(h.Problems, st.Err)
		return netfilter.Translation{}, false
	}
	fe := netip.AddrPortFrom(pkt.Dst, uint16(pkt.DstPort))
	e, ok := st.Table.Lookup(fe, pkt.Protocol)
	ev := st.Evidence
	if !ok || len(e.Backends) == 0 {
		ev.Shows = fmt.Sprintf("%s has no backend for %s/%s", st.Source, fe, strings.ToUpper(pkt.Protocol))
		h.Evidence = append(h.Evidence, ev)
		h.Problems = append(h.Problems, fmt.Sprintf("%s on node %s has no backend for %s: the Service has no ready endpoints, or the agent has not synced it", st.Source, r.in.Source.Node, fe))
		return netfilter.Translation{}, false
	}
	var tr netfilter.Translation
	var backends []string
	for _, b := range e.Backends {
		tr.Endpoints = append(tr.Endpoints, netfilter.Endpoint{Address: b.String(), Probability: 1 / float64(len(e.Backends))})
		backends = append(backends, b.String())
	}
	ev.Shows = fmt.Sprintf("%s sends %s/%s to %s", st.Source, fe, e.Protocol, strings.Join(backends, ", "))
	h.Evidence = append(h.Evidence, ev)
	return tr, true
}
