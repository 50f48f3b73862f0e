package helperpod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// deleteTimeout bounds the deletes made while exiting, Ctrl-C included.
const deleteTimeout = 20 * time.Second

// Pool holds one invocation's helper pods: one per node, created the first time a node is used and
// shared by all work on that node, deleted together by Close.
type Pool struct {
	client         kubernetes.Interface
	template       Spec
	runningTimeout time.Duration
	progress       io.Writer

	mu          sync.Mutex
	entries     map[string]*poolEntry
	preflighted map[string]bool
	closed      bool
}

type poolEntry struct {
	ready chan struct{}
	pod   *corev1.Pod
	err   error
}

// NewPool returns a pool making pods from template (its Node is ignored). Progress while pods start goes
// to progress (the user's stderr).
func NewPool(client kubernetes.Interface, template Spec, runningTimeout time.Duration, progress io.Writer) *Pool {
	return &Pool{client: client, template: template, runningTimeout: runningTimeout, progress: progress, entries: map[string]*poolEntry{}, preflighted: map[string]bool{}}
}

// RunID is the run label value of this pool's pods.
func (p *Pool) RunID() string { return p.template.RunID }

// Get returns node's running helper pod, creating it on first use. Concurrent callers for the same node
// share one pod and one wait.
func (p *Pool) Get(ctx context.Context, node string) (*corev1.Pod, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("helper pods are being deleted")
	}
	e, ok := p.entries[node]
	if !ok {
		e = &poolEntry{ready: make(chan struct{})}
		p.entries[node] = e
		p.mu.Unlock()
		e.pod, e.err = p.start(ctx, node)
		close(e.ready)
		return e.pod, e.err
	}
	p.mu.Unlock()
	select {
	case <-e.ready:
		return e.pod, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Preflight checks that helper pods can run on nodes (see the package func Preflight), once per node.
// Get preflights a node it has not seen, so calling this first only moves refusals before any creation.
func (p *Pool) Preflight(ctx context.Context, nodes ...string) error {
	for _, node := range nodes {
		p.mu.Lock()
		done := p.preflighted[node]
		p.mu.Unlock()
		if done {
			continue
		}
		spec := p.template
		spec.Node = node
		if err := Preflight(ctx, p.client, spec); err != nil {
			return err
		}
		p.mu.Lock()
		p.preflighted[node] = true
		p.mu.Unlock()
	}
	return nil
}

func (p *Pool) start(ctx context.Context, node string) (*corev1.Pod, error) {
	if err := p.Preflight(ctx, node); err != nil {
		return nil, err
	}
	spec := p.template
	spec.Node = node
	want := Pod(spec)
	fmt.Fprintf(p.progress, "creating helper pod %s/%s on node %s\n", want.Namespace, want.Name, node)
	created, err := p.client.CoreV1().Pods(want.Namespace).Create(ctx, want, metav1.CreateOptions{})
	if err != nil {
		return nil, ExplainCreateError(err, want.Namespace)
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed { // Close ran while the create was in flight and may have missed the pod.
		_ = p.delete(context.Background(), created.Name) // best effort: cleanup finds what is left by its label
		return nil, ctx.Err()
	}
	return waitRunning(ctx, p.client, created, p.runningTimeout, p.progress)
}

// Close deletes every helper pod this pool created. It runs on every exit path, Ctrl-C included, so it
// does not take the (possibly cancelled) caller's context.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	var names []string
	for node := range p.entries {
		names = append(names, Name(node, p.template.RunID))
	}
	p.mu.Unlock()

	var first error
	for _, name := range names {
		if err := p.delete(context.Background(), name); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// delete removes a helper pod at once: it holds no state worth a graceful stop.
func (p *Pool) delete(parent context.Context, name string) error {
	ctx, cancel := context.WithTimeout(parent, deleteTimeout)
	defer cancel()
	err := Delete(ctx, p.client, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: p.template.Namespace, Name: name}})
	if err != nil && !apierrors.IsNotFound(errors.Unwrap(err)) {
		return fmt.Errorf("%w (run: kubectl packetwalk cleanup)", err)
	}
	return nil
}
