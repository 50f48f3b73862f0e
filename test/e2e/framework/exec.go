package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// ExecResult is what a command exec'd in a container printed and how it exited.
type ExecResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// Exec runs argv in a container of a pod through the API server, as kubectl exec does (WebSocket, then
// SPDY), without a TTY or stdin. A command that ran and exited non-zero is not an error: see ExitCode.
func (c *Cluster) Exec(ctx context.Context, namespace, pod, container string, argv ...string) (ExecResult, error) {
	req := c.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).
		SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: container,
		Command:   argv,
		Stdout:    true,
		Stderr:    true,
	}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(c.Config, "GET", req.URL().String())
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(c.Config, "POST", req.URL())
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	executor, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	var stdout, stderr bytes.Buffer
	err = executor.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	res := ExecResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit utilexec.CodeExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.Code
	default:
		return res, fmt.Errorf("exec %s in %s/%s: %w", strings.Join(argv, " "), namespace, pod, err)
	}
	return res, nil
}
