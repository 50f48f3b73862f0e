//go:build e2e

package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// TestKubectlStyleNames names pods as kubectl exec/logs users do, in every verb: a Deployment of two pods
// of which one is ready stands for the ready one, said on stderr; pod/NAME, node/NAME and NAMESPACE/NAME
// are read as kubectl reads them; a bare Service name asks for svc/NAME.
func TestKubectlStyleNames(t *testing.T) {
	c := framework.Load(t)
	ns := c.Namespace(t, "pw-names", nil)
	ready := twoPodDeployment(t, c, ns, "web")
	picked := "deployment/" + ns + "/web: Found 2 pods, using pod/" + ready

	for _, tt := range []struct {
		name       string
		args       []string
		wantStdout string
		wantStderr string
	}{
		{"veth, a deployment", []string{"veth", "deploy/web", "-n", ns, "-o", "json"}, `"name": "` + ready + `"`, "deployment/web: Found 2 pods, using pod/" + ready},
		{"veth, pod/NAME and NAMESPACE/NAME", []string{"veth", "pod/curl", "default/httpbin-local", "-n", "default"}, "default/httpbin-local", ""},
		{"node, node/NAME", []string{"node", "node/" + c.Nodes[0].Name, "-o", "json"}, c.Nodes[0].Name, ""},
		{"walk to a deployment in another namespace", []string{"pod", "curl", "-n", "default", "--to", "deployment/" + ns + "/web", "--port", "8080", "--no-probe"}, ready, picked},
		{"walk from a deployment", []string{"pod", "deploy/" + ns + "/web", "-n", "default", "--to", "svc/httpbin", "--no-probe"}, ready, picked},
		{"capture a deployment", []string{"capture", "deploy/" + ns + "/web", "--duration", "2s", "-w", "/dev/null"}, "", picked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res := c.RunPlugin(t, ctx, append(tt.args, "--image", c.Image)...)
			if res.ExitCode != 0 {
				t.Fatalf("exit %d:\n%s", res.ExitCode, res.Stderr)
			}
			if !strings.Contains(res.Stdout, tt.wantStdout) || !strings.Contains(res.Stderr, tt.wantStderr) {
				t.Errorf("want %q on stdout and %q on stderr, got:\n%s\n---\n%s", tt.wantStdout, tt.wantStderr, res.Stdout, res.Stderr)
			}
			expectNoHelperPods(t, c)
		})
	}

	t.Run("a bare Service name asks for svc/NAME", func(t *testing.T) {
		res := c.RunPlugin(t, context.Background(), "pod", "curl", "-n", "default", "--to", "httpbin-nodeport", "--no-probe", "--image", c.Image)
		expectOneLineError(t, res, `pod "httpbin-nodeport" not found in namespace "default", but Service "httpbin-nodeport" is: name it svc/httpbin-nodeport`)
	})
}

// twoPodDeployment creates a Deployment of two pods and makes only one of them ready, returning its name.
func twoPodDeployment(t *testing.T, c *framework.Cluster, ns, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), framework.PodReadyTimeout)
	defer cancel()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](0),
					Containers: []corev1.Container{{
						Name: "app", Image: c.Image, ImagePullPolicy: corev1.PullIfNotPresent,
						Command: []string{"sleep", "3600"},
						ReadinessProbe: &corev1.Probe{PeriodSeconds: 1,
							ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}}},
					}},
				},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pods []string
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		list, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return false, nil
		}
		pods = pods[:0]
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				pods = append(pods, p.Name)
			}
		}
		return len(pods) == 2, nil
	})
	if err != nil {
		t.Fatalf("waiting for the two pods of deployment %s: %v (running: %v)", name, err, pods)
	}
	sort.Strings(pods)
	// The pod kubectl would list last is made ready, so picking it is not an accident of order.
	ready := pods[1]
	if res, err := c.Exec(ctx, ns, ready, "app", "touch", "/tmp/ready"); err != nil || res.ExitCode != 0 {
		t.Fatalf("making %s ready: %v %+v", ready, err, res)
	}
	if _, err := c.WaitPodReady(ctx, ns, ready); err != nil {
		t.Fatal(err)
	}
	return ready
}

// TestUsageMistakeIsTwoLines: a mistake on the command line is said as kubectl says it, the error and one
// line pointing at -h, with no usage text.
func TestUsageMistakeIsTwoLines(t *testing.T) {
	c := framework.Load(t)
	for _, args := range [][]string{{"veth", "--bogus"}, {"pod", "curl"}, {"node", "a/b"}} {
		res := c.RunPlugin(t, context.Background(), args...)
		want := "See 'kubectl packetwalk " + args[0] + " -h' for help and examples"
		lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
		if res.ExitCode == 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "error: ") || lines[1] != want || res.Stdout != "" {
			t.Errorf("%v: exit %d, want two lines ending in %q, got:\n%s%s", args, res.ExitCode, want, res.Stdout, res.Stderr)
		}
	}
}

// TestConnectionRefusedKeepsKubectlsHint: a server that refuses the connection is said in kubectl's words
// even when packetwalk's error says what it was reading.
func TestConnectionRefusedKeepsKubectlsHint(t *testing.T) {
	c := framework.Load(t)
	res := c.RunPlugin(t, context.Background(), "veth", "curl", "--server", "https://127.0.0.1:1")
	expectOneLineError(t, res, "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?")
}

// TestHelperRequestsSatisfyAQuota: a helper namespace whose ResourceQuota admits only pods with requests
// and limits refuses the helper pod, with the flags to use; with them (and a service account of the
// namespace) the command works.
func TestHelperRequestsSatisfyAQuota(t *testing.T) {
	c := framework.Load(t)
	ctx := context.Background()
	ns := c.Namespace(t, "pw-quota", map[string]string{"pod-security.kubernetes.io/enforce": "privileged"})
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "compute"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			"requests.cpu": resource.MustParse("1"), "requests.memory": resource.MustParse("1Gi"),
			"limits.cpu": resource.MustParse("2"), "limits.memory": resource.MustParse("2Gi"),
		}},
	}
	if _, err := c.Client.CoreV1().ResourceQuotas(ns).Create(ctx, quota, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pw-helper"}}
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Admission refuses every pod until the quota controller has counted the namespace.
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		q, err := c.Client.CoreV1().ResourceQuotas(ns).Get(ctx, "compute", metav1.GetOptions{})
		return err == nil && len(q.Status.Hard) > 0, nil
	}); err != nil {
		t.Fatalf("the quota was never counted: %v", err)
	}

	args := []string{"veth", "curl", "-n", "default", "--helper-namespace", ns, "--image", c.Image}
	res := c.RunPlugin(t, ctx, args...)
	expectOneLineError(t, res, "give them with --helper-requests and --helper-limits")
	expectNoHelperPods(t, c)

	res = c.RunPlugin(t, ctx, append(args, "--helper-requests", "cpu=50m,memory=64Mi", "--helper-limits", "cpu=500m,memory=256Mi",
		"--helper-service-account", "pw-helper")...)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "default/curl") {
		t.Fatalf("with requests and limits: exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	expectNoHelperPods(t, c)
}
