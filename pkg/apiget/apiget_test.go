package apiget

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestMessagesSayWhatToDo(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "curl"}})
	client.PrependReactor("get", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "web", nil)
	})

	if pod, err := Pod(ctx, client, "default", "curl"); err != nil || pod.Name != "curl" {
		t.Fatalf("Pod(default/curl) = %v, %v", pod, err)
	}
	tests := []struct {
		name string
		get  func() error
		want string
	}{
		{"missing pod", func() error { _, err := Pod(ctx, client, "default", "nope"); return err },
			`pod "nope" not found in namespace "default": list them with kubectl get pods -n default`},
		{"pod in another namespace", func() error { _, err := Pod(ctx, client, "prod", "curl"); return err },
			`pod "curl" not found in namespace "prod": list them with kubectl get pods -n prod`},
		{"forbidden Service", func() error { _, err := Service(ctx, client, "default", "web"); return err },
			`you may not read services in namespace "default": check with kubectl auth can-i get services -n default`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.get()
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}
