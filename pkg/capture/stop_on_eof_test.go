package capture

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wrapped starts StopOnEOF(argv) with /bin/sh, stdin a pipe the test holds, stdout and stderr copied from
// pipes as an exec session does.
type wrapped struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr lockedBuffer
	exited         chan struct{}
	err            error
}

func startWrapped(t *testing.T, argv ...string) *wrapped {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	return startCommand(t, StopOnEOF(argv))
}

func startCommand(t *testing.T, full []string) *wrapped {
	t.Helper()
	w := &wrapped{cmd: exec.Command(full[0], full[1:]...), exited: make(chan struct{})}
	w.cmd.Stdout, w.cmd.Stderr = &w.stdout, &w.stderr
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.err = w.cmd.Wait(); close(w.exited) }()
	t.Cleanup(func() {
		_ = w.stdin.Close()
		select {
		case <-w.exited:
		case <-time.After(5 * time.Second):
			_ = w.cmd.Process.Kill()
		}
	})
	return w
}

// status waits for the wrapper to exit, output pipes closed included, and returns its exit status.
func (w *wrapped) status(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-w.exited:
		var exit *exec.ExitError
		if errors.As(w.err, &exit) {
			return exit.ExitCode()
		}
		if w.err != nil {
			t.Fatal(w.err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("the wrapper did not exit within %s; stderr: %s", within, w.stderr.Bytes())
		return 0
	}
}

func TestStopOnEOFExitsWithTheCommandWithoutWaitingForStdin(t *testing.T) {
	w := startWrapped(t, "sh", "-c", "echo out; echo err >&2; exit 3")
	if got := w.status(t, 30*time.Second); got != 3 {
		t.Errorf("exit status %d, want the command's 3", got)
	}
	if got := string(w.stdout.Bytes()); got != "out\n" {
		t.Errorf("stdout %q, want the command's", got)
	}
	if got := string(w.stderr.Bytes()); got != "err\n" {
		t.Errorf("stderr %q, want only the command's", got)
	}
}

func TestStopOnEOFStopsTheCommandWhenStdinCloses(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	// Like tcpdump: on SIGTERM it prints its counts and exits with a status of its own.
	w := startWrapped(t, "sh", "-c", `echo $$ > "$1"; trap 'echo "3 packets captured" >&2; exit 7' TERM; `+
		`echo listening >&2; while :; do sleep 0.05; done`, "cmd", pidFile)
	waitFor(t, func() bool { return bytes.Contains(w.stderr.Bytes(), []byte("listening")) })
	select {
	case <-w.exited:
		t.Fatal("the wrapper exited while stdin was open")
	case <-time.After(300 * time.Millisecond):
	}
	start := time.Now()
	_ = w.stdin.Close()
	if got := w.status(t, 30*time.Second); got != 7 {
		t.Errorf("exit status %d, want the command's 7", got)
	}
	t.Logf("stopped %s after stdin closed", time.Since(start))
	if !strings.Contains(string(w.stderr.Bytes()), "3 packets captured") {
		t.Errorf("the command's last words are lost: stderr %q", w.stderr.Bytes())
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + strings.TrimSpace(string(pid))); err == nil {
		t.Errorf("the command (pid %s) is still running", strings.TrimSpace(string(pid)))
	}
}

func TestStopOnEOFStopsTheCommandWhenTheWrapperIsTerminated(t *testing.T) {
	w := startWrapped(t, "sleep", "1000")
	time.Sleep(200 * time.Millisecond)
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := w.status(t, 30*time.Second); got != 128+int(syscall.SIGTERM) {
		t.Errorf("exit status %d, want sleep's %d (killed by SIGTERM)", got, 128+int(syscall.SIGTERM))
	}
}

func TestStopOnEOFPassesArgumentsVerbatim(t *testing.T) {
	args := []string{`port 80; reboot`, `$(id)`, `"'`, "-n", "", "a\nb", "*"}
	w := startWrapped(t, append([]string{"printf", `<%s>`}, args...)...)
	if got := w.status(t, 30*time.Second); got != 0 {
		t.Fatalf("exit status %d: %s", got, w.stderr.Bytes())
	}
	var want strings.Builder
	for _, a := range args {
		want.WriteString("<" + a + ">")
	}
	if got := string(w.stdout.Bytes()); got != want.String() {
		t.Errorf("the command got %q, want %q", got, want.String())
	}
}

// TestStopOnEOFStopsTcpdumpUnderHelperPodCapabilities runs the real wrapper and tcpdump with only the
// capabilities a helper pod has, as root without CAP_KILL: tcpdump must stay root (-Z root) for the wrapper
// to be allowed to stop it, and switching to root needs CAP_SETUID and CAP_SETGID.
func TestStopOnEOFStopsTcpdumpUnderHelperPodCapabilities(t *testing.T) {
	requireRootTools(t, "setpriv")
	ns := "pwt-cap-caps-" + strconv.Itoa(os.Getpid())
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	ipCmd(t, "-n", ns, "link", "set", "lo", "up")

	argv := append([]string{"ip", "netns", "exec", ns, "setpriv",
		"--bounding-set=-all,+net_raw,+net_admin,+sys_admin,+sys_ptrace,+setuid,+setgid", "--inh-caps=-all"},
		StopOnEOF(TcpdumpArgs(TcpdumpOptions{Interface: "lo"}))...)
	w := startCommand(t, argv)
	waitFor(t, func() bool { return bytes.Contains(w.stderr.Bytes(), []byte("listening on lo")) }, "for tcpdump", &w.stderr)
	_ = w.stdin.Close()
	if got := w.status(t, 10*time.Second); got != 0 {
		t.Errorf("exit status %d, want tcpdump's 0 after SIGTERM; stderr:\n%s", got, w.stderr.Bytes())
	}
	if !bytes.Contains(w.stderr.Bytes(), []byte("packets captured")) {
		t.Errorf("tcpdump's counts are missing from stderr:\n%s", w.stderr.Bytes())
	}
	if pids := tcpdumpPIDs(t, ns); len(pids) > 0 {
		t.Errorf("tcpdump still running: %v", pids)
	}
}

func waitFor(t *testing.T, cond func() bool, what ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal(append([]any{"timed out waiting"}, what...)...)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
