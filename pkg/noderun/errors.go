package noderun

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MissingToolError is a node command whose program is not in the helper image.
type MissingToolError struct {
	Tool, Image string
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("the helper image %q has no %s: use --image with an image that has it (for example nicolaka/netshoot:v0.13)", e.Image, e.Tool)
}

// notFoundMarkers are how container runtimes and shells say a program does not exist.
var notFoundMarkers = []string{"executable file not found", "no such file or directory", ": not found"}

func mentionsMissing(s string) bool {
	for _, m := range notFoundMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// missingTool recognises a command that exited 126/127 because its program is missing.
func missingTool(res Result, pod *corev1.Pod, argv []string) error {
	if (res.ExitCode == 126 || res.ExitCode == 127) && mentionsMissing(string(bytes.ToLower(res.Stderr))) {
		return &MissingToolError{Tool: toolName(res.Stderr, argv), Image: image(pod)}
	}
	return nil
}

// explainExecError turns a failed exec into one line that says what went wrong and what to do.
func explainExecError(err error, node string, pod *corev1.Pod, argv []string) error {
	msg := err.Error()
	switch {
	case mentionsMissing(msg):
		return &MissingToolError{Tool: toolName([]byte(msg), argv), Image: image(pod)}
	case strings.Contains(msg, "error dialing backend"), strings.Contains(msg, "proxy error"),
		strings.Contains(msg, "connect: connection refused"), strings.Contains(msg, "i/o timeout"),
		strings.Contains(msg, "no route to host"):
		return fmt.Errorf("cannot reach the kubelet on node %s (%s): the API server must reach the kubelet's port 10250 on that node", node, networkCause(msg))
	case strings.Contains(msg, "not found") && strings.Contains(msg, pod.Name):
		return fmt.Errorf("helper pod %s/%s on node %s is gone (deleted or past its deadline): run the command again", pod.Namespace, pod.Name, node)
	}
	return fmt.Errorf("running %s on node %s: %w", argv[0], node, err)
}

var (
	dialFailure = regexp.MustCompile(`dial tcp \S+: [^"]+$`)
	quotedURL   = regexp.MustCompile(`"https?://[^"]*"`)
)

// networkCause is the part of an API server's exec error that says why it could not reach the kubelet,
// without the exec URL, which carries the whole command line.
func networkCause(msg string) string {
	if m := dialFailure.FindString(msg); m != "" {
		return m
	}
	return quotedURL.ReplaceAllString(msg, `"…"`)
}

var (
	runtimeNotFound = regexp.MustCompile(`exec: "([^"]+)"`)
	shellNotFound   = regexp.MustCompile(`([^\s:"]+): (?:not found|[Nn]o such file or directory)`)
)

// toolName picks the program the error is about, which for a wrapper script is its inner command.
func toolName(msg []byte, argv []string) string {
	for _, re := range []*regexp.Regexp{runtimeNotFound, shellNotFound} {
		if m := re.FindSubmatch(msg); m != nil {
			return path.Base(string(m[1]))
		}
	}
	return argv[0]
}

func image(pod *corev1.Pod) string {
	if pod == nil || len(pod.Spec.Containers) == 0 {
		return ""
	}
	return pod.Spec.Containers[0].Image
}
