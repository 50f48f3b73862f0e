package cleanup

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

var (
	created = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	now     = created.Add(42 * time.Minute)
)

// helper is a helper pod with a one-minute deadline whose last heartbeat was beatAgo before now.
func helper(ns, node, run string, beatAgo time.Duration) *corev1.Pod {
	p := helperpod.Pod(helperpod.Spec{Node: node, Namespace: ns, Image: "img", RunID: run, Deadline: time.Minute})
	p.UID = types.UID("uid-" + run)
	p.CreationTimestamp = metav1.NewTime(created)
	p.Annotations[helperpod.HeartbeatAnnotation] = now.Add(-beatAgo).Format(time.RFC3339)
	p.Status.Phase = corev1.PodRunning
	return p
}

func finished(p *corev1.Pod) *corev1.Pod { p.Status.Phase = corev1.PodSucceeded; return p }

func newOptions(client *fake.Clientset, namespace string) (*Options, *bytes.Buffer) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(streams)
	o.client, o.namespace = client, namespace
	o.now = func() time.Time { return now }
	o.confirm = func(string) (bool, bool) { return false, false }
	return o, out
}

func remaining(t *testing.T, client *fake.Clientset) []string {
	t.Helper()
	list, err := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

// Another user's capture renews its heartbeat: cleanup keeps its pod, and deletes only runs that are over.
func TestCleanupKeepsLiveRuns(t *testing.T) {
	client := fake.NewSimpleClientset(
		helper("default", "kb-node1", "live", 10*time.Second),
		helper("default", "kb-node1", "silent", 3*time.Minute), // no heartbeat for deadline + skew
		finished(helper("default", "kb-node2", "done", 10*time.Second)),
		helper("netdebug", "kb-node2", "elsewhere", time.Hour),
	)
	o, out := newOptions(client, "default")
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "pod/packetwalk-kb-node1-live in namespace default on node kb-node1 (run live, age 42m) kept: its run is live (heartbeat 10s ago); --all deletes it\n" +
		"pod/packetwalk-kb-node1-silent in namespace default on node kb-node1 (run silent, age 42m) deleted\n" +
		"pod/packetwalk-kb-node2-done in namespace default on node kb-node2 (run done, age 42m) deleted\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if got := strings.Join(remaining(t, client), " "); got != "default/packetwalk-kb-node1-live netdebug/packetwalk-kb-node2-elsewhere" {
		t.Errorf("left: %s; want the live run's pod and the other namespace's", got)
	}
}

func TestCleanupAllNamespacesDryRun(t *testing.T) {
	client := fake.NewSimpleClientset(helper("default", "kb-node1", "aaaaa", time.Hour), helper("netdebug", "kb-node2", "bbbbb", time.Hour))
	o, out := newOptions(client, metav1.NamespaceAll)
	o.DryRun = true
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "pod/packetwalk-kb-node1-aaaaa in namespace default on node kb-node1 (run aaaaa, age 42m) would be deleted (dry run)\n" +
		"pod/packetwalk-kb-node2-bbbbb in namespace netdebug on node kb-node2 (run bbbbb, age 42m) would be deleted (dry run)\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(remaining(t, client)) != 2 {
		t.Errorf("a dry run deleted pods")
	}
}

func TestCleanupAllAsksOnATerminal(t *testing.T) {
	for _, tt := range []struct {
		name        string
		asked, yes  bool
		wantDeleted bool
	}{
		{"terminal, no", true, false, false},
		{"terminal, yes", true, true, true},
		{"no terminal", false, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewSimpleClientset(helper("default", "kb-node1", "live", time.Second))
			o, out := newOptions(client, "default")
			o.All = true
			var question string
			o.confirm = func(q string) (bool, bool) { question = q; return tt.asked, tt.yes }
			if err := o.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(question, "1 of them in live runs") {
				t.Errorf("question %q does not warn of live runs", question)
			}
			if deleted := len(remaining(t, client)) == 0; deleted != tt.wantDeleted {
				t.Errorf("deleted = %v, want %v; output:\n%s", deleted, tt.wantDeleted, out.String())
			}
		})
	}
}

// The owning run deletes its pod between cleanup's list and delete (NotFound); another delete is refused:
// cleanup goes on, deletes the rest, and says what it could not do once.
func TestCleanupGoesOnPastFailedDeletes(t *testing.T) {
	client := fake.NewSimpleClientset(helper("default", "n1", "gone", time.Hour), helper("default", "n2", "refused", time.Hour), helper("default", "n3", "plain", time.Hour))
	pods := schema.GroupResource{Resource: "pods"}
	client.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.DeleteActionImpl)
		if pre := d.GetDeleteOptions().Preconditions; pre == nil || pre.UID == nil || *pre.UID != types.UID("uid-"+d.GetName()[len("packetwalk-n1-"):]) {
			t.Errorf("delete of %s without its UID as precondition: %+v", d.GetName(), d.GetDeleteOptions().Preconditions)
		}
		switch d.GetName() {
		case "packetwalk-n1-gone":
			_ = client.Tracker().Delete(a.GetResource(), "default", d.GetName())
			return true, nil, apierrors.NewNotFound(pods, d.GetName())
		case "packetwalk-n2-refused":
			return true, nil, apierrors.NewForbidden(pods, d.GetName(), nil)
		}
		return false, nil, nil
	})
	o, out := newOptions(client, "default")
	err := o.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "1 of 3 helper pods not deleted") || !strings.Contains(err.Error(), "packetwalk-n2-refused") {
		t.Errorf("error = %v, want one naming the refused delete", err)
	}
	if got := strings.Join(remaining(t, client), " "); got != "default/packetwalk-n2-refused" {
		t.Errorf("left: %s; output:\n%s", got, out.String())
	}
}

func TestCleanupWithNothingToDo(t *testing.T) {
	o, out := newOptions(fake.NewSimpleClientset(), "default")
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("No packetwalk helper pods found.")) {
		t.Errorf("output %q", out.String())
	}
}
