package framework

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// NodeNetnsCommand is the argv that runs argv in node's network namespace on the host. Only the network
// namespace changes: /proc/sys/net read there shows that node's sysctls.
func NodeNetnsCommand(n Node, argv ...string) []string {
	return append([]string{"nsenter", "--net=/run/netns/" + n.Netns, "--"}, argv...)
}

// PIDNetnsCommand is the argv that runs argv in the network namespace of process pid.
func PIDNetnsCommand(pid int, argv ...string) []string {
	return append([]string{"nsenter", "-t", fmt.Sprint(pid), "-n", "--"}, argv...)
}

// NodeNetnsRun runs argv in the node's network namespace on the host and returns its stdout; the test
// fails if the command does.
func (c *Cluster) NodeNetnsRun(t testing.TB, node string, argv ...string) string {
	t.Helper()
	out, err := RunHost(context.Background(), NodeNetnsCommand(c.Node(t, node), argv...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RunHost runs argv on this machine, without a shell, within 30 seconds, and returns its stdout. The
// error carries stderr.
func RunHost(ctx context.Context, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
