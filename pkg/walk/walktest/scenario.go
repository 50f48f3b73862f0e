// Package walktest replays the walk's recorded scenarios (pkg/walk/testdata/<scenario>: node output of the
// kernel lab with the API objects of its pods, nodes and Service) for tests of code built on the walk,
// and records new ones.
package walktest

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
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

// Recorder runs commands through a real runner and keeps each command's output, a batch's commands one
// by one (run separately, then framed as the batch script frames them).
type Recorder struct {
	Runner noderun.Runner
	// Names maps a PID to its pod's name, for the recorded files' names.
	Names map[int]string

	mu       sync.Mutex
	commands []recordedCommand
}

type recordedCommand struct {
	node string
	argv []string
	res  noderun.Result
}

var _ noderun.Runner = (*Recorder)(nil)

// Run implements noderun.Runner.
func (r *Recorder) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	cmds, mark, isBatch := batch.Decode(argv)
	if !isBatch {
		cmds = [][]string{argv}
	}
	var results []noderun.Result
	for _, c := range cmds {
		res, err := r.Runner.Run(ctx, node, c)
		if err != nil {
			return res, err
		}
		r.mu.Lock()
		r.commands = append(r.commands, recordedCommand{node, c, res})
		r.mu.Unlock()
		results = append(results, res)
	}
	if !isBatch {
		return results[0], nil
	}
	return batch.Frame(results, mark), nil
}

// Stream implements noderun.Runner; streams (captures) are not recorded.
func (r *Recorder) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	return r.Runner.Stream(ctx, node, argv, stdout, stderr)
}

func (r *Recorder) fileName(c recordedCommand) string {
	return nodefactstest.RecordingStem(c.node, c.argv, r.Names, 70) + ".out"
}

// Save writes the scenario with every recorded command to testdata/<scenario>.
func (r *Recorder) Save(t *testing.T, scenario string, s *Scenario) {
	t.Helper()
	dir := Dir(scenario)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	taken := map[string]bool{}
	s.Commands = nil
	for _, c := range r.commands {
		key := c.node + "\x00" + strings.Join(c.argv, "\x00")
		if seen[key] {
			continue
		}
		seen[key] = true
		file := r.fileName(c)
		for i := 2; taken[file]; i++ {
			file = strings.TrimSuffix(r.fileName(c), ".out") + "-" + strconv.Itoa(i) + ".out"
		}
		taken[file] = true
		path := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.res.Stdout, 0o644); err != nil {
			t.Fatal(err)
		}
		s.Commands = append(s.Commands, nodefactstest.CommandInfo{Node: c.node, Argv: c.argv, Stdout: file,
			Stderr: string(c.res.Stderr), ExitCode: c.res.ExitCode})
	}
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d commands into %s", len(s.Commands), dir)
}
