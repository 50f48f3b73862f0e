package objref

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func pod(name string, ready bool, labels map[string]string) *corev1.Pod {
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels},
		Spec:       corev1.PodSpec{NodeName: "pw-node1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}}},
	}
}

func TestPodForPicksAReadyPodOfTheWorkload(t *testing.T) {
	app := map[string]string{"app": "web"}
	client := fake.NewSimpleClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: app}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: corev1.ServiceSpec{Selector: app}},
		pod("web-a", false, app), pod("web-b", true, app), pod("other", true, nil),
	)
	for _, arg := range []string{"deploy/web", "deployment/web", "svc/web", "deploy/default/web"} {
		var notice bytes.Buffer
		r, err := Parse(arg, Pod)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PodFor(context.Background(), client, "default", r, &notice)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if got.Name != "web-b" {
			t.Errorf("%s picked %s, want the ready web-b", arg, got.Name)
		}
		if want := "Found 2 pods, using pod/web-b\n"; !strings.HasSuffix(notice.String(), want) {
			t.Errorf("%s: notice %q, want it to end in %q", arg, notice.String(), want)
		}
	}
}

func TestPodForBareServiceNameSuggestsSvc(t *testing.T) {
	client := fake.NewSimpleClientset(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "httpbin", Namespace: "default"}})
	_, err := PodFor(context.Background(), client, "default", Ref{Kind: Pod, Name: "httpbin"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "svc/httpbin") {
		t.Fatalf("err = %v, want a suggestion of svc/httpbin", err)
	}
}

func TestPodForWorkloadNotFound(t *testing.T) {
	defer func(d time.Duration) { PodWait = d }(PodWait)
	PodWait = time.Millisecond
	_, err := PodFor(context.Background(), fake.NewSimpleClientset(), "default", Ref{Kind: StatefulSet, Name: "db", Typed: true}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `statefulset "db" not found in namespace "default"`) {
		t.Fatalf("err = %v", err)
	}
}
