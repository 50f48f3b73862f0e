package nodefactstest

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun/noderuntest"
)

// Replay is a noderun.Runner answering from a Recorded runner. A batch from nodefacts (argv
// `sh -c SCRIPT packetwalk-batch MARK N1 ARGS… N2 ARGS…`) is answered command by command, framed as the
// batch script frames it, so Recorded.Calls() lists the individual commands a node was asked to run.
//
// A /proc scan (podnet.ScanArgv) is answered from the node's recorded scan, keeping the lines that contain
// one of the asked patterns as grep -F does, so a test may look up any subset of the recorded pods.
type Replay struct {
	Recorded *noderuntest.Recorded
	// Scans holds each node's recorded /proc scan output.
	Scans map[string][]byte
}

var _ noderun.Runner = (*Replay)(nil)

// Run implements noderun.Runner.
func (r *Replay) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	cmds, mark, ok := batch.Decode(argv)
	if !ok {
		return r.answer(ctx, node, argv)
	}
	results := make([]noderun.Result, len(cmds))
	for i, c := range cmds {
		sub, err := r.answer(ctx, node, c)
		if err != nil {
			return noderun.Result{}, err
		}
		results[i] = sub
	}
	return batch.Frame(results, mark), nil
}

func (r *Replay) answer(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	if len(argv) < 4 || argv[0] != "sh" || argv[3] != "packetwalk-scan" {
		return r.Recorded.Run(ctx, node, argv)
	}
	recorded, ok := r.Scans[node]
	if !ok {
		return noderun.Result{}, fmt.Errorf("nodefactstest: no /proc scan recorded for node %q", node)
	}
	var patterns []string
	for i := 4; i+1 < len(argv); i += 2 {
		if argv[i] == "-e" {
			patterns = append(patterns, argv[i+1])
		}
	}
	var out []byte
	for _, line := range strings.SplitAfter(string(recorded), "\n") {
		for _, p := range patterns {
			if p != "" && strings.Contains(line, p) {
				out = append(out, line...)
				break
			}
		}
	}
	return noderun.Result{Stdout: out}, nil
}

// Stream implements noderun.Runner.
func (r *Replay) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	return r.Recorded.Stream(ctx, node, argv, stdout, stderr)
}
