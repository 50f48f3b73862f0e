// Package apiget reads the pods and Services a user names, with errors that say what to do when the name is
// wrong or reading it is not allowed.
package apiget

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Pod reads pod namespace/name.
func Pod(ctx context.Context, client kubernetes.Interface, namespace, name string) (*corev1.Pod, error) {
	pod, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, Explain(err, "pod", "pods", namespace, name)
	}
	return pod, nil
}

// Service reads Service namespace/name.
func Service(ctx context.Context, client kubernetes.Interface, namespace, name string) (*corev1.Service, error) {
	svc, err := client.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, Explain(err, "Service", "services", namespace, name)
	}
	return svc, nil
}

// Explain turns the API's answer to reading kind namespace/name (of resource, as kubectl get names it)
// into an error that says what to do.
func Explain(err error, kind, resource, namespace, name string) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %q not found in namespace %q: list them with kubectl get %s -n %s", kind, name, namespace, resource, namespace)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("you may not read %s in namespace %q: check with kubectl auth can-i get %s -n %s", resource, namespace, resource, namespace)
	}
	return fmt.Errorf("reading %s %s/%s: %w", kind, namespace, name, err)
}
