// Package walktest replays the walk's recorded scenarios (pkg/walk/testdata/<scenario>: node output of the
// kernel lab with the API objects of its pods, nodes and Service) for tests of code built on the walk,
// and records new ones.
package walktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Scenario is a recorded cluster: its nodes, pods, Services and EndpointSlices as the API shows them,
// and every node command's output, in the manifest format of nodefactstest plus the API objects.
type Scenario struct {
	nodefactstest.Manifest
	Services       []corev1.Service            `json:"services,omitempty"`
	EndpointSlices []discoveryv1.EndpointSlice `json:"endpointSlices,omitempty"`
}

// Client is a fake clientset holding the scenario's API objects (pods Running and Ready).
func (s *Scenario) Client() *fake.Clientset {
	var objs []kruntime.Object
	for _, n := range (&nodefactstest.Scenario{Manifest: s.Manifest}).Nodes() {
		objs = append(objs, n)
	}
	for _, p := range s.Pods {
		pod := p.Pod()
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		objs = append(objs, pod)
	}
	for i := range s.Services {
		objs = append(objs, &s.Services[i])
	}
	for i := range s.EndpointSlices {
		objs = append(objs, &s.EndpointSlices[i])
	}
	return fake.NewSimpleClientset(objs...)
}

// Dir is the folder holding a scenario's recordings.
func Dir(scenario string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", scenario)
}

// Load reads a scenario and a runner that replays its commands (batches command by command, /proc
// scans filtered by the asked patterns).
func Load(t testing.TB, scenario string) (*Scenario, noderun.Runner) {
	t.Helper()
	dir := Dir(scenario)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("loading scenario %s: %v", scenario, err)
	}
	var s Scenario
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("parsing %s/manifest.json: %v", scenario, err)
	}
	return &s, nodefactstest.ReplayCommands(t, dir, s.Commands)
}

// Save writes the scenario with every command rec recorded to testdata/<scenario>, with nodefactstest's
// recorder, the one every package records with.
func Save(t *testing.T, rec *nodefactstest.Recorder, scenario string, s *Scenario) {
	t.Helper()
	rec.SaveTo(t, Dir(scenario), &s.Manifest, s)
}
