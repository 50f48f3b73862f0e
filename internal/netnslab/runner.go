// Package netnslab is a test helper: it builds real node topologies (Calico VXLAN, flannel) in network
// namespaces this test creates, runs node commands inside them as a helper pod would, and records what
// they print into testdata for the unit tests. It is never the product's runner.
package netnslab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Runner runs argv in the network namespace of a "node": /run/netns/<Nodes[node]>, or in the test's own
// namespace when that name is "". Like a hostPID helper pod, it shares this machine's /proc with every
// other node. Stream treats stdin as the real exec runner does (noderun.Exec): a pipe held open until ctx
// ends and then closed, with nothing killed, so a streamed command must stop on stdin EOF (as
// capture.StopOnEOF makes tcpdump do); one that does not is killed after StopGrace and is an error.
type Runner struct {
	Nodes map[string]string

	mu    sync.Mutex
	calls [][]string
}

var _ noderun.Runner = (*Runner)(nil)

// StopGrace is how long a streamed command may take to exit once its stdin is closed.
const StopGrace = 15 * time.Second

// Calls lists every command run so far, each as node then argv.
func (r *Runner) Calls() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.calls...)
}

func (r *Runner) command(ctx context.Context, node string, argv []string) *exec.Cmd {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string{node}, argv...))
	r.mu.Unlock()
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

// Run implements noderun.Runner. The command is killed when ctx ends.
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
	cmd := r.command(context.Background(), node, argv) // ended by closing its stdin, as over exec
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Its own process group, so that a command that ignores stdin EOF can be killed with its children,
	// which would otherwise keep stdout open and Wait waiting.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
		_ = stdin.Close()
	case <-ctx.Done():
		_ = stdin.Close()
		select {
		case err = <-exited:
		case <-time.After(StopGrace):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited //nolint:errcheck // killed: its exit status adds nothing to the timeout
			return 0, fmt.Errorf("%v did not exit within %s of its stdin closing", argv, StopGrace)
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}
