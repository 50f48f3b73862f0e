package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	pluginOnce sync.Once
	pluginPath string
	pluginErr  error
	// pluginBuildDir is the temporary directory of a plugin the framework built; Main removes it.
	pluginBuildDir string
)

// Plugin returns the path of a kubectl-packetwalk binary: the one EnvPlugin names, or one built from this
// module once per test process.
func Plugin(t testing.TB) string {
	t.Helper()
	pluginOnce.Do(func() { pluginPath, pluginErr = buildPlugin() })
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginPath
}

func buildPlugin() (string, error) {
	if p := os.Getenv(EnvPlugin); p != "" {
		return p, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "packetwalk-e2e-plugin-")
	if err != nil {
		return "", err
	}
	pluginBuildDir = dir
	out := filepath.Join(dir, "kubectl-packetwalk")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/kubectl-packetwalk")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kubectl-packetwalk: %w: %s", err, b)
	}
	return out, nil
}

// moduleRoot is the directory of this module's go.mod, found upwards from the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// PluginCommand is an exec.Cmd running the plugin with args against the local cluster (--kubeconfig is
// set through KUBECONFIG, so args stay exactly what a user would type). The caller starts it, and may
// signal it: the Ctrl-C and SIGKILL tests need the process.
func (c *Cluster) PluginCommand(t testing.TB, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, Plugin(t), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	return cmd
}

// PluginResult is what a plugin run printed and how it exited.
type PluginResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// RunPlugin runs the plugin with args to completion. Only a failure to start it is an error.
func (c *Cluster) RunPlugin(t testing.TB, ctx context.Context, args ...string) PluginResult {
	t.Helper()
	cmd := c.PluginCommand(t, ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := PluginResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		t.Fatalf("running kubectl-packetwalk %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("kubectl-packetwalk %s: exit %d", strings.Join(args, " "), res.ExitCode)
	return res
}
