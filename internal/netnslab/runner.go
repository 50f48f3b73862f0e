// Package netnslab is a test helper: it builds real node topologies (Calico VXLAN, flannel) in network
// namespaces this test creates, runs node commands inside them as a helper pod would, and records what
// they print into testdata for the unit tests. It is never the product's runner.
package netnslab

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Runner runs argv in the network namespace of a "node": /run/netns/<Nodes[node]>, or in the test's own
// namespace when that name is "". Like a hostPID helper
// pod, it shares this machine's /proc with every other node.
type Runner struct {
	Nodes map[string]string
}

var _ noderun.Runner = (*Runner)(nil)

func (r *Runner) command(ctx context.Context, node string, argv []string) *exec.Cmd {
	ns, ok := r.Nodes[node]
	if !ok {
		return exec.CommandContext(ctx, "packetwalk-test-unknown-node-"+node)
	}
	if ns == "" {
		return exec.CommandContext(ctx, argv[0], argv[1:]...)
	}
	full := append([]string{"--net=/run/netns/" + ns, "--"}, argv...)
	return exec.CommandContext(ctx, "nsenter", full...)
}

// Run implements noderun.Runner.
func (r *Runner) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	var stdout, stderr bytes.Buffer
	cmd := r.command(ctx, node, argv)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := noderun.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}

// Stream implements noderun.Runner.
func (r *Runner) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	cmd := r.command(ctx, node, argv)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}
