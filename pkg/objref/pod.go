package objref

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/polymorphichelpers"
	"k8s.io/kubectl/pkg/util/podutils"

	"github.com/packetwalk/kubectl-packetwalk/pkg/apiget"
)

// PodWait is how long a workload without pods is waited for, as kubectl's --pod-running-timeout; a
// package variable so tests need not wait.
var PodWait = 20 * time.Second

// PodFor reads the pod r names. A workload or Service gives the pod kubectl exec would pick (ready before
// not ready, running before pending, …); which one is said on notice. A bare NAME that is no pod but a
// Service says to write svc/NAME.
func PodFor(ctx context.Context, client kubernetes.Interface, namespace string, r Ref, notice io.Writer) (*corev1.Pod, error) {
	if r.Namespace != "" {
		namespace = r.Namespace
	}
	switch {
	case r.Kind == Pod:
		pod, err := apiget.Pod(ctx, client, namespace, r.Name)
		if err != nil && !r.Typed && isServiceName(ctx, client, namespace, r.Name) {
			return nil, fmt.Errorf("pod %q not found in namespace %q, but Service %q is: name it svc/%s", r.Name, namespace, r.Name, r.Name)
		}
		return pod, err
	case !r.Kind.Workload():
		return nil, fmt.Errorf("%s is a %s: name a pod (%s)", r, r.Kind, Forms)
	}
	obj, err := get(ctx, client, namespace, r)
	if err != nil {
		return nil, err
	}
	ns, selector, err := polymorphichelpers.SelectorsForObject(obj)
	if err != nil {
		return nil, fmt.Errorf("finding the pods of %s: %w", r, err)
	}
	if selector.Empty() {
		return nil, fmt.Errorf("%s selects no pods (it has no selector): name a pod", r)
	}
	sortBy := func(pods []*corev1.Pod) sort.Interface { return sort.Reverse(podutils.ActivePods(pods)) }
	pod, n, err := polymorphichelpers.GetFirstPod(client.CoreV1(), ns, selector.String(), PodWait, sortBy)
	if err != nil {
		return nil, fmt.Errorf("no pod of %s (selector %s) in %s: %w", r, selector, PodWait, err)
	}
	if n > 1 {
		fmt.Fprintf(notice, "%s: Found %d pods, using pod/%s\n", r, n, pod.Name)
	} else {
		fmt.Fprintf(notice, "%s: using pod/%s\n", r, pod.Name)
	}
	return pod, nil
}

func isServiceName(ctx context.Context, client kubernetes.Interface, namespace, name string) bool {
	_, err := client.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	return err == nil
}

// getter reads one kind of object that selects pods.
type getter struct {
	resource string
	get      func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error)
}

var getters = map[Kind]getter{
	Service: {"services", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	Deployment: {"deployments", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	StatefulSet: {"statefulsets", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	DaemonSet: {"daemonsets", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	ReplicaSet: {"replicasets", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	ReplicationController: {"replicationcontrollers", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
	}},
	Job: {"jobs", func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
		return c.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	}},
}

// get reads the workload or Service r names.
func get(ctx context.Context, client kubernetes.Interface, namespace string, r Ref) (runtime.Object, error) {
	g := getters[r.Kind]
	obj, err := g.get(ctx, client, namespace, r.Name)
	if err != nil {
		return nil, apiget.Explain(err, string(r.Kind), g.resource, namespace, r.Name)
	}
	return obj, nil
}
