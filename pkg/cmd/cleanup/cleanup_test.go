package cleanup

import (
	"bytes"
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

func helper(ns, node, run string) *corev1.Pod {
	p := helperpod.Pod(helperpod.Spec{Node: node, Namespace: ns, Image: "img", RunID: run, Deadline: time.Minute})
	p.CreationTimestamp = metav1.NewTime(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	return p
}

func TestCleanup(t *testing.T) {
	app := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "curl", Namespace: "default", Labels: map[string]string{"app": "curl"}}}
	for _, dryRun := range []bool{true, false} {
		client := fake.NewSimpleClientset(helper("default", "kb-node1", "aaaaa"), helper("netdebug", "kb-node2", "bbbbb"), app)
		streams, _, out, _ := genericiooptions.NewTestIOStreams()
		o := NewOptions(streams)
		o.client, o.DryRun = client, dryRun
		o.now = func() time.Time { return time.Date(2026, 11, 23, 10, 42, 0, 0, time.UTC) }
		if err := o.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		verb := "deleted"
		if dryRun {
			verb = "would be deleted (dry run)"
		}
		want := "pod/packetwalk-kb-node1-aaaaa in namespace default on node kb-node1 (run aaaaa, age 42m) " + verb + "\n" +
			"pod/packetwalk-kb-node2-bbbbb in namespace netdebug on node kb-node2 (run bbbbb, age 42m) " + verb + "\n"
		if out.String() != want {
			t.Errorf("dry-run=%v output:\n%s\nwant:\n%s", dryRun, out.String(), want)
		}
		left, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
		wantLeft := 1
		if dryRun {
			wantLeft = 3
		}
		if len(left.Items) != wantLeft {
			t.Errorf("dry-run=%v: %d pods left, want %d", dryRun, len(left.Items), wantLeft)
		}
		if _, err := client.CoreV1().Pods("default").Get(context.Background(), "curl", metav1.GetOptions{}); err != nil {
			t.Errorf("cleanup touched an application pod: %v", err)
		}
	}
}

func TestCleanupWithNothingToDo(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(streams)
	o.client = fake.NewSimpleClientset()
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("No packetwalk helper pods found.")) {
		t.Errorf("output %q", out.String())
	}
}
