package helperpod

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// answerDryRuns answers the preflight's dry-run creates, which the fake tracker would store.
func answerDryRuns(client *fake.Clientset) {
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if len(a.(k8stesting.CreateActionImpl).GetCreateOptions().DryRun) > 0 {
			return true, a.(k8stesting.CreateAction).GetObject(), nil
		}
		return false, nil, nil
	})
}

// fakeKubelet moves each created helper pod to the container state that state returns for it.
func fakeKubelet(t *testing.T, client *fake.Clientset, state func(*corev1.Pod) corev1.ContainerState) {
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod).DeepCopy()
		if len(a.(k8stesting.CreateActionImpl).GetCreateOptions().DryRun) > 0 {
			return false, nil, nil
		}
		go func() {
			time.Sleep(20 * time.Millisecond)
			if stored, err := client.CoreV1().Pods(pod.Namespace).Get(context.Background(), pod.Name, metav1.GetOptions{}); err != nil || stored.Labels[RunLabel] != pod.Labels[RunLabel] {
				return // the create failed: the name is another run's
			}
			pod.Status.Phase = corev1.PodPending
			cs := state(pod)
			if cs.Running != nil {
				pod.Status.Phase = corev1.PodRunning
			}
			pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: ContainerName, State: cs}}
			if _, err := client.CoreV1().Pods(pod.Namespace).UpdateStatus(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
				t.Errorf("fake kubelet: %v", err)
			}
		}()
		return false, nil, nil // let the tracker store it
	})
	answerDryRuns(client) // prepended last, so it answers first
}

func running(*corev1.Pod) corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
}

func newTestPool(client *fake.Clientset, progress *bytes.Buffer) *Pool {
	return NewPool(client, Spec{Namespace: "default", Image: "img", RunID: "run01", Deadline: time.Minute}, 5*time.Second, progress)
}

func TestPoolSharesOnePodPerNodeAndDeletesAllOnClose(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("n1", nil), readyNode("n2", nil))
	allowExec(client, true)
	fakeKubelet(t, client, running)
	var progress bytes.Buffer
	pool := newTestPool(client, &progress)

	var wg sync.WaitGroup
	got := make([]*corev1.Pod, 4)
	for i, node := range []string{"n1", "n1", "n2", "n1"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pod, err := pool.Get(context.Background(), node)
			if err != nil {
				t.Errorf("Get(%s): %v", node, err)
				return
			}
			got[i] = pod
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got[0].Name != got[1].Name || got[0].Name != got[3].Name || got[0].Spec.NodeName != "n1" {
		t.Errorf("node n1 got different pods: %s %s %s", got[0].Name, got[1].Name, got[3].Name)
	}
	if got[2].Spec.NodeName != "n2" {
		t.Errorf("node n2's pod is on %s", got[2].Spec.NodeName)
	}
	creates := 0
	for _, a := range client.Actions() {
		if a.GetVerb() == "create" && a.GetResource().Resource == "pods" && len(a.(k8stesting.CreateActionImpl).GetCreateOptions().DryRun) == 0 {
			creates++
		}
	}
	if creates != 2 {
		t.Errorf("%d pods created, want one per node (2)", creates)
	}
	if !strings.Contains(progress.String(), "creating helper pod default/packetwalk-n1-run01 on node n1") {
		t.Errorf("progress does not say which pod is being created:\n%s", progress.String())
	}

	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if len(left.Items) != 0 {
		t.Errorf("%d helper pods left after Close", len(left.Items))
	}
}

func TestPoolStopsAtAnImageThatCannotBePulled(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("n1", nil))
	allowExec(client, true)
	fakeKubelet(t, client, func(*corev1.Pod) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "img"`}}
	})
	var progress bytes.Buffer
	pool := newTestPool(client, &progress)
	defer pool.Close()

	_, err := pool.Get(context.Background(), "n1")
	var startErr *StartError
	if !errors.As(err, &startErr) {
		t.Fatalf("Get() = %v, want a StartError", err)
	}
	for _, want := range []string{`node n1 cannot pull the helper image "img" (ImagePullBackOff)`, "--image", "--image-pull-secret"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !strings.Contains(progress.String(), "ImagePullBackOff") {
		t.Errorf("the waiting reason was not shown while waiting:\n%s", progress.String())
	}
}

func TestPoolInterruptedWhileWaitingLeavesNothing(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("n1", nil))
	allowExec(client, true)
	fakeKubelet(t, client, func(*corev1.Pod) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	})
	pool := newTestPool(client, &bytes.Buffer{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }() // Ctrl-C
	if _, err := pool.Get(ctx, "n1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get() = %v, want context.Canceled", err)
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if len(left.Items) != 0 {
		t.Errorf("%d helper pods left after an interrupt", len(left.Items))
	}
}

// A node that still says Ready but whose kubelet has stopped never takes the helper pod on: the wait ends at
// --pod-running-timeout with what to check, and the pod is removed.
func TestPoolGivesUpOnANodeWhoseKubeletIsGone(t *testing.T) {
	client := fake.NewSimpleClientset(readyNode("n1", nil))
	allowExec(client, true)
	answerDryRuns(client)
	pool := NewPool(client, Spec{Namespace: "default", Image: "img", RunID: "run01", Deadline: time.Minute}, 300*time.Millisecond, &bytes.Buffer{})
	_, err := pool.Get(context.Background(), "n1")
	if err == nil {
		t.Fatal("Get() on a node without a kubelet succeeded")
	}
	for _, want := range []string{"did not start on node n1 within 300ms", "the node's kubelet has not taken it on", "kubectl describe node n1", "--pod-running-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if len(left.Items) != 0 {
		t.Errorf("%d helper pods left after giving up", len(left.Items))
	}
}

func TestPoolPreflightRefusalCreatesNothing(t *testing.T) {
	client := fake.NewSimpleClientset() // no such node
	allowExec(client, true)
	pool := newTestPool(client, &bytes.Buffer{})
	defer pool.Close()
	if _, err := pool.Get(context.Background(), "ghost"); err == nil || !strings.Contains(err.Error(), `node "ghost" not found`) {
		t.Fatalf("Get() = %v, want node not found", err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() == "create" && a.GetResource().Resource == "pods" {
			t.Errorf("a pod was created despite the refusal: %v", a)
		}
	}
}
