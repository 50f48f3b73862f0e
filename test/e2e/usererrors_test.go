//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// TestUserErrorsSayWhatToDoInOneLine names pods that do not exist, have not started, or have no network of
// their own, to every verb: each run fails with one line that says what to do and leaves no helper pod.
func TestUserErrorsSayWhatToDoInOneLine(t *testing.T) {
	c := framework.Load(t)
	ns := c.Namespace(t, "pw-errors", nil)
	pending := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pending"},
		Spec: corev1.PodSpec{
			NodeSelector:                  map[string]string{"packetwalk.dev/no-such-node": "true"},
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			Containers:                    []corev1.Container{{Name: "app", Image: c.Image, Command: []string{"sleep", "3600"}}},
		},
	}
	if _, err := c.Client.CoreV1().Pods(ns).Create(context.Background(), pending, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hostNet := c.Helper(t, c.Nodes[0].Name) // the framework's own helper pods use the node's network

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"veth, missing pod", []string{"veth", "nope", "-n", ns},
			`pod "nope" not found in namespace "` + ns + `": list them with kubectl get pods -n ` + ns},
		{"walk, missing source", []string{"pod", "nope", "--to", "httpbin", "-n", ns},
			`source: pod "nope" not found in namespace "` + ns + `"`},
		{"walk, missing Service", []string{"pod", "curl", "--to", "svc/nope", "-n", "default"},
			`destination: Service "nope" not found in namespace "default": list them with kubectl get services -n default`},
		{"capture, missing pod", []string{"capture", "pod/nope", "-n", ns, "-w", "/dev/null"},
			`pod "nope" not found in namespace "` + ns + `"`},
		{"capture, pod not scheduled", []string{"capture", "pod/pending", "-n", ns, "-w", "/dev/null"},
			"pod " + ns + "/pending is not scheduled to a node yet: see why with kubectl describe pod pending -n " + ns},
		{"walk, source not scheduled", []string{"pod", "pending", "--to", "svc/default/httpbin", "-n", ns},
			"source: pod " + ns + "/pending is not scheduled to a node yet"},
		{"walk, destination not scheduled", []string{"pod", "curl", "--to", ns + "/pending", "-n", "default"},
			"destination: pod " + ns + "/pending is not scheduled to a node yet"},
		{"capture, hostNetwork pod", []string{"capture", "pod/" + hostNet.Pod, "-n", framework.HelperNamespace, "-w", "/dev/null"},
			"uses the node's network (hostNetwork): it has no veth of its own; capture on node " + c.Nodes[0].Name + "'s interfaces instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := c.RunPlugin(t, ctx, append(tt.args, "--image", c.Image)...)
			if res.ExitCode == 0 {
				t.Fatalf("kubectl packetwalk %s succeeded:\n%s", strings.Join(tt.args, " "), res.Stdout)
			}
			stderr := strings.TrimSpace(res.Stderr)
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
			if strings.Contains(stderr, "\n") {
				t.Errorf("the error takes more than one line:\n%s", stderr)
			}
			expectNoHelperPods(t, c)
		})
	}
}
