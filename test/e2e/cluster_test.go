//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

func TestEveryLabNodeIsReady(t *testing.T) {
	c := framework.Load(t)
	nodes, err := c.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != len(c.Nodes) || len(nodes.Items) < 2 {
		t.Fatalf("the API has %d nodes, the lab made %d; want the same, at least 2", len(nodes.Items), len(c.Nodes))
	}
	for _, labNode := range c.Nodes {
		var node *corev1.Node
		for i := range nodes.Items {
			if nodes.Items[i].Name == labNode.Name {
				node = &nodes.Items[i]
			}
		}
		if node == nil {
			t.Errorf("lab node %s is not in the API", labNode.Name)
			continue
		}
		ready := false
		for _, cond := range node.Status.Conditions {
			ready = ready || (cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue)
		}
		if !ready {
			t.Errorf("node %s is not Ready: %v", node.Name, node.Status.Conditions)
		}
		internalIP := ""
		for _, a := range node.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				internalIP = a.Address
			}
		}
		if internalIP != labNode.IP || node.Spec.PodCIDR != labNode.PodCIDR {
			t.Errorf("node %s: InternalIP %s podCIDR %s, want %s and %s", node.Name, internalIP, node.Spec.PodCIDR, labNode.IP, labNode.PodCIDR)
		}
	}
}

// The scenario's placement is what makes same-node and cross-node paths deterministic.
func TestScenarioPlacement(t *testing.T) {
	c := framework.Load(t)
	node1, node2 := c.Nodes[0].Name, c.Nodes[1].Name
	for pod, want := range map[string]string{"curl": node1, "httpbin": node2, "httpbin-local": node1} {
		if got := c.Pod(t, "default", pod).Spec.NodeName; got != want {
			t.Errorf("pod %s runs on %s, want %s", pod, got, want)
		}
	}
	for svc, wantPod := range map[string]string{"httpbin": "httpbin", "httpbin-local": "httpbin-local", "httpbin-nodeport": "httpbin"} {
		slices, err := c.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(),
			metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		for _, s := range slices.Items {
			for _, ep := range s.Endpoints {
				if ep.TargetRef != nil {
					targets = append(targets, ep.TargetRef.Name)
				}
			}
		}
		if len(targets) != 1 || targets[0] != wantPod {
			t.Errorf("service %s endpoints %v, want exactly [%s]", svc, targets, wantPod)
		}
	}
}

// The client image proves packetwalk needs no tools in application pods: it has no shell at all.
func TestClientPodHasNoShell(t *testing.T) {
	c := framework.Load(t)
	c.Pod(t, "default", "curl")
	for _, argv := range [][]string{{"sh", "-c", "true"}, {"/bin/sh", "-c", "true"}, {"ip", "link"}} {
		res, err := c.Exec(context.Background(), "default", "curl", "client", argv...)
		if err == nil {
			t.Errorf("exec %v in pod curl ran (exit %d); the client image must have no shell and no tools", argv, res.ExitCode)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "executable file not found") && !strings.Contains(msg, "no such file") {
			t.Errorf("exec %v in pod curl: %v; want the runtime to find no such executable", argv, err)
		}
	}
}
