//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// helperPods lists packetwalk's helper pods (not the framework's own) in every namespace.
func helperPods(t *testing.T, c *framework.Cluster) []corev1.Pod {
	t.Helper()
	list, err := c.Client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{LabelSelector: helperpod.Selector})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// expectNoHelperPods waits briefly for deletions to land, then fails if any helper pod is left.
func expectNoHelperPods(t *testing.T, c *framework.Cluster) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		left := helperPods(t, c)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("helper pods left behind: %s", podNames(left))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func podNames(pods []corev1.Pod) string {
	var names []string
	for _, p := range pods {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return strings.Join(names, ", ")
}

// tcpdumpsOnNode lists tcpdump processes running in node's network namespace: hostNetwork helper pods
// share it, so a capture left running on the node shows up here.
func tcpdumpsOnNode(t *testing.T, c *framework.Cluster, node string) []string {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+c.Node(t, node).Netns, &want); err != nil {
		t.Fatal(err)
	}
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	var pids []string
	for _, comm := range comms {
		b, err := os.ReadFile(comm)
		if err != nil || strings.TrimSpace(string(b)) != "tcpdump" {
			continue
		}
		dir := filepath.Dir(comm)
		var st syscall.Stat_t
		if syscall.Stat(dir+"/ns/net", &st) == nil && st.Ino == want.Ino {
			pids = append(pids, filepath.Base(dir))
		}
	}
	return pids
}

func expectNoTcpdump(t *testing.T, c *framework.Cluster, node string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := tcpdumpsOnNode(t, c, node)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tcpdump still running on node %s: pids %s", node, strings.Join(left, " "))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// underlayTraffic makes traffic on node's eth0 until the test ends: the node calls the API server's
// Service address, which kube-proxy sends out of eth0. Captures of eth0 then never wait on a quiet node.
func underlayTraffic(t *testing.T, c *framework.Cluster, node string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	argv := framework.NodeNetnsCommand(c.Node(t, node), "curl", "-sk", "--max-time", "2", "-o", "/dev/null", "https://10.96.0.1/livez")
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_, _ = framework.RunHost(ctx, argv...)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// session opens the plugin's own node access against the local cluster, as a command would.
func session(t *testing.T, c *framework.Cluster) *cmdshared.Session {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &c.Kubeconfig
	access := cmdshared.NewNodeAccess(helperpod.ProfileWalk)
	access.Image = c.Image
	sess, err := access.Open(cmdutil.NewFactory(flags), genericiooptions.IOStreams{In: os.Stdin, Out: os.Stderr, ErrOut: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestHelperPodRunsOnTheAskedNodeAndSeesItsLinks(t *testing.T) {
	c := framework.Load(t)
	ctx := context.Background()
	sess := session(t, c)
	for _, node := range c.Nodes {
		res, err := sess.Runner.Run(ctx, node.Name, iproute.LinkShow())
		if err != nil {
			t.Fatalf("ip link on %s: %v", node.Name, err)
		}
		got, err := iproute.ParseLinks(res.Stdout)
		if err != nil {
			t.Fatal(err)
		}
		want, err := iproute.ParseLinks([]byte(c.NodeNetnsRun(t, node.Name, "ip", "-j", "-d", "link", "show")))
		if err != nil {
			t.Fatal(err)
		}
		if names(got) != names(want) {
			t.Errorf("node %s: the helper pod sees links %s, the node's namespace holds %s", node.Name, names(got), names(want))
		}
		pod, err := sess.Pool.Get(ctx, node.Name)
		if err != nil {
			t.Fatal(err)
		}
		if pod.Spec.NodeName != node.Name || pod.Annotations[helperpod.HeartbeatAnnotation] == "" || pod.Annotations[helperpod.DeadlineAnnotation] != "900" {
			t.Errorf("helper pod %s: nodeName %q, no heartbeat or no 15m deadline: %v", pod.Name, pod.Spec.NodeName, pod.Annotations)
		}
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	expectNoHelperPods(t, c)
}

func names(links iproute.Links) string {
	var n []string
	for _, l := range links {
		n = append(n, l.Name)
	}
	slices.Sort(n)
	return strings.Join(n, " ")
}

func TestCaptureStreamsAValidPcap(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[0].Name
	file := filepath.Join(t.TempDir(), "eth0.pcap")
	underlayTraffic(t, c, node)
	res := c.RunPlugin(t, context.Background(), "capture", "node/"+node, "-i", "eth0", "-c", "10", "--format", "pcap", "-w", file, "--image", c.Image)
	if res.ExitCode != 0 {
		t.Fatalf("capture failed: %s", res.Stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 24 || string(data[:4]) != "\xd4\xc3\xb2\xa1" && string(data[:4]) != "\x4d\x3c\xb2\xa1" {
		t.Fatalf("not a little-endian pcap: % x", data[:min(len(data), 8)])
	}
	out, err := framework.RunHost(context.Background(), "tcpdump", "-nr", file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 10 {
		t.Errorf("tcpdump -r reads %d packets, want 10:\n%s", n, out)
	}
	if !strings.Contains(res.Stderr, node+"/eth0: 10 packets") {
		t.Errorf("the packet count is not on stderr:\n%s", res.Stderr)
	}
	expectNoHelperPods(t, c)
	expectNoTcpdump(t, c, node)
}

// startCapture starts an open-ended capture and waits until it says it is capturing.
func startCapture(t *testing.T, ctx context.Context, c *framework.Cluster, node, file string, flags ...string) (*osProcess, *bufio.Scanner) {
	t.Helper()
	cmd := c.PluginCommand(t, ctx, append([]string{"capture", "node/" + node, "-i", "eth0", "-w", file, "--image", c.Image}, flags...)...)
	return startCommand(t, cmd)
}

// startCommand starts a capture command and waits until it says it is capturing.
func startCommand(t *testing.T, cmd *exec.Cmd) (*osProcess, *bufio.Scanner) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		t.Log(lines.Text())
		if strings.HasPrefix(lines.Text(), "capturing on") {
			return &osProcess{cmd.Process, cmd.Wait}, lines
		}
	}
	t.Fatalf("the capture ended before it started: %v", cmd.Wait())
	return nil, nil
}

type osProcess struct {
	*os.Process
	wait func() error
}

func TestCtrlCLeavesNoHelperPodAndNoTcpdump(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[0].Name
	file := filepath.Join(t.TempDir(), "interrupted.pcap")
	underlayTraffic(t, c, node)
	p, lines := startCapture(t, context.Background(), c, node, file)
	if len(helperPods(t, c)) == 0 || len(tcpdumpsOnNode(t, c, node)) == 0 {
		t.Fatal("the capture runs without a helper pod or a tcpdump: the test would prove nothing")
	}
	time.Sleep(time.Second)
	if err := p.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		t.Log(lines.Text())
	}
	if err := p.wait(); err != nil {
		t.Errorf("Ctrl-C is how a capture ends, not an error: %v", err)
	}
	out, err := framework.RunHost(context.Background(), "tcpdump", "-nr", file)
	if err != nil || strings.Count(out, "\n") == 0 {
		t.Errorf("the interrupted capture file holds no packets (%v)", err)
	}
	if st, err := os.Stat(file); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("the capture file is %v, not for its owner only (it holds traffic)", st.Mode().Perm())
	}
	expectNoHelperPods(t, c)
	expectNoTcpdump(t, c, node)
}

// A killed plugin's helper is live for cleanup until its heartbeat lapses; then the helper's watchdog stops it
// within the deadline and a few seconds, tcpdump with it, and cleanup removes the finished pod.
func TestKilledPluginsHelperStopsAfterTheDeadlineAndCleanupRemovesIt(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[0].Name
	const deadline = 30 * time.Second
	p, _ := startCapture(t, context.Background(), c, node, filepath.Join(t.TempDir(), "killed.pcap"), "--helper-deadline", deadline.String())
	killed := time.Now()
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.wait()
	left := helperPods(t, c)
	if len(left) != 1 {
		t.Fatalf("after SIGKILL, %d helper pods (want the one the killed plugin could not delete)", len(left))
	}
	dry := c.RunPlugin(t, context.Background(), "cleanup", "--dry-run")
	if !strings.Contains(dry.Stdout, left[0].Name) || !strings.Contains(dry.Stdout, "kept: its run is live") {
		t.Errorf("right after the kill, cleanup does not keep the run as live:\n%s", dry.Stdout)
	}
	bound := deadline + helperpod.WatchdogPoll + 10*time.Second // the kubelet's status report
	for {
		pod, err := c.Client.CoreV1().Pods(left[0].Namespace).Get(context.Background(), left[0].Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			t.Logf("helper stopped %s after the kill: %s", time.Since(killed).Round(time.Second), pod.Status.Phase)
			break
		}
		if time.Since(killed) > bound {
			t.Fatalf("the helper still runs %s after its plugin was killed (deadline %s)", time.Since(killed).Round(time.Second), deadline)
		}
		time.Sleep(time.Second)
	}
	expectNoTcpdump(t, c, node)
	res := c.RunPlugin(t, context.Background(), "cleanup")
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, left[0].Name+" in namespace "+left[0].Namespace+" on node "+node) || !strings.Contains(res.Stdout, "deleted") {
		t.Fatalf("cleanup: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	expectNoHelperPods(t, c)
}

func TestRestrictedNamespaceGivesThePreflightMessage(t *testing.T) {
	c := framework.Load(t)
	ns := c.Namespace(t, "pw-restricted", map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	res := c.RunPlugin(t, context.Background(), "capture", "node/"+c.Nodes[0].Name, "-c", "1", "-w", "/dev/null", "--helper-namespace", ns, "--image", c.Image)
	if res.ExitCode == 0 {
		t.Fatal("a restricted namespace accepted a helper pod")
	}
	want := `namespace "` + ns + `" enforces PodSecurity "restricted:latest"`
	if !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "kubectl label namespace packetwalk-helpers pod-security.kubernetes.io/enforce=privileged") || strings.Contains(res.Stderr, "label namespace "+ns) {
		t.Errorf("stderr lacks the preflight message %q:\n%s", want, res.Stderr)
	}
	if lines := strings.Count(strings.TrimSpace(res.Stderr), "\n"); lines != 0 {
		t.Errorf("the refusal takes %d lines, want one:\n%s", lines+1, res.Stderr)
	}
	expectNoHelperPods(t, c)
}

func TestTaintedNodeStillGetsItsHelperPod(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[len(c.Nodes)-1].Name
	taint := corev1.Taint{Key: "packetwalk.dev/e2e", Value: "tainted", Effect: corev1.TaintEffectNoSchedule}
	patch := func(add bool) {
		n, err := c.Client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n.Spec.Taints = slices.DeleteFunc(n.Spec.Taints, func(x corev1.Taint) bool { return x.Key == taint.Key })
		if add {
			n.Spec.Taints = append(n.Spec.Taints, taint)
		}
		if _, err := c.Client.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	patch(true)
	t.Cleanup(func() { patch(false) })
	underlayTraffic(t, c, node)
	res := c.RunPlugin(t, context.Background(), "capture", "node/"+node, "-i", "eth0", "-c", "3", "-w", "/dev/null", "--image", c.Image)
	if res.ExitCode != 0 || !strings.Contains(res.Stderr, node+"/eth0: 3 packets") {
		t.Fatalf("capture on tainted node %s: exit %d\n%s", node, res.ExitCode, res.Stderr)
	}
	expectNoHelperPods(t, c)
}
