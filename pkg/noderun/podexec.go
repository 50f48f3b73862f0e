package noderun

import (
	"bytes"
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/remotecommand"
)

// PodRunner runs argv in a container of a pod that is already there, such as a dataplane's agent: a
// read-only query, never through a shell.
type PodRunner interface {
	RunInPod(ctx context.Context, pod *corev1.Pod, container string, argv []string) (Result, error)
}

var _ PodRunner = (*Exec)(nil)

// RunInPod implements PodRunner. A command that ran and exited non-zero is not an error.
func (e *Exec) RunInPod(ctx context.Context, pod *corev1.Pod, container string, argv []string) (Result, error) {
	var stdout, stderr bytes.Buffer
	err := e.streamIn(ctx, pod, container, argv, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	res.ExitCode, err = exitStatus(err)
	if err != nil {
		return res, fmt.Errorf("running %s in pod %s/%s: %w", argv[0], pod.Namespace, pod.Name, err)
	}
	return res, nil
}
