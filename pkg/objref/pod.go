package objref

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// get reads the workload or Service r names.
func get(ctx context.Context, client kubernetes.Interface, namespace string, r Ref) (runtime.Object, error) {
	var (
		obj      runtime.Object
		err      error
		resource string
	)
	opts := metav1.GetOptions{}
	switch r.Kind {
	case Service:
		resource = "services"
		obj, err = client.CoreV1().Services(namespace).Get(ctx, r.Name, opts)
	case Deployment:
		resource = "deployments"
		obj, err = client.AppsV1().Deployments(namespace).Get(ctx, r.Name, opts)
	case StatefulSet:
		resource = "statefulsets"
		obj, err = client.AppsV1().StatefulSets(namespace).Get(ctx, r.Name, opts)
	case DaemonSet:
		resource = "daemonsets"
		obj, err = client.AppsV1().DaemonSets(namespace).Get(ctx, r.Name, opts)
	case ReplicaSet:
		resource = "replicasets"
		obj, err = client.AppsV1().ReplicaSets(namespace).Get(ctx, r.Name, opts)
	case ReplicationController:
		resource = "replicationcontrollers"
		obj, err = client.CoreV1().ReplicationControllers(namespace).Get(ctx, r.Name, opts)
	case Job:
		resource = "jobs"
		obj, err = client.BatchV1().Jobs(namespace).Get(ctx, r.Name, opts)
	}
	switch {
	case err == nil:
		return obj, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%s %q not found in namespace %q: list them with kubectl get %s -n %s", r.Kind, r.Name, namespace, resource, namespace)
	case apierrors.IsForbidden(err):
		return nil, fmt.Errorf("you may not read %s in namespace %q: check with kubectl auth can-i get %s -n %s", resource, namespace, resource, namespace)
	}
	return nil, fmt.Errorf("reading %s %s/%s: %w", r.Kind, namespace, r.Name, err)
}
