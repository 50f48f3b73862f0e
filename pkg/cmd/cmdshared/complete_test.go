package cmdshared

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

func fakeClients() ClientFunc {
	client := fake.NewSimpleClientset(
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "curl", Namespace: "default"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "httpbin", Namespace: "default"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kb-node1"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kb-node2"}},
	)
	return func() (kubernetes.Interface, string, error) { return client, "default", nil }
}

// complete runs cobra's hidden __complete command, as a shell's completion script does.
func complete(t *testing.T, fn CompletionFunc, args ...string) []string {
	t.Helper()
	root := &cobra.Command{Use: "packetwalk"}
	root.AddCommand(&cobra.Command{Use: "verb", ValidArgsFunction: fn, Run: func(*cobra.Command, []string) {}})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd, "verb"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(line, ":") && line != "" {
			got = append(got, line)
		}
	}
	return got
}

func TestCompletion(t *testing.T) {
	tests := []struct {
		name string
		fn   CompletionFunc
		args []string
		want string
	}{
		{"pods in the current namespace", CompletePods(fakeClients()), []string{""}, "curl httpbin"},
		{"pods by prefix, after another pod", CompletePods(fakeClients()), []string{"curl", "h"}, "httpbin"},
		{"nodes", CompleteNodes(fakeClients()), []string{"kb-"}, "kb-node1 kb-node2"},
		{"target kinds", CompleteTargets(fakeClients()), []string{""}, "node/ pod/"},
		{"node targets", CompleteTargets(fakeClients()), []string{"node/kb-node2"}, "node/kb-node2"},
		{"pod targets", CompleteTargets(fakeClients()), []string{"pod/c"}, "pod/curl"},
		{"unknown target kind", CompleteTargets(fakeClients()), []string{"svc/"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(complete(t, tt.fn, tt.args...), " "); got != tt.want {
				t.Errorf("completions = %q, want %q", got, tt.want)
			}
		})
	}
}
