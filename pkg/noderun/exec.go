package noderun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// PodLocator gives the helper pod that runs commands on a node, starting it if need be.
type PodLocator interface {
	Get(ctx context.Context, node string) (*corev1.Pod, error)
}

// stopGrace is how long a streamed command has, after its stdin is closed, to exit by itself before the
// connection is torn down.
const stopGrace = 5 * time.Second

// Exec is the real Runner: it execs argv in the node's helper pod with client-go's remotecommand,
// WebSocket first and SPDY where the server cannot upgrade to WebSocket, like kubectl exec. Never a TTY.
type Exec struct {
	Config    *restclient.Config
	Client    kubernetes.Interface
	Pods      PodLocator
	Container string
}

var _ Runner = (*Exec)(nil)

// Run implements Runner.
func (e *Exec) Run(ctx context.Context, node string, argv []string) (Result, error) {
	var stdout, stderr bytes.Buffer
	pod, err := e.Pods.Get(ctx, node)
	if err != nil {
		return Result{}, err
	}
	err = e.stream(ctx, pod, argv, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	res.ExitCode, err = exitStatus(err)
	if err != nil {
		return res, explainExecError(err, node, pod, argv)
	}
	if err := missingTool(res, pod, argv); err != nil {
		return res, err
	}
	return res, nil
}

// Stream implements Runner.
func (e *Exec) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	pod, err := e.Pods.Get(ctx, node)
	if err != nil {
		return 0, err
	}

	// The connection outlives ctx by stopGrace: closing stdin asks the command to stop and flush; only a
	// command that ignores that is cut off.
	connCtx, cancelConn := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelConn()
	stdinR, stdinW := io.Pipe()
	out := &stopOnWriteError{w: stdout, stop: func() { stdinW.Close() }}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-out.failed():
		case <-done:
			return
		}
		stdinW.Close()
		select {
		case <-time.After(stopGrace):
			cancelConn()
		case <-done:
		}
	}()

	var errBuf tailBuffer
	err = e.stream(connCtx, pod, argv, remotecommand.StreamOptions{Stdin: stdinR, Stdout: out, Stderr: io.MultiWriter(stderr, &errBuf)})
	code, err := exitStatus(err)
	if werr := out.err(); werr != nil {
		return code, werr
	}
	if err != nil {
		if ctx.Err() != nil {
			return code, nil
		}
		return code, explainExecError(err, node, pod, argv)
	}
	if err := missingTool(Result{Stderr: errBuf.Bytes(), ExitCode: code}, pod, argv); err != nil {
		return code, err
	}
	return code, nil
}

func (e *Exec) stream(ctx context.Context, pod *corev1.Pod, argv []string, opts remotecommand.StreamOptions) error {
	return e.streamIn(ctx, pod, e.Container, argv, opts)
}

func (e *Exec) streamIn(ctx context.Context, pod *corev1.Pod, container string, argv []string, opts remotecommand.StreamOptions) error {
	if container == "" {
		container = pod.Spec.Containers[0].Name
	}
	req := e.Client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: container,
			Command:   argv,
			Stdin:     opts.Stdin != nil,
			Stdout:    opts.Stdout != nil,
			Stderr:    opts.Stderr != nil,
			TTY:       false,
		}, scheme.ParameterCodec)
	spdy, err := remotecommand.NewSPDYExecutor(e.Config, "POST", req.URL())
	if err != nil {
		return fmt.Errorf("preparing exec: %w", err)
	}
	// RFC 6455 requires GET for the WebSocket handshake.
	ws, err := remotecommand.NewWebSocketExecutor(e.Config, "GET", req.URL().String())
	if err != nil {
		return fmt.Errorf("preparing exec: %w", err)
	}
	exec, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return fmt.Errorf("preparing exec: %w", err)
	}
	return exec.StreamWithContext(ctx, opts)
}

// exitStatus separates "the command ran and exited non-zero" from "the command could not be run".
func exitStatus(err error) (int, error) {
	var exitErr utilexec.ExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		return exitErr.ExitStatus(), nil
	}
	return 0, err
}

// stopOnWriteError forwards to w until a write fails (the reader went away, e.g. Wireshark was closed),
// then asks the command to stop and drains what is still on its way, so the stream can end cleanly.
type stopOnWriteError struct {
	w    io.Writer
	stop func()

	mu       sync.Mutex
	firstErr error
	failedCh chan struct{}
	once     sync.Once
}

func (s *stopOnWriteError) failed() <-chan struct{} {
	s.once.Do(func() { s.failedCh = make(chan struct{}) })
	return s.failedCh
}

func (s *stopOnWriteError) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr != nil {
		return len(p), nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.firstErr = err
		s.failed()
		close(s.failedCh)
		s.stop()
	}
	return len(p), nil
}

func (s *stopOnWriteError) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstErr
}

// tailBuffer keeps the last few KiB written to it: enough to recognise an error message.
type tailBuffer struct{ b []byte }

const tailSize = 4096

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte { return t.b }
