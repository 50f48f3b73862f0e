package nodefacts

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// HostPeers returns the host-side interfaces of pod's interfaces on its node: what to capture on to see
// the pod's traffic from the node. It costs two execs on the node's helper pod. Only peers proven from
// both sides are returned; a pod with none (hostNetwork, not running, macvlan only) is an error that says
// why.
func HostPeers(ctx context.Context, r noderun.Runner, pod *corev1.Pod) ([]Peer, error) {
	name := pod.Namespace + "/" + pod.Name
	if err := Attachable(pod); err != nil {
		return nil, err
	}
	node, lookups, err := Gather(ctx, r, pod.Spec.NodeName, []*corev1.Pod{pod}, WantPeer)
	if err != nil {
		return nil, err
	}
	l := lookups[0]
	if l.Err != nil {
		return nil, l.Err
	}
	peers := verifiedPeers(node, l)
	if len(peers) == 0 {
		return nil, fmt.Errorf("pod %s has no veth peer on node %s: its interfaces are not veth pairs into the node's namespace", name, pod.Spec.NodeName)
	}
	return peers, nil
}

// Attachable says why a pod's network namespace cannot be looked at from its node, or nil if it can.
func Attachable(pod *corev1.Pod) error {
	if pod.Spec.HostNetwork {
		return fmt.Errorf("pod %s/%s uses the node's network (hostNetwork): it has no veth of its own; capture on node %s's interfaces instead",
			pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	return Started(pod)
}

// Started says why a pod has no network to look at yet (or any more), and what to do; nil when it has one.
func Started(pod *corev1.Pod) error {
	name := pod.Namespace + "/" + pod.Name
	switch {
	case pod.Spec.NodeName == "":
		return fmt.Errorf("pod %s is not scheduled to a node yet: see why with kubectl describe pod %s -n %s", name, pod.Name, pod.Namespace)
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return fmt.Errorf("pod %s has finished (%s): its network namespace is gone; name a running pod", name, pod.Status.Phase)
	case len(PodIPs(pod)) == 0:
		return fmt.Errorf("pod %s has no IP yet (phase %s): wait until it runs, with kubectl get pod %s -n %s -w", name, pod.Status.Phase, pod.Name, pod.Namespace)
	}
	return nil
}
