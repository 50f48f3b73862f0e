package capture

import (
	"context"
	"fmt"
	"io"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	pwcapture "github.com/packetwalk/kubectl-packetwalk/pkg/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
)

// podsToCapture looks up the pod targets and the pods matching selector, in namespace.
// A workload or Service target is one of its pods, said on notice.
func podsToCapture(ctx context.Context, client kubernetes.Interface, namespace string, targets []targetArg, selector string, notice io.Writer) ([]*corev1.Pod, error) {
	var pods []*corev1.Pod
	for _, t := range targets {
		if t.Kind == objref.Node {
			continue
		}
		pod, err := objref.PodFor(ctx, client, namespace, t, notice)
		if err != nil {
			return nil, err
		}
		pods = append(pods, pod)
	}
	if selector != "" {
		list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, fmt.Errorf("listing pods matching %q in namespace %s: %w", selector, namespace, err)
		}
		if len(list.Items) == 0 {
			return nil, fmt.Errorf("no pods match -l %s in namespace %q", selector, namespace)
		}
		for i := range list.Items {
			pods = append(pods, &list.Items[i])
		}
	}
	for _, p := range pods {
		if err := nodefacts.Attachable(p); err != nil {
			return nil, err
		}
	}
	return pods, nil
}

// podTargets are the host peers of pods: where their node sees their traffic.
func podTargets(ctx context.Context, runner noderun.Runner, pods []*corev1.Pod) ([]pwcapture.Target, error) {
	var targets []pwcapture.Target
	for _, p := range pods {
		peers, err := nodefacts.HostPeers(ctx, runner, p)
		if err != nil {
			return nil, err
		}
		for _, peer := range peers {
			targets = append(targets, pwcapture.Target{Node: peer.Node, Interface: peer.Name, Label: p.Namespace + "/" + p.Name})
		}
	}
	return targets, nil
}

// nodeTarget is a capture on node. An -i any capture gets the node's link table, and the pods on the
// node label their host peers, so every packet lands on a named interface.
func nodeTargetOn(ctx context.Context, client kubernetes.Interface, runner noderun.Runner, node, iface string) (pwcapture.Target, error) {
	t := pwcapture.Target{Node: node, Interface: iface}
	if iface != "" && iface != pwcapture.AnyInterface {
		return t, nil
	}
	pods := attachablePodsOn(ctx, client, node)
	n, peers, _, err := nodefacts.NodePeers(ctx, runner, node, pods)
	if err != nil {
		return t, fmt.Errorf("reading the link table of node %s: %w", node, err)
	}
	t.Links = map[int]string{}
	for _, l := range n.Links {
		t.Links[l.Index] = l.Name
	}
	t.LinkLabels = map[int]string{}
	for pod, ps := range peers {
		for _, p := range ps {
			t.LinkLabels[p.Index] = pod.Namespace + "/" + pod.Name
		}
	}
	return t, nil
}

// attachablePodsOn lists the running pods on node that have a network namespace of their own. Labels
// are a nicety: a user who may not list pods everywhere still gets the capture.
func attachablePodsOn(ctx context.Context, client kubernetes.Interface, node string) []*corev1.Pod {
	list, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if p.Status.Phase == corev1.PodRunning && nodefacts.Attachable(p) == nil {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	return pods
}

// nodesOf lists, once each and in order, the nodes the capture runs on.
func nodesOf(targets []targetArg, pods []*corev1.Pod) []string {
	seen := map[string]bool{}
	var nodes []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			nodes = append(nodes, n)
		}
	}
	for _, p := range pods {
		add(p.Spec.NodeName)
	}
	for _, t := range targets {
		if t.Kind == objref.Node {
			add(t.Name)
		}
	}
	return nodes
}
