// Package noderuntest provides a noderun.Runner that replays recorded node output, for tests.
package noderuntest

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Call is one command a test's code asked a node to run.
type Call struct {
	Node string
	Argv []string
}

// Recorded is a noderun.Runner that answers each (node, argv) with recorded output. A command nobody
// recorded is an error that names it, so a test fails loudly instead of seeing empty output.
type Recorded struct {
	mu        sync.Mutex
	responses map[string]noderun.Result
	calls     []Call
}

var _ noderun.Runner = (*Recorded)(nil)

// NewRecorded returns an empty Recorded runner.
func NewRecorded() *Recorded { return &Recorded{responses: map[string]noderun.Result{}} }

func key(node string, argv []string) string { return node + "\x00" + strings.Join(argv, "\x00") }

// Add records the answer of node to argv.
func (r *Recorded) Add(node string, argv []string, res noderun.Result) *Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses[key(node, argv)] = res
	return r
}

// AddFile records the contents of path (usually under testdata/) as node's stdout for argv.
func (r *Recorded) AddFile(t testing.TB, node string, argv []string, path string) *Recorded {
	t.Helper()
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading recorded output: %v", err)
	}
	return r.Add(node, argv, noderun.Result{Stdout: out})
}

// Calls returns the commands run so far, in order.
func (r *Recorded) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Run implements noderun.Runner.
func (r *Recorded) Run(_ context.Context, node string, argv []string) (noderun.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, Call{Node: node, Argv: append([]string(nil), argv...)})
	res, ok := r.responses[key(node, argv)]
	if !ok {
		return noderun.Result{}, fmt.Errorf("noderuntest: nothing recorded for node %q argv %q", node, argv)
	}
	return res, nil
}

// Stream implements noderun.Runner by writing the recorded stdout and stderr once.
func (r *Recorded) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	res, err := r.Run(ctx, node, argv)
	if err != nil {
		return 0, err
	}
	if _, err := stdout.Write(res.Stdout); err != nil {
		return 0, err
	}
	if _, err := stderr.Write(res.Stderr); err != nil {
		return 0, err
	}
	return res.ExitCode, nil
}
