package helperpod

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// List lists the helper pods in namespace (metav1.NamespaceAll for every namespace), whichever run made them.
func List(ctx context.Context, client kubernetes.Interface, namespace string) ([]corev1.Pod, error) {
	list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: Selector})
	if err != nil {
		where := fmt.Sprintf("in namespace %q", namespace)
		if namespace == metav1.NamespaceAll {
			where = "in all namespaces"
		}
		return nil, fmt.Errorf("listing helper pods (label %s) %s: %w", Selector, where, err)
	}
	return list.Items, nil
}

// ErrReplaced is Delete's answer when the pod's name now belongs to another pod: that pod was left alone.
var ErrReplaced = errors.New("the name now belongs to another pod, left alone")

// Delete removes pod at once, and only that pod: the UID precondition keeps a delete from reaching another run's
// pod that took the same name. A pod already gone is not an error.
func Delete(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod) error {
	opts := metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: metav1.NewUIDPreconditions(string(pod.UID))}
	err := client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts)
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return fmt.Errorf("deleting helper pod %s/%s: %w", pod.Namespace, pod.Name, ErrReplaced)
	default:
		return fmt.Errorf("deleting helper pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
}
