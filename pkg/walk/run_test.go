package walk

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
)

func TestRunWithoutAProbe(t *testing.T) {
	s, runner := walktest.Load(t, "calico-vxlan")
	var phases bytes.Buffer
	opts := DefaultOptions()
	opts.NoProbe, opts.Phases = true, &phases
	res, err := Run(context.Background(), Cluster{Client: s.Client(), Runner: runner}, svcHTTPBin, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Observation != nil || res.Walk.Probe != nil || res.Walk.Verdict.Result != api.VerdictNotProbed {
		t.Errorf("a walk without a probe has observation %v, probe %v, verdict %+v", res.Observation, res.Walk.Probe, res.Walk.Verdict)
	}
	if len(res.Walk.Paths) != 2 || res.Input.SourcePort != 0 {
		t.Errorf("%d paths, source port %d; want both endpoints of the Service and no probe port", len(res.Walk.Paths), res.Input.SourcePort)
	}
	for _, phase := range []string{"node and API facts: ", "route questions: "} {
		if !strings.Contains(phases.String(), phase) {
			t.Errorf("phases %q lack %q", phases.String(), phase)
		}
	}
}

// portTakenOnce answers the probe itself, refusing its first source port as taken (curl's exit code 45),
// runs captures that see nothing, and replays the rest.
type portTakenOnce struct {
	noderun.Runner
	mu    sync.Mutex
	ports []int
}

func (r *portTakenOnce) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	i := slices.Index(argv, "--local-port")
	if i < 0 {
		return r.Runner.Run(ctx, node, argv)
	}
	port, _ := strconv.Atoi(argv[i+1])
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ports = append(r.ports, port)
	if len(r.ports) == 1 {
		return noderun.Result{ExitCode: curlLocalPortBusy, Stderr: []byte("curl: (45) bind failed with errno 98: Address already in use\n")}, nil
	}
	return noderun.Result{Stdout: []byte("200 0.001\n")}, nil
}

func (r *portTakenOnce) Stream(ctx context.Context, _ string, _ []string, _, _ io.Writer) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func TestRunProbesAgainWhenItsSourcePortIsTaken(t *testing.T) {
	s, replay := walktest.Load(t, "calico-vxlan")
	runner := &portTakenOnce{Runner: replay}
	opts := DefaultOptions()
	opts.Observe.ReadyTimeout, opts.Observe.Settle = 10*time.Millisecond, 0
	res, err := Run(context.Background(), Cluster{Client: s.Client(), Runner: runner}, podHTTPBin, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(runner.ports) != 2 || runner.ports[0] == runner.ports[1] {
		t.Fatalf("probes sent from ports %v, want a second one from another port", runner.ports)
	}
	if p := res.Walk.Probe; p == nil || p.SourcePort != runner.ports[1] || p.ExitCode != 0 {
		t.Errorf("the walk reports probe %+v, want the second one, from port %d", p, runner.ports[1])
	}

	// A port the user chose is not changed behind their back.
	runner = &portTakenOnce{Runner: replay}
	opts.SourcePort = 41000
	res, err = Run(context.Background(), Cluster{Client: s.Client(), Runner: runner}, podHTTPBin, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(runner.ports) != 1 || res.Walk.Probe.ExitCode != curlLocalPortBusy {
		t.Errorf("with --source-port: probes from %v, probe %+v; want one, failed", runner.ports, res.Walk.Probe)
	}
}
