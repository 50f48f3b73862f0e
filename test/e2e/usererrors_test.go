//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/retry"
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
			expectOneLineError(t, c.RunPlugin(t, ctx, append(tt.args, "--image", c.Image)...), tt.want)
			expectNoHelperPods(t, c)
		})
	}
}

// TestRBACRefusalAndBadFilterLeaveNothing runs the plugin as a user who may read pods but not create them
// (the built-in "view" role), and with a filter tcpdump rejects: both fail in one line that says what to do.
func TestRBACRefusalAndBadFilterLeaveNothing(t *testing.T) {
	c := framework.Load(t)
	ctx := context.Background()

	res := c.RunPlugin(t, ctx, "capture", "pod/curl", "-n", "default", "-f", "tcp port", "-w", "/dev/null", "--image", c.Image)
	expectOneLineError(t, res, `with -f "tcp port": tcpdump: can't parse filter expression`)
	expectNoHelperPods(t, c)

	viewer := c.Namespace(t, "pw-viewer", nil)
	if _, err := c.Client.CoreV1().ServiceAccounts(viewer).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: viewer, Name: "viewer"}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"}}
	if _, err := c.Client.RbacV1().RoleBindings("default").Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client.RbacV1().RoleBindings("default").Delete(context.Background(), "viewer", metav1.DeleteOptions{})
	})
	nodeReader := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: viewer + "-nodes"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}}}
	if _, err := c.Client.RbacV1().ClusterRoles().Create(ctx, nodeReader, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client.RbacV1().ClusterRoles().Delete(context.Background(), nodeReader.Name, metav1.DeleteOptions{})
	})
	nodeBinding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: viewer + "-nodes"}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: nodeReader.Name}}
	if _, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, nodeBinding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client.RbacV1().ClusterRoleBindings().Delete(context.Background(), nodeBinding.Name, metav1.DeleteOptions{})
	})

	kubeconfig := viewerKubeconfig(t, c, viewer, "viewer")
	for _, args := range [][]string{
		{"veth", "curl", "-n", "default"},
		{"capture", "node/" + c.Nodes[0].Name, "-c", "1", "-w", "/dev/null"},
	} {
		res := runAs(t, ctx, c, kubeconfig, append(args, "--image", c.Image)...)
		expectOneLineError(t, res, `you may not exec into pods in namespace "default" (RBAC): packetwalk needs create/get/watch/patch/delete on pods and create on pods/exec there`)
	}
	expectNoHelperPods(t, c)
}

// TestNodeWithoutAKubelet registers a node that no kubelet serves. It first has no status at all, like a node
// whose kubelet never started; then it looks like a node whose kubelet has just stopped: still Ready, then
// Unknown once the node controller notices. Each run fails in one line that says what to check, and leaves no
// helper pod.
func TestNodeWithoutAKubelet(t *testing.T) {
	c := framework.Load(t)
	ctx := context.Background()
	node, err := c.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pw-ghost-", Labels: map[string]string{corev1.LabelOSStable: "linux"}},
		Spec:       corev1.NodeSpec{Unschedulable: true}, // keeps the other tests' pods off it
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := node.Name
	t.Cleanup(func() { _ = c.Client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	setReady := func(status corev1.ConditionStatus, reason, message string) {
		t.Helper()
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error { // the node controllers write to new nodes too
			n, err := c.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			now := metav1.Now()
			n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: reason, Message: message,
				LastHeartbeatTime: now, LastTransitionTime: now}}
			_, err = c.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	capture := func() framework.PluginResult {
		runCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return c.RunPlugin(t, runCtx, "capture", "node/"+name, "-c", "1", "-w", "/dev/null", "--pod-running-timeout", "5s", "--image", c.Image)
	}

	expectOneLineError(t, capture(), "node "+name+" has never reported whether it is Ready: its kubelet has not started yet")
	expectNoHelperPods(t, c)

	setReady(corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status")
	expectOneLineError(t, capture(), "did not start on node "+name+" within 5s (the node's kubelet has not taken it on): check the node with kubectl describe node "+name)
	expectNoHelperPods(t, c)

	setReady(corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status.")
	expectOneLineError(t, capture(), "node "+name+" is NotReady (NodeStatusUnknown: Kubelet stopped posting node status.): its kubelet cannot start a helper pod")
	expectNoHelperPods(t, c)
}

// TestUnreachableKubelet has a node whose kubelet port rejects the API server, as a firewall between the two
// does: the helper pod starts, but no command reaches it. The one line names the node and the network's
// answer, not the exec URL with the whole command line in it, and no helper pod is left.
func TestUnreachableKubelet(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[1]
	rule := []string{"INPUT", "-p", "tcp", "--dport", "10250", "-j", "REJECT", "--reject-with", "tcp-reset"}
	c.NodeNetnsRun(t, node.Name, append([]string{"iptables", "-I"}, rule...)...)
	t.Cleanup(func() { c.NodeNetnsRun(t, node.Name, append([]string{"iptables", "-D"}, rule...)...) })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := c.RunPlugin(t, ctx, "capture", "node/"+node.Name, "-c", "1", "-w", "/dev/null", "--image", c.Image)
	expectOneLineError(t, res, "cannot reach the kubelet on node "+node.Name+" (dial tcp "+node.IP+":10250: connect: connection refused): the API server must reach the kubelet's port 10250 on that node")
	expectNoHelperPods(t, c)
}

func expectOneLineError(t *testing.T, res framework.PluginResult, want string) {
	t.Helper()
	if res.ExitCode == 0 {
		t.Fatalf("the plugin succeeded, want an error with %q:\n%s", want, res.Stdout)
	}
	// Progress lines ("creating helper pod …") may come first; the error is the last line and the only one.
	lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
	var errorLines []string
	for _, l := range lines {
		if strings.HasPrefix(l, "error: ") {
			errorLines = append(errorLines, l)
		}
	}
	if len(errorLines) != 1 || errorLines[0] != lines[len(lines)-1] || !strings.Contains(errorLines[0], want) {
		t.Errorf("want one last line \"error: …%s…\", stderr is:\n%s", want, res.Stderr)
	}
}

// runAs runs the plugin with args to completion as the user of kubeconfig.
func runAs(t *testing.T, ctx context.Context, c *framework.Cluster, kubeconfig string, args ...string) framework.PluginResult {
	t.Helper()
	cmd := c.PluginCommand(t, ctx, args...)
	cmd.Env = append(cmd.Env, "KUBECONFIG="+kubeconfig) // the last value of a variable wins
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := framework.PluginResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	t.Logf("kubectl-packetwalk %s: exit %d\n%s%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	return res
}

// viewerKubeconfig writes a kubeconfig for the local cluster that authenticates as service account
// namespace/name with a short-lived token.
func viewerKubeconfig(t *testing.T, c *framework.Cluster, namespace, name string) string {
	t.Helper()
	tr, err := c.Client.CoreV1().ServiceAccounts(namespace).CreateToken(context.Background(), name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthInfos = map[string]*clientcmdapi.AuthInfo{"viewer": {Token: tr.Status.Token}}
	for _, kc := range cfg.Contexts {
		kc.AuthInfo = "viewer"
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
