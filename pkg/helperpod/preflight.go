package helperpod

import (
	"context"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Preflight checks, before anything is created, that a helper pod for spec can run: the node exists, runs
// Linux and is Ready; the user may exec into pods in the helper namespace; and a server-side dry run of the
// pod passes admission (PodSecurity, RBAC, quotas, webhooks). Each refusal becomes one line saying what to do.
func Preflight(ctx context.Context, client kubernetes.Interface, spec Spec) error {
	if err := checkNode(ctx, client, spec.Node); err != nil {
		return &NodeRefusal{Node: spec.Node, Err: err}
	}
	if err := checkExecAllowed(ctx, client, spec.Namespace); err != nil {
		return err
	}
	_, err := client.CoreV1().Pods(spec.Namespace).Create(ctx, Pod(spec), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		return ExplainCreateError(err, spec.Namespace)
	}
	return nil
}

// NodeRefusal is a refusal that comes from one node (missing, NotReady, Windows), not from the helper
// namespace: other nodes may still take a helper pod.
type NodeRefusal struct {
	Node string
	Err  error
}

func (e *NodeRefusal) Error() string { return e.Err.Error() }
func (e *NodeRefusal) Unwrap() error { return e.Err }

func checkNode(ctx context.Context, client kubernetes.Interface, name string) error {
	node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("node %q not found: list the nodes with kubectl get nodes", name)
	case apierrors.IsForbidden(err):
		// Reading nodes is a nicety: a user allowed to create pods but not to get nodes can still go on.
		return nil
	case err != nil:
		return fmt.Errorf("reading node %s: %w", name, err)
	}
	if os := node.Labels[corev1.LabelOSStable]; os == "windows" || node.Status.NodeInfo.OperatingSystem == "windows" {
		return fmt.Errorf("node %s runs Windows: packetwalk's helper pods (ip, tcpdump, nsenter) need a Linux node", name)
	}
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			return nil
		}
		why := c.Reason
		if c.Message != "" {
			why += ": " + c.Message
		}
		return fmt.Errorf("node %s is NotReady (%s): its kubelet cannot start a helper pod; check kubectl describe node %s", name, why, name)
	}
	return fmt.Errorf("node %s has never reported whether it is Ready: its kubelet has not started yet; check kubectl describe node %s", name, name)
}

func checkExecAllowed(ctx context.Context, client kubernetes.Interface, namespace string) error {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: "create", Resource: "pods", Subresource: "exec"},
	}}
	got, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return nil // an API server without the review API still answers the dry run below
	}
	if !got.Status.Allowed {
		return fmt.Errorf("you may not exec into pods in namespace %q (RBAC): packetwalk needs create/get/watch/patch/delete on pods and create on pods/exec there; ask your admin, or pick another namespace with --helper-namespace", namespace)
	}
	return nil
}

// SuggestedNamespace is the namespace packetwalk suggests for helper pods when the chosen one refuses them.
const SuggestedNamespace = "packetwalk-helpers"

// ExplainCreateError turns the API's refusal of a helper pod into one line that says what to do.
func ExplainCreateError(err error, namespace string) error {
	msg := err.Error()
	switch {
	case apierrors.IsForbidden(err) && strings.Contains(msg, "violates PodSecurity"):
		level := "a PodSecurity level"
		if i := strings.Index(msg, `violates PodSecurity "`); i >= 0 {
			rest := msg[i+len(`violates PodSecurity "`):]
			if j := strings.IndexByte(rest, '"'); j > 0 {
				level = fmt.Sprintf("PodSecurity %q", rest[:j])
			}
		}
		// The least change is a namespace for the helpers alone, not relaxing the namespace the user chose.
		return fmt.Errorf("namespace %q enforces %s, which refuses node helper pods (host network, capabilities): leave it as it is and give the helpers a namespace of their own: kubectl create namespace %s && kubectl label namespace %s pod-security.kubernetes.io/enforce=privileged, then use --helper-namespace %s",
			namespace, level, SuggestedNamespace, SuggestedNamespace, SuggestedNamespace)
	case apierrors.IsForbidden(err) && (strings.Contains(msg, "exceeded quota") || strings.Contains(msg, "failed quota")):
		return fmt.Errorf("a ResourceQuota in namespace %q refuses the helper pod (%s): use --helper-namespace with a namespace that has room for one more pod", namespace, quotaDetail(msg))
	case apierrors.IsForbidden(err) && strings.Contains(msg, "cannot create resource"):
		return fmt.Errorf("you may not create pods in namespace %q (RBAC): packetwalk needs create/get/watch/patch/delete on pods and create on pods/exec there; ask your admin, or pick another namespace with --helper-namespace", namespace)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("namespace %q not found: create it or pick another with --helper-namespace", namespace)
	case apierrors.IsForbidden(err) || apierrors.IsInvalid(err):
		return fmt.Errorf("the API server refused the helper pod in namespace %q: %s", namespace, apiMessage(err))
	}
	return fmt.Errorf("creating helper pod in namespace %q: %w", namespace, err)
}

func quotaDetail(msg string) string {
	for _, marker := range []string{"exceeded quota", "failed quota"} {
		if i := strings.Index(msg, marker); i >= 0 {
			return msg[i:]
		}
	}
	return msg
}

func apiMessage(err error) string {
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Message != "" {
		return s.Status().Message
	}
	return err.Error()
}
