package nodefactstest

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

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
	cmds, mark, ok := DecodeBatch(argv)
	if !ok {
		return r.answer(ctx, node, argv)
	}
	var res noderun.Result
	for i, c := range cmds {
		sub, err := r.answer(ctx, node, c)
		if err != nil {
			return noderun.Result{}, err
		}
		res.Stderr = append(res.Stderr, fmt.Sprintf("%s %d\n", mark, i)...)
		res.Stderr = append(res.Stderr, sub.Stderr...)
		res.Stdout = append(res.Stdout, sub.Stdout...)
		res.Stdout = append(res.Stdout, fmt.Sprintf("\n%s %d %d\n", mark, i, sub.ExitCode)...)
	}
	return res, nil
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

// DecodeBatch unpacks a nodefacts batch argv into its commands and frame mark.
func DecodeBatch(argv []string) (cmds [][]string, mark string, ok bool) {
	if len(argv) < 5 || argv[0] != "sh" || argv[1] != "-c" || argv[3] != "packetwalk-batch" {
		return nil, "", false
	}
	mark = argv[4]
	rest := argv[5:]
	for len(rest) > 0 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 0 || n > len(rest)-1 {
			return nil, "", false
		}
		cmds = append(cmds, rest[1:1+n])
		rest = rest[1+n:]
	}
	return cmds, mark, true
}
