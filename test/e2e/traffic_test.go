//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// httpbinAnswer is the part of httpbin's /get answer the tests read.
type httpbinAnswer struct {
	Hostname string `json:"hostname"`
	Origin   string `json:"origin"`
}

// getFromCurl GETs url from inside pod curl's network namespace (curl the tool, run from the node's helper
// pod: the curl pod itself has no tools) and returns httpbin's answer.
func getFromCurl(t *testing.T, c *framework.Cluster, url string) httpbinAnswer {
	t.Helper()
	pod := c.Pod(t, "default", "curl")
	res := c.Helper(t, pod.Spec.NodeName).RunInPod(t, pod, "client", "curl", "-sS", "--max-time", "5", url)
	if res.ExitCode != 0 {
		t.Fatalf("curl %s from pod curl: exit %d: %s", url, res.ExitCode, res.Stderr)
	}
	var a httpbinAnswer
	if err := json.Unmarshal([]byte(res.Stdout), &a); err != nil {
		t.Fatalf("curl %s from pod curl: %q is not httpbin's answer: %v", url, res.Stdout, err)
	}
	return a
}

func serviceIP(t *testing.T, c *framework.Cluster, name string) string {
	t.Helper()
	svc, err := c.Client.CoreV1().Services("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Spec.ClusterIP
}

func TestCurlReachesHttpbin(t *testing.T) {
	c := framework.Load(t)
	curl := c.Pod(t, "default", "curl")
	httpbin := c.Pod(t, "default", "httpbin")
	local := c.Pod(t, "default", "httpbin-local")

	tests := []struct {
		name, url, wantHost string
	}{
		{"cross-node pod IP", fmt.Sprintf("http://%s:8080/get", httpbin.Status.PodIP), "httpbin"},
		{"same-node pod IP", fmt.Sprintf("http://%s:8080/get", local.Status.PodIP), "httpbin-local"},
		{"cross-node Service", fmt.Sprintf("http://%s/get", serviceIP(t, c, "httpbin")), "httpbin"},
		{"same-node Service", fmt.Sprintf("http://%s/get", serviceIP(t, c, "httpbin-local")), "httpbin-local"},
		{"NodePort on node 2", fmt.Sprintf("http://%s:30080/get", c.Nodes[1].IP), "httpbin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getFromCurl(t, c, tt.url)
			if got.Hostname != tt.wantHost {
				t.Errorf("GET %s answered by %q, want %q", tt.url, got.Hostname, tt.wantHost)
			}
			// pod to pod and to a ClusterIP keep the client's address: no SNAT inside the cluster
			if tt.name != "NodePort on node 2" && got.Origin != curl.Status.PodIP {
				t.Errorf("GET %s: httpbin saw origin %s, want pod curl's %s", tt.url, got.Origin, curl.Status.PodIP)
			}
		})
	}
}

// The framework's helper pod runs in the node's network namespace: its links are the node's own.
func TestHelperPodSeesItsNodesLinks(t *testing.T) {
	c := framework.Load(t)
	for _, n := range c.Nodes[:2] {
		viaHelper, err := framework.ParseLinks(c.Helper(t, n.Name).Run(t, "ip", "-j", "link", "show"))
		if err != nil {
			t.Fatal(err)
		}
		onHost, err := framework.ParseLinks(c.NodeNetnsRun(t, n.Name, "ip", "-j", "link", "show"))
		if err != nil {
			t.Fatal(err)
		}
		// pods' host peers come and go with other tests' pods: compare the node's own links
		names := func(links []framework.Link) map[string]int {
			m := map[string]int{}
			for _, l := range links {
				if !strings.HasPrefix(l.IfName, "veth") && !strings.HasPrefix(l.IfName, "cali") {
					m[l.IfName] = l.IfIndex
				}
			}
			return m
		}
		h, host := names(viaHelper), names(onHost)
		if h["eth0"] == 0 || len(h) != len(host) {
			t.Fatalf("%s: helper sees %v, the node's namespace holds %v", n.Name, h, host)
		}
		for name, idx := range host {
			if h[name] != idx {
				t.Errorf("%s: link %s has index %d in the node's namespace, %d from the helper", n.Name, name, idx, h[name])
			}
		}
	}
}
