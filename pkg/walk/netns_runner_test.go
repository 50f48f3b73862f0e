package walk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// netnsRunner is the test's stand-in for helper pods: it runs a node's commands in the node's network
// namespace (/run/netns/NAME) with nsenter, sharing this machine's /proc and tools as a hostPID helper pod
// shares its node's. Stream keeps the command's stdin open until ctx ends and then closes it, as the real
// exec runner does, so capture.StopOnEOF stops tcpdump the same way.
type netnsRunner struct {
	nodes map[string]string
}

var _ noderun.Runner = (*netnsRunner)(nil)

func (r *netnsRunner) command(node string, argv []string) *exec.Cmd {
	ns, ok := r.nodes[node]
	if !ok {
		return exec.Command("packetwalk-test-unknown-node-" + node)
	}
	return exec.Command("nsenter", append([]string{"--net=/run/netns/" + ns, "--"}, argv...)...)
}

func (r *netnsRunner) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	var stdout, stderr bytes.Buffer
	cmd := r.command(node, argv)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return noderun.Result{}, err
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	res := noderun.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}

func (r *netnsRunner) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	cmd := r.command(node, argv)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-exited:
		}
		_ = stdin.Close()
	}()
	err = cmd.Wait()
	close(exited)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}
