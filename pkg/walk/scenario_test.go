package walk

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun/noderuntest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

var update = flag.Bool("update", false, "record the kernel lab's output into testdata/")

// scenario is a recorded cluster: its nodes, pods, Services and EndpointSlices as the API shows them,
// and every node command's output, in the manifest format of nodefactstest (plus the API objects).
type scenario struct {
	nodefactstest.Manifest
	Services       []corev1.Service            `json:"services,omitempty"`
	EndpointSlices []discoveryv1.EndpointSlice `json:"endpointSlices,omitempty"`
}

// client is a fake clientset holding the scenario's API objects.
func (s *scenario) client() *fake.Clientset {
	var objs []runtime.Object
	for _, n := range s.nodes() {
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

func (s *scenario) nodes() []*corev1.Node {
	sc := nodefactstest.Scenario{Manifest: s.Manifest}
	return sc.Nodes()
}

func scenarioDir(name string) string { return filepath.Join("testdata", name) }

// loadScenario reads testdata/<name>/manifest.json and a runner that replays its commands.
func loadScenario(t testing.TB, name string) (*scenario, noderun.Runner) {
	t.Helper()
	dir := scenarioDir(name)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("loading scenario %s: %v", name, err)
	}
	var s scenario
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("parsing %s/manifest.json: %v", name, err)
	}
	rec := noderuntest.NewRecorded()
	scans := map[string][]byte{}
	for _, c := range s.Commands {
		out, err := os.ReadFile(filepath.Join(dir, c.Stdout))
		if err != nil {
			t.Fatalf("scenario %s: %v", name, err)
		}
		if len(c.Argv) > 3 && c.Argv[3] == "packetwalk-scan" {
			scans[c.Node] = append(scans[c.Node], out...)
			continue
		}
		rec.Add(c.Node, c.Argv, noderun.Result{Stdout: out, Stderr: []byte(c.Stderr), ExitCode: c.ExitCode})
	}
	return &s, &nodefactstest.Replay{Recorded: rec, Scans: scans}
}

// recorder runs commands through a real runner and keeps each command's output, a batch's commands one
// by one (run separately, then framed as the batch script frames them).
type recorder struct {
	runner noderun.Runner
	names  map[int]string // PID → pod name, for file names

	mu       sync.Mutex
	commands []recordedCommand
}

type recordedCommand struct {
	node string
	argv []string
	res  noderun.Result
}

func (r *recorder) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	cmds, mark, isBatch := batch.Decode(argv)
	if !isBatch {
		cmds = [][]string{argv}
	}
	var results []noderun.Result
	for _, c := range cmds {
		res, err := r.runner.Run(ctx, node, c)
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

func (r *recorder) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	return r.runner.Stream(ctx, node, argv, stdout, stderr)
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9.]+`)

func (r *recorder) fileName(c recordedCommand) string {
	argv, who := c.argv, ""
	if len(argv) > 5 && argv[0] == "nsenter" && argv[1] == "-t" {
		pid, _ := strconv.Atoi(argv[2])
		who = r.names[pid]
		if who == "" {
			who = "pid" + argv[2]
		}
		who += "-"
		argv = argv[5:]
	}
	if len(argv) > 3 && argv[0] == "sh" && argv[1] == "-c" {
		argv = argv[3:4]
	}
	words := strings.Join(argv, "-")
	if len(words) > 70 {
		words = words[:70]
	}
	return filepath.Join(c.node, who+strings.Trim(unsafeChars.ReplaceAllString(words, "-"), "-")+".out")
}

// save writes the scenario and the recorded commands to testdata/<name>.
func (r *recorder) save(t *testing.T, name string, s *scenario) {
	t.Helper()
	dir := scenarioDir(name)
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

// recordedObservation is one observed walk of the kernel lab: what was asked, the probe's source port and
// result, and the probe's packets from every hop (the walk's own -w pcapng).
type recordedObservation struct {
	Request    Request   `json:"request"`
	SourcePort int       `json:"sourcePort"`
	Probe      api.Probe `json:"probe"`
	pcapng     []byte
}

func saveObservations(t *testing.T, scenario string, obs map[string]recordedObservation) {
	t.Helper()
	dir := filepath.Join(scenarioDir(scenario), "observed")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, o := range obs {
		raw, err := json.MarshalIndent(o, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".pcapng"), o.pcapng, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadObservation reads a recorded observed walk back: the probe, and one capture per pcapng interface,
// named "node/interface (label)" as the walk wrote it.
func loadObservation(t *testing.T, scenario, name string) (recordedObservation, *Observation) {
	t.Helper()
	dir := filepath.Join(scenarioDir(scenario), "observed")
	raw, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ro recordedObservation
	if err := json.Unmarshal(raw, &ro); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, name+".pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapread.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	obs := &Observation{Probe: ro.Probe}
	var p pcapread.Packet
	for {
		err := rd.Next(&p)
		if err != nil {
			break
		}
		for len(obs.Captures) < len(rd.Interfaces()) {
			ifc := rd.Interfaces()[len(obs.Captures)]
			where, label, _ := strings.Cut(ifc.Name, " (")
			node, iface, _ := strings.Cut(where, "/")
			obs.Captures = append(obs.Captures, pointCapture{point: CapturePoint{Node: node, Interface: iface, Label: strings.TrimSuffix(label, ")")},
				linkType: ifc.LinkType, ready: true})
		}
		obs.Captures[p.Interface].packets = append(obs.Captures[p.Interface].packets,
			capturedPacket{point: p.Interface, ts: p.Timestamp, data: append([]byte(nil), p.Data...), orig: p.Length})
	}
	return ro, obs
}
