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

// errClosing answers a pod asked for while the pool deletes its pods (Ctrl-C).
var errClosing = errors.New("helper pods are being deleted")

// deleteTimeout bounds the deletes made while exiting, Ctrl-C included.
const deleteTimeout = 20 * time.Second

// Pool holds one invocation's helper pods: one per node, created the first time a node is used and
// shared by all work on that node, deleted together by Close.
type Pool struct {
	client         kubernetes.Interface
	template       Spec
	runningTimeout time.Duration
	progress       io.Writer

	// life ends with Close; the heartbeats run until then.
	life    context.Context
	endLife context.CancelFunc
	// beating counts the keepAlive goroutines, so that Close returns only once no renewal can follow.
	beating sync.WaitGroup
	now     func() time.Time

	mu          sync.Mutex
	entries     map[string]*poolEntry
	created     []*corev1.Pod
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
	life, endLife := context.WithCancel(context.Background())
	return &Pool{client: client, template: template, runningTimeout: runningTimeout, progress: progress,
		life: life, endLife: endLife, now: time.Now, entries: map[string]*poolEntry{}, preflighted: map[string]bool{}}
}

// RunID is the run label value of this pool's pods.
func (p *Pool) RunID() string { return p.template.RunID }

// Get returns node's running helper pod, creating it on first use. Concurrent callers for the same node
// share one pod and one wait.
func (p *Pool) Get(ctx context.Context, node string) (*corev1.Pod, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClosing
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
	want.Annotations[HeartbeatAnnotation] = heartbeatValue(p.now())
	created, err := p.create(ctx, want)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.created = append(p.created, created)
		p.beating.Add(1) // under the lock, so that it comes before Close's Wait or not at all
	}
	p.mu.Unlock()
	if closed { // Close ran while the create was in flight and missed the pod.
		_ = p.delete(created)
		return nil, errClosing
	}
	go func() {
		defer p.beating.Done()
		p.keepAlive(created)
	}()
	return waitRunning(ctx, p.client, created, p.runningTimeout, p.progress)
}

// create creates want, under a new name if another run's pod has taken its name: runs never share a pod.
func (p *Pool) create(ctx context.Context, want *corev1.Pod) (*corev1.Pod, error) {
	for attempt := 0; ; attempt++ {
		fmt.Fprintf(p.progress, "creating helper pod %s/%s on node %s\n", want.Namespace, want.Name, want.Spec.NodeName)
		created, err := p.client.CoreV1().Pods(want.Namespace).Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) && attempt < 3 {
			want.Name = Name(want.Spec.NodeName, NewRunID())
			continue
		}
		if err != nil {
			return nil, ExplainCreateError(err, want.Namespace)
		}
		return created, nil
	}
}

// Close deletes every helper pod this pool created, and only those. It runs on every exit path, Ctrl-C
// included, so it does not take the (possibly cancelled) caller's context.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	created := p.created
	p.mu.Unlock()
	p.endLife()
	p.beating.Wait()

	var first error
	for _, pod := range created {
		if err := p.delete(pod); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// delete removes a helper pod at once: it holds no state worth a graceful stop.
func (p *Pool) delete(pod *corev1.Pod) error {
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	err := Delete(ctx, p.client, pod)
	if err != nil && !errors.Is(err, ErrReplaced) {
		return fmt.Errorf("%w (run: kubectl packetwalk cleanup)", err)
	}
	return nil
}
