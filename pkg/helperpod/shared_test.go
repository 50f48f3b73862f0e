package helperpod

import (
	"bytes"
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// enforceUIDs makes the fake API server do what the real one does: give each pod a UID, and refuse a delete
// whose UID precondition names another pod.
func enforceUIDs(client *fake.Clientset) {
	n := 0
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if pod.UID == "" {
			n++
			pod.UID = types.UID("uid-" + pod.Name + "-" + string(rune('a'+n)))
		}
		return false, nil, nil
	})
	client.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.DeleteActionImpl)
		pre := d.GetDeleteOptions().Preconditions
		if pre == nil || pre.UID == nil {
			return false, nil, nil
		}
		obj, err := client.Tracker().Get(d.GetResource(), d.GetNamespace(), d.GetName())
		if err != nil {
			return false, nil, nil
		}
		if got := obj.(*corev1.Pod).UID; got != *pre.UID {
			return true, nil, apierrors.NewConflict(d.GetResource().GroupResource(), d.GetName(), errUIDMismatch)
		}
		return false, nil, nil
	})
}

var errUIDMismatch = apierrors.NewBadRequest("precondition failed: UID")

// poolWithAPod is a pool that has started its pod on node n1, beside objects, on an API server that checks UIDs.
func poolWithAPod(t *testing.T, objects ...runtime.Object) (*fake.Clientset, *Pool, *corev1.Pod) {
	t.Helper()
	client := fake.NewSimpleClientset(append(objects, readyNode("n1", nil))...)
	allowExec(client, true)
	fakeKubelet(t, client, running)
	enforceUIDs(client)
	pool := newTestPool(client, &bytes.Buffer{})
	pod, err := pool.Get(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	return client, pool, pod
}

func otherRunsPod(name, node string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: "someone-else",
		Labels: map[string]string{ManagedByLabel: ManagedByValue, RunLabel: "other"}}, Spec: corev1.PodSpec{NodeName: node}}
}

// Another user's run that drew the same run ID owns the name first: this run takes another name, and its
// Close leaves the other pod alone.
func TestPoolNeverTouchesAnotherRunsPodWithItsName(t *testing.T) {
	client, pool, pod := poolWithAPod(t, otherRunsPod("packetwalk-n1-run01", "n1"))
	if pod.Name == "packetwalk-n1-run01" {
		t.Fatal("the pool answered with the other run's pod")
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if len(left.Items) != 1 || left.Items[0].UID != "someone-else" {
		t.Errorf("after Close, pods left: %v; want only the other run's", names(left.Items))
	}
}

// The pool's pod was deleted (cleanup --all) and a pod of another run took its name: Close does not delete it.
func TestPoolCloseSparesAPodThatReplacedItsOwn(t *testing.T) {
	client, pool, pod := poolWithAPod(t)
	ctx := context.Background()
	if err := client.CoreV1().Pods("default").Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, otherRunsPod(pod.Name, "n1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pool.Close(); err != nil {
		t.Errorf("Close() = %v, want no error: a pod already gone is not one", err)
	}
	if _, err := client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("Close deleted the other run's pod: %v", err)
	}
}

func TestPoolRenewsTheHeartbeatUntilClose(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("n1", nil))
	allowExec(client, true)
	fakeKubelet(t, client, running)
	pool := NewPool(client, Spec{Namespace: "default", Image: "img", RunID: "run01", Deadline: 80 * time.Millisecond}, 5*time.Second, &bytes.Buffer{})
	clock := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	pool.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	pod, err := pool.Get(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	first := pod.Annotations[HeartbeatAnnotation]
	if first == "" || pod.Annotations[DeadlineAnnotation] != "1" {
		t.Fatalf("the new pod's annotations: %v", pod.Annotations)
	}
	beat := func() string {
		p, err := client.CoreV1().Pods("default").Get(context.Background(), pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p.Annotations[HeartbeatAnnotation]
	}
	deadline := time.Now().Add(2 * time.Second)
	for beat() == first {
		if time.Now().After(deadline) {
			t.Fatalf("the heartbeat was never renewed from %s", first)
		}
		time.Sleep(10 * time.Millisecond)
	}
	patches := func() (n int) {
		for _, a := range client.Actions() {
			if a.GetVerb() == "patch" {
				n++
			}
		}
		return n
	}
	// Close deletes the pod; no renewal may follow.
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	after := patches()
	time.Sleep(100 * time.Millisecond)
	if patches() != after {
		t.Errorf("the heartbeat was renewed after Close")
	}
}

func names(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name+"("+string(p.UID)+")")
	}
	return out
}
