package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// netnsRunner is a noderun.Runner that runs argv for real in the network namespace standing for each node,
// the way a helper pod's exec session does: stdout and stderr are copied from pipes, stdin is a pipe held
// open until ctx ends and then closed, and nothing is ever killed. So a wrapper that does not stop its
// command on stdin EOF makes Stream hang, and the test fails.
type netnsRunner struct {
	t          testing.TB
	namespaces map[string]string // node → namespace
	mu         sync.Mutex
	calls      [][]string
}

var _ noderun.Runner = (*netnsRunner)(nil)

// stopGrace is how long a command may take to exit once its stdin is closed.
const stopGrace = 15 * time.Second

func (r *netnsRunner) command(node string, argv []string) (*exec.Cmd, error) {
	ns, ok := r.namespaces[node]
	if !ok {
		return nil, fmt.Errorf("netnsRunner: no namespace for node %q", node)
	}
	r.mu.Lock()
	r.calls = append(r.calls, append([]string{node}, argv...))
	r.mu.Unlock()
	return exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...), nil
}

func (r *netnsRunner) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	cmd, err := r.command(node, argv)
	if err != nil {
		return noderun.Result{}, err
	}
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := noderun.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		res.ExitCode = exit.ExitCode()
		return res, nil
	}
	return res, err
}

func (r *netnsRunner) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	cmd, err := r.command(node, argv)
	if err != nil {
		return 0, err
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
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
		case <-time.After(stopGrace):
			r.t.Errorf("%v did not exit within %s of its stdin closing; killing it", argv[:4], stopGrace)
			_ = cmd.Process.Kill()
			err = <-exited
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

func (b *lockedBuffer) String() string { return string(b.Bytes()) }
