// Package nodefactstest replays recorded node output for tests of code built on nodefacts: the kernel
// lab's recordings (Calico VXLAN, flannel) and hand-checked ones (Calico IPIP, Cilium) kept in
// pkg/nodefacts/testdata/<scenario>/.
//
// Each scenario has a manifest.json naming its pods and nodes and, for every command a node answered, the
// argv, exit status and a file with its stdout. Replay answers the one-exec batches nodefacts sends by
// answering each command inside them from those recordings.
package nodefactstest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun/noderuntest"
)

// Manifest describes one recorded scenario.
type Manifest struct {
	// Source says where the output came from: "kernel lab (go test -update)" or "hand-checked: …".
	Source   string        `json:"source"`
	Nodes    []NodeInfo    `json:"nodes"`
	Pods     []PodInfo     `json:"pods"`
	Commands []CommandInfo `json:"commands"`
}

// NodeInfo is what the Kubernetes Node object of a recorded node says.
type NodeInfo struct {
	Name       string   `json:"name"`
	InternalIP string   `json:"internalIP"`
	PodCIDRs   []string `json:"podCIDRs,omitempty"`
}

// PodInfo is what the Kubernetes Pod object of a recorded pod says.
type PodInfo struct {
	Namespace    string   `json:"namespace"`
	Name         string   `json:"name"`
	UID          string   `json:"uid"`
	Node         string   `json:"node"`
	IPs          []string `json:"ips"`
	ContainerIDs []string `json:"containerIDs,omitempty"`
	HostNetwork  bool     `json:"hostNetwork,omitempty"`
}

// CommandInfo is one recorded command.
type CommandInfo struct {
	Node     string   `json:"node"`
	Argv     []string `json:"argv"`
	Stdout   string   `json:"stdout"` // file name, relative to the scenario's folder
	Stderr   string   `json:"stderr,omitempty"`
	ExitCode int      `json:"exitCode,omitempty"`
}

// Dir is the folder holding scenario's recordings.
func Dir(scenario string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", scenario)
}

// Scenario is a loaded recording.
type Scenario struct {
	Manifest Manifest
	Runner   *Replay
}

// Load reads scenario's manifest and recordings.
func Load(t testing.TB, scenario string) *Scenario {
	t.Helper()
	dir := Dir(scenario)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("loading scenario %s: %v", scenario, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("parsing %s/manifest.json: %v", scenario, err)
	}
	return &Scenario{Manifest: m, Runner: ReplayCommands(t, dir, m.Commands)}
}

// ReplayCommands is a Replay answering the recorded commands, whose stdout files are in dir.
func ReplayCommands(t testing.TB, dir string, commands []CommandInfo) *Replay {
	t.Helper()
	rec := noderuntest.NewRecorded()
	scans := map[string][]byte{}
	for _, c := range commands {
		out, err := os.ReadFile(filepath.Join(dir, c.Stdout))
		if err != nil {
			t.Fatalf("recorded output of %s: %v", dir, err)
		}
		if len(c.Argv) > 3 && c.Argv[3] == "packetwalk-scan" {
			scans[c.Node] = append(scans[c.Node], out...)
			continue
		}
		rec.Add(c.Node, c.Argv, noderun.Result{Stdout: out, Stderr: []byte(c.Stderr), ExitCode: c.ExitCode})
	}
	return &Replay{Recorded: rec, Scans: scans}
}

// Pods returns the scenario's pods as Kubernetes objects (Running, with their IPs and container IDs).
func (s *Scenario) Pods() []*corev1.Pod {
	var pods []*corev1.Pod
	for _, p := range s.Manifest.Pods {
		pods = append(pods, p.Pod())
	}
	return pods
}

// Pod returns the scenario's pod namespace/name, or nil.
func (s *Scenario) Pod(namespace, name string) *corev1.Pod {
	for _, p := range s.Manifest.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p.Pod()
		}
	}
	return nil
}

// PodsOn returns the scenario's pods on node.
func (s *Scenario) PodsOn(node string) []*corev1.Pod {
	var pods []*corev1.Pod
	for _, p := range s.Manifest.Pods {
		if p.Node == node {
			pods = append(pods, p.Pod())
		}
	}
	return pods
}

// Nodes returns the scenario's nodes as Kubernetes objects (Ready, Linux).
func (s *Scenario) Nodes() []*corev1.Node {
	var nodes []*corev1.Node
	for _, n := range s.Manifest.Nodes {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: map[string]string{corev1.LabelOSStable: "linux", corev1.LabelHostname: n.Name}},
			Spec:       corev1.NodeSpec{PodCIDRs: n.PodCIDRs},
			Status: corev1.NodeStatus{
				Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.InternalIP}},
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				NodeInfo:   corev1.NodeSystemInfo{OperatingSystem: "linux"},
			},
		}
		if len(n.PodCIDRs) > 0 {
			node.Spec.PodCIDR = n.PodCIDRs[0]
		}
		nodes = append(nodes, node)
	}
	return nodes
}

// Objects returns the scenario's nodes and pods, as a fake clientset takes them.
func (s *Scenario) Objects() []k8sruntime.Object {
	var objs []k8sruntime.Object
	for _, n := range s.Nodes() {
		objs = append(objs, n)
	}
	for _, p := range s.Pods() {
		objs = append(objs, p)
	}
	return objs
}

// Pod is p as a Running Kubernetes pod.
func (p PodInfo) Pod() *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, UID: types.UID(p.UID),
			Labels: map[string]string{"app": strings.TrimSuffix(p.Name, "-0")}},
		Spec: corev1.PodSpec{NodeName: p.Node, HostNetwork: p.HostNetwork,
			Containers: []corev1.Container{{Name: p.Name, Image: "packetwalk.local/" + strings.TrimSuffix(p.Name, "-0") + ":1"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for i, ip := range p.IPs {
		if i == 0 {
			pod.Status.PodIP = ip
		}
		pod.Status.PodIPs = append(pod.Status.PodIPs, corev1.PodIP{IP: ip})
	}
	for _, id := range p.ContainerIDs {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: p.Name, ContainerID: id, Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	}
	return pod
}
