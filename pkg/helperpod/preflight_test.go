package helperpod

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var podsResource = schema.GroupResource{Resource: "pods"}

func readyNode(name string, labels map[string]string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
}

// allowExec answers SelfSubjectAccessReviews like an API server would for a user who may or may not exec.
func allowExec(client *fake.Clientset, allowed bool) {
	client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		review.Status.Allowed = allowed
		return true, review, nil
	})
}

// refuseCreate makes every pod create, dry run or not, fail with err.
func refuseCreate(client *fake.Clientset, err error) {
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, err
	})
}

func spec() Spec {
	return Spec{Node: "kb-node1", Namespace: "apps", Image: "img", RunID: "r1", Deadline: time.Minute}
}

func TestPreflightExplainsRefusals(t *testing.T) {
	podSecurity := apierrors.NewForbidden(podsResource, "packetwalk-kb-node1-r1",
		errorsNew(`violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), non-default capabilities (container "packetwalk" must not include "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE" in securityContext.capabilities.add)`))
	rbac := apierrors.NewForbidden(podsResource, "",
		errorsNew(`User "jane" cannot create resource "pods" in API group "" in the namespace "apps"`))
	quota := apierrors.NewForbidden(podsResource, "packetwalk-kb-node1-r1",
		errorsNew(`exceeded quota: pods-max, requested: pods=1, used: pods=10, limited: pods=10`))
	noNamespace := apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "apps")

	tests := []struct {
		name      string
		objects   []runtime.Object
		execOK    bool
		createErr error
		want      []string
	}{
		{name: "ok", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: true},
		{name: "missing node", execOK: true, want: []string{`node "kb-node1" not found`, "kubectl get nodes"}},
		{name: "windows node", objects: []runtime.Object{readyNode("kb-node1", map[string]string{"kubernetes.io/os": "windows"})}, execOK: true,
			want: []string{"node kb-node1 runs Windows", "Linux node"}},
		{name: "not ready node", objects: []runtime.Object{&corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "kb-node1"},
			Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown", Message: "Kubelet stopped posting node status."}}},
		}}, execOK: true, want: []string{"node kb-node1 is NotReady (NodeStatusUnknown: Kubelet stopped posting node status.)"}},
		{name: "node without status", objects: []runtime.Object{&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kb-node1"}}}, execOK: true,
			want: []string{"node kb-node1 has never reported whether it is Ready", "kubectl describe node kb-node1"}},
		{name: "no exec permission", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: false,
			want: []string{`may not exec into pods in namespace "apps"`, "--helper-namespace"}},
		{name: "pod security", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: true, createErr: podSecurity,
			want: []string{`namespace "apps" enforces PodSecurity "baseline:latest"`, "leave it as it is",
				"kubectl create namespace packetwalk-helpers && kubectl label namespace packetwalk-helpers pod-security.kubernetes.io/enforce=privileged", "--helper-namespace packetwalk-helpers"}},
		{name: "rbac", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: true, createErr: rbac,
			want: []string{`may not create pods in namespace "apps" (RBAC)`}},
		{name: "quota", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: true, createErr: quota,
			want: []string{`ResourceQuota in namespace "apps"`, "exceeded quota: pods-max"}},
		{name: "namespace missing", objects: []runtime.Object{readyNode("kb-node1", nil)}, execOK: true, createErr: noNamespace,
			want: []string{`namespace "apps" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewSimpleClientset(tt.objects...)
			allowExec(client, tt.execOK)
			if tt.createErr != nil {
				refuseCreate(client, tt.createErr)
			}
			err := Preflight(context.Background(), client, spec())
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Preflight() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Preflight() = nil, want an error with %q", tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message is not one line: %q", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Preflight() = %q, missing %q", err, w)
				}
			}
			// Only the node's own state is a NodeRefusal: the namespace's refusals hold on every node.
			var nr *NodeRefusal
			wantNode := strings.Contains(tt.name, "node")
			if errors.As(err, &nr) != wantNode || (wantNode && nr.Node != "kb-node1") {
				t.Errorf("Preflight() = %#v: NodeRefusal %v, want %v", err, errors.As(err, &nr), wantNode)
			}
		})
	}
}

func TestPreflightIsADryRunThatCreatesNothing(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("kb-node1", nil))
	allowExec(client, true)
	var dryRun []string
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		dryRun = a.(k8stesting.CreateActionImpl).GetCreateOptions().DryRun
		return true, a.(k8stesting.CreateAction).GetObject(), nil
	})
	if err := Preflight(context.Background(), client, spec()); err != nil {
		t.Fatal(err)
	}
	if len(dryRun) != 1 || dryRun[0] != metav1.DryRunAll {
		t.Errorf("create options DryRun = %v, want [All]", dryRun)
	}
}

type stringError string

func (e stringError) Error() string { return string(e) }

func errorsNew(s string) error { return stringError(s) }
