package framework

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// HelperNamespace holds the framework's own helper pods. They are not packetwalk's helper pods (they carry
// other labels), so tests of packetwalk's cleanup never see them.
const HelperNamespace = "packetwalk-e2e"

// HelperLabel marks every object the framework creates.
const HelperLabel = "packetwalk.dev/e2e"

// Helper is a privileged hostNetwork, hostPID pod on one node, made by the framework to look at the node
// and into its pods the way a person would with a node shell: independently of packetwalk's own code.
type Helper struct {
	c    *Cluster
	Node string
	Pod  string
}

var (
	helpersMu sync.Mutex
	helpers   = map[string]*Helper{}
)

// Helper returns the framework's helper pod on node, creating it on first use. It lives until Main's
// cleanup, shared by every test of the package.
func (c *Cluster) Helper(t testing.TB, node string) *Helper {
	t.Helper()
	helpersMu.Lock()
	defer helpersMu.Unlock()
	if h, ok := helpers[node]; ok {
		return h
	}
	ctx := context.Background()
	if err := c.ensureNamespace(ctx, HelperNamespace, nil); err != nil {
		t.Fatal(err)
	}
	pod := helperPod(node, c.Image)
	if _, err := c.Client.CoreV1().Pods(HelperNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating the e2e helper pod on %s: %v", node, err)
	}
	if _, err := c.WaitPodReady(ctx, HelperNamespace, pod.Name); err != nil {
		t.Fatal(err)
	}
	h := &Helper{c: c, Node: node, Pod: pod.Name}
	helpers[node] = h
	return h
}

// helperPod is the framework's node helper: privileged, host network and PID, pinned to node.
func helperPod(node, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "e2e-helper-" + strings.ToLower(node),
			Namespace: HelperNamespace,
			Labels:    map[string]string{HelperLabel: "true"},
		},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			HostNetwork:                   true,
			HostPID:                       true,
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{
				Name:            "helper",
				Image:           image,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         []string{"sleep", "3600"},
				SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
			}},
		},
	}
}

// Run runs argv in the helper pod (so on its node, in the node's network namespace) and fails the test
// if it cannot run or exits non-zero.
func (h *Helper) Run(t testing.TB, argv ...string) string {
	t.Helper()
	res, err := h.c.Exec(context.Background(), HelperNamespace, h.Pod, "helper", argv...)
	if err != nil {
		t.Fatalf("on %s: %v", h.Node, err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("on %s: %s exited %d: %s", h.Node, strings.Join(argv, " "), res.ExitCode, res.Stderr)
	}
	return res.Stdout
}

// RunInPod runs argv from the helper pod inside the network namespace of pod's container, with nsenter:
// the way to use tools against a pod whose image has none.
func (h *Helper) RunInPod(t testing.TB, pod *corev1.Pod, container string, argv ...string) ExecResult {
	t.Helper()
	if pod.Spec.NodeName != h.Node {
		t.Fatalf("pod %s/%s runs on %s, not on the helper's node %s", pod.Namespace, pod.Name, pod.Spec.NodeName, h.Node)
	}
	pid, err := ContainerPID(pod, container)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.c.Exec(context.Background(), HelperNamespace, h.Pod, "helper", PIDNetnsCommand(pid, argv...)...)
	if err != nil {
		t.Fatalf("on %s in pod %s/%s: %v", h.Node, pod.Namespace, pod.Name, err)
	}
	return res
}

// ensureNamespace creates namespace with labels unless it exists.
func (c *Cluster) ensureNamespace(ctx context.Context, name string, labels map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{HelperLabel: "true"}}}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

// Namespace creates a namespace for one test, named from prefix, with labels (for example PodSecurity's
// pod-security.kubernetes.io/enforce), and deletes it when the test ends.
func (c *Cluster) Namespace(t testing.TB, prefix string, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-", Labels: map[string]string{HelperLabel: "true"}}}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	created, err := c.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a namespace for the test: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Client.CoreV1().Namespaces().Delete(context.Background(), created.Name, metav1.DeleteOptions{})
	})
	return created.Name
}

// deleteHelpers removes the framework's helper pods (Main calls it after the tests).
func deleteHelpers(c *Cluster) {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for node, h := range helpers {
		_ = c.Client.CoreV1().Pods(HelperNamespace).Delete(context.Background(), h.Pod, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		delete(helpers, node)
	}
}
