package helperpod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// waitingReasonsThatNeverResolve end the wait at once: retrying cannot fix them.
var waitingReasonsThatNeverResolve = map[string]bool{
	"ImagePullBackOff":           true,
	"ErrImageNeverPull":          true,
	"InvalidImageName":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
}

// waitRunning watches pod until its container runs, reporting each new waiting reason to progress, like
// kubectl debug does while it attaches.
func waitRunning(parent context.Context, client kubernetes.Interface, pod *corev1.Pod, timeout time.Duration, progress io.Writer) (*corev1.Pod, error) {
	ctx, cancel := watchtools.ContextWithOptionalTimeout(parent, timeout)
	defer cancel()

	selector := fields.OneTermEqualSelector("metadata.name", pod.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(_ context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return client.CoreV1().Pods(pod.Namespace).List(ctx, o)
		},
		WatchFuncWithContext: func(_ context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return client.CoreV1().Pods(pod.Namespace).Watch(ctx, o)
		},
	}

	var last *corev1.Pod
	lastReason := ""
	ev, err := watchtools.UntilWithSync(ctx, lw, &corev1.Pod{}, nil, func(ev watch.Event) (bool, error) {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok || p.Name != pod.Name {
			return false, nil
		}
		if ev.Type == watch.Deleted {
			return false, fmt.Errorf("helper pod %s/%s was deleted while starting", pod.Namespace, pod.Name)
		}
		last = p
		switch p.Status.Phase {
		case corev1.PodFailed, corev1.PodSucceeded:
			return false, fmt.Errorf("helper pod %s/%s on node %s ended before it could be used: %s", p.Namespace, p.Name, p.Spec.NodeName, podProblem(p))
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name != ContainerName {
				continue
			}
			if cs.State.Running != nil {
				return true, nil
			}
			if w := cs.State.Waiting; w != nil && w.Reason != lastReason {
				lastReason = w.Reason
				fmt.Fprintf(progress, "helper pod %s on node %s: %s\n", p.Name, p.Spec.NodeName, w.Reason)
				if waitingReasonsThatNeverResolve[w.Reason] {
					return false, &StartError{Pod: p.Name, Node: p.Spec.NodeName, Image: imageOf(p), Reason: w.Reason, Message: w.Message}
				}
			}
			if t := cs.State.Terminated; t != nil {
				return false, fmt.Errorf("helper pod %s on node %s: container exited (%s, code %d) %s", p.Name, p.Spec.NodeName, t.Reason, t.ExitCode, t.Message)
			}
		}
		return false, nil
	})
	if err != nil {
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) || wait.Interrupted(err) {
			return nil, fmt.Errorf("helper pod %s/%s did not start on node %s within %s (%s): check the node with kubectl describe node %s, or raise --pod-running-timeout",
				pod.Namespace, pod.Name, pod.Spec.NodeName, timeout, podProblem(last), pod.Spec.NodeName)
		}
		return nil, err
	}
	return ev.Object.(*corev1.Pod), nil
}

// StartError is a helper pod that cannot start, with what the user can do about it.
type StartError struct {
	Pod, Node, Image, Reason, Message string
}

func (e *StartError) Error() string {
	switch e.Reason {
	case "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName":
		return fmt.Sprintf("node %s cannot pull the helper image %q (%s): use --image with an image the node can pull, and --image-pull-secret if it needs credentials", e.Node, e.Image, e.Reason)
	default:
		return fmt.Sprintf("helper pod %s on node %s cannot start (%s: %s)", e.Pod, e.Node, e.Reason, e.Message)
	}
}

func imageOf(p *corev1.Pod) string {
	if len(p.Spec.Containers) == 0 {
		return ""
	}
	return p.Spec.Containers[0].Image
}

// podProblem says in a few words why a pod is not running.
func podProblem(p *corev1.Pod) string {
	if p == nil {
		return "no status yet"
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			return w.Reason
		}
		if t := cs.State.Terminated; t != nil {
			return "terminated: " + t.Reason
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Reason != "" {
			return c.Reason + ": " + c.Message
		}
	}
	if p.Status.Reason != "" {
		return p.Status.Reason + ": " + p.Status.Message
	}
	if p.Spec.NodeName != "" && len(p.Status.Conditions) == 0 {
		// Every kubelet that takes a pod on reports its conditions at once.
		return "the node's kubelet has not taken it on"
	}
	return "phase " + string(p.Status.Phase)
}
