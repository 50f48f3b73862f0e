//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// helperUser creates service account name in namespace with just what packetwalk needs there, and node
// reads: no right to list pods elsewhere. It returns a kubeconfig that authenticates as it.
func helperUser(t *testing.T, c *framework.Cluster, namespace, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Client.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create", "get", "list", "watch", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}},
	}}
	if _, err := c.Client.RbacV1().Roles(namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}
	if _, err := c.Client.RbacV1().RoleBindings(namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodes := namespace + "-" + name + "-nodes"
	reader := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: nodes},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}}}
	if _, err := c.Client.RbacV1().ClusterRoles().Create(ctx, reader, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodeBinding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: nodes}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: nodes}}
	if _, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, nodeBinding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client.RbacV1().ClusterRoleBindings().Delete(context.Background(), nodes, metav1.DeleteOptions{})
		_ = c.Client.RbacV1().ClusterRoles().Delete(context.Background(), nodes, metav1.DeleteOptions{})
	})
	return viewerKubeconfig(t, c, namespace, name)
}

// Two users share one helper namespace. While alice captures (longer than her --helper-deadline), bob
// captures on the same node and runs cleanup there, without rights outside the namespace: alice's capture
// goes on, and each run removes only its own pod.
func TestTwoUsersShareAHelperNamespace(t *testing.T) {
	c := framework.Load(t)
	ns := c.Namespace(t, "pw-shared", nil)
	alice, bob := helperUser(t, c, ns, "alice"), helperUser(t, c, ns, "bob")
	node := c.Nodes[0].Name
	underlayTraffic(t, c, node)

	file := filepath.Join(t.TempDir(), "alice.pcap")
	const deadline = 30 * time.Second
	cmd := c.PluginCommand(t, context.Background(), "capture", "node/"+node, "-i", "eth0", "-w", file,
		"--helper-namespace", ns, "--helper-deadline", deadline.String(), "--image", c.Image)
	cmd.Env = append(cmd.Env, "KUBECONFIG="+alice)
	started := time.Now()
	p, lines := startCommand(t, cmd)
	exited := make(chan error, 1)
	go func() {
		for lines.Scan() {
			t.Log("alice: " + lines.Text())
		}
		exited <- p.wait()
	}()
	alicePods := helperPods(t, c)
	if len(alicePods) != 1 {
		t.Fatalf("alice's capture runs with %d helper pods, want 1", len(alicePods))
	}

	if res := runAs(t, context.Background(), c, bob, "capture", "node/"+node, "-i", "eth0", "-c", "3", "-w", "/dev/null", "--helper-namespace", ns, "--image", c.Image); res.ExitCode != 0 {
		t.Errorf("bob's capture beside alice's failed")
	}
	res := runAs(t, context.Background(), c, bob, "cleanup", "-n", ns)
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, alicePods[0].Name+" in namespace "+ns) || !strings.Contains(res.Stdout, "kept: its run is live") {
		t.Errorf("bob's cleanup did not keep alice's live run, or failed")
	}
	if res := runAs(t, context.Background(), c, bob, "cleanup", "-A"); res.ExitCode == 0 || strings.Count(strings.TrimSpace(res.Stderr), "\n") != 0 {
		t.Errorf("bob may not list pods in all namespaces: cleanup -A must fail in one line")
	}

	// Alice's capture outlives her --helper-deadline: her heartbeat keeps the helper.
	select {
	case err := <-exited:
		t.Fatalf("alice's capture ended after %s: %v", time.Since(started).Round(time.Second), err)
	case <-time.After(time.Until(started.Add(deadline + 15*time.Second))):
	}
	if pods := helperPods(t, c); len(pods) != 1 || pods[0].UID != alicePods[0].UID {
		t.Fatalf("alice's helper pod is gone or changed: %s", podNames(pods))
	}
	before, _ := os.Stat(file)
	time.Sleep(2 * time.Second)
	after, _ := os.Stat(file)
	if before == nil || after == nil || after.Size() <= before.Size() {
		t.Errorf("alice's capture file stopped growing past her deadline")
	}
	if err := p.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("alice's Ctrl-C: %v", err)
	}
	expectNoHelperPods(t, c)
	expectNoTcpdump(t, c, node)
}
