//go:build e2e

package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// tunnelOf is the VXLAN a packet from pod travels in to another node on each local dataplane. Cilium's
// cilium_vxlan carries the source's security identity as the VNI: the one the CiliumEndpoint of the pod
// says, as `kubectl get ciliumendpoint` shows it.
func tunnelOf(t *testing.T, c *framework.Cluster, pod string) (port, vni string) {
	t.Helper()
	switch c.Dataplane {
	case framework.Calico:
		return "4789", "4096"
	case framework.Cilium:
		dyn, err := dynamic.NewForConfig(c.Config)
		if err != nil {
			t.Fatal(err)
		}
		cep, err := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumendpoints"}).
			Namespace("default").Get(context.Background(), pod, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the CiliumEndpoint of %s: %v", pod, err)
		}
		id, found, err := unstructured.NestedInt64(cep.Object, "status", "identity", "id")
		if err != nil || !found || id == 0 {
			t.Fatalf("CiliumEndpoint %s has no security identity (%v)", pod, err)
		}
		return "8472", strconv.FormatInt(id, 10)
	}
	return "8472", "1"
}

// TestCaptureCrossNodeShowsPlainAndEncapsulatedPackets captures pod curl's host peer and its node's
// interfaces in one pcapng while curl GETs httpbin on the other node: the pod's packets are plain on the
// veth and VXLAN-encapsulated on eth0, on interfaces named as a person would look for them.
func TestCaptureCrossNodeShowsPlainAndEncapsulatedPackets(t *testing.T) {
	c := framework.Load(t)
	curl := c.Pod(t, "default", "curl")
	httpbin := c.Pod(t, "default", "httpbin")
	if curl.Spec.NodeName == httpbin.Spec.NodeName {
		t.Fatalf("the scenario puts curl and httpbin on one node (%s)", curl.Spec.NodeName)
	}
	file := filepath.Join(t.TempDir(), "cross-node.pcapng")
	cmd := c.PluginCommand(t, context.Background(), "capture", "pod/curl", "node/"+curl.Spec.NodeName,
		"--duration", "6s", "-f", "host "+httpbin.Status.PodIP+" or udp", "-w", file, "--image", c.Image)
	stderr := startAndWaitCapturing(t, cmd)
	for i := 0; i < 3; i++ {
		getFromCurl(t, c, "http://"+httpbin.Status.PodIP+":8080/get")
	}
	rest, _ := io.ReadAll(stderr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("capture: %v\n%s", err, rest)
	}
	if !strings.Contains(string(rest), "capture stopped: duration") {
		t.Errorf("--duration did not end the capture:\n%s", rest)
	}

	port, vni := tunnelOf(t, c, "curl")
	out, err := framework.RunHost(context.Background(), "tshark", "-r", file, "-d", "udp.port=="+port+",vxlan",
		"-T", "fields", "-E", "separator=|", "-e", "frame.interface_name", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport", "-e", "vxlan.vni")
	if err != nil {
		t.Fatal(err)
	}
	peer := c.NodeNetnsRun(t, curl.Spec.NodeName, "ip", "-o", "link", "show") // the host peer's name is checked against the node
	var plainOnVeth, vxlanOnEth0 int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 5 {
			continue
		}
		iface, src, dst, dport, vnis := f[0], f[1], f[2], f[3], f[4]
		switch {
		case strings.HasSuffix(iface, "(default/curl)") && src == curl.Status.PodIP && dst == httpbin.Status.PodIP && vnis == "":
			name := strings.TrimSuffix(strings.TrimPrefix(iface, curl.Spec.NodeName+"/"), " (default/curl)")
			if !strings.Contains(peer, " "+name+"@") {
				t.Errorf("interface %q is not a link of node %s", name, curl.Spec.NodeName)
			}
			plainOnVeth++
		case iface == curl.Spec.NodeName+"/eth0" && strings.HasPrefix(dport, port) && vnis == vni &&
			strings.Contains(src, curl.Status.PodIP) && strings.Contains(dst, httpbin.Status.PodIP):
			vxlanOnEth0++ // tshark prints outer,inner addresses
		}
	}
	if plainOnVeth == 0 || vxlanOnEth0 == 0 {
		t.Errorf("curl → httpbin: %d plain packets on curl's host peer, %d VXLAN (UDP %s, VNI %s) on eth0; want both:\n%s", plainOnVeth, vxlanOnEth0, port, vni, out)
	}
	expectNoHelperPods(t, c)
	expectNoTcpdump(t, c, curl.Spec.NodeName)
}

// startAndWaitCapturing starts cmd and reads its stderr until the capture says it is capturing.
func startAndWaitCapturing(t *testing.T, cmd interface {
	StderrPipe() (io.ReadCloser, error)
	Start() error
}) io.Reader {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	buf := make([]byte, 1)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := stderr.Read(buf); err != nil {
			t.Fatalf("the capture ended before it started:\n%s", seen.String())
		}
		seen.WriteByte(buf[0])
		if strings.Contains(seen.String(), "capturing on") {
			return stderr
		}
	}
	t.Fatalf("the capture did not start in time:\n%s", seen.String())
	return nil
}

// TestCaptureEndsCleanlyWhenTheReaderGoesAway is `capture … | head -c 2000`: a reader that leaves (like a
// closed Wireshark) ends the capture normally, with nothing left on the node.
func TestCaptureEndsCleanlyWhenTheReaderGoesAway(t *testing.T) {
	c := framework.Load(t)
	node := c.Nodes[0].Name
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := c.PluginCommand(t, context.Background(), "capture", "node/"+node, "--image", c.Image)
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := io.ReadAll(io.LimitReader(r, 2000))
	if err != nil || len(got) < 2000 {
		t.Fatalf("read %d bytes of the stream (%v):\n%s", len(got), err, stderr.String())
	}
	r.Close() // the reader goes away
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("a reader going away is a normal end, got %v:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the capture kept running after its reader left:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "capture stopped: reader gone") {
		t.Errorf("stderr does not say why the capture stopped:\n%s", stderr.String())
	}
	expectNoHelperPods(t, c)
	expectNoTcpdump(t, c, node)
}
