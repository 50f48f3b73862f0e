package noderun

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilexec "k8s.io/client-go/util/exec"
)

var helperPod = &corev1.Pod{
	ObjectMeta: metav1.ObjectMeta{Name: "packetwalk-kb-node1-abcde", Namespace: "default"},
	Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "packetwalk", Image: "busybox:1.36"}}},
}

func TestExitStatusSeparatesExitCodesFromFailures(t *testing.T) {
	code, err := exitStatus(utilexec.CodeExitError{Err: errors.New("command terminated with exit code 2"), Code: 2})
	if code != 2 || err != nil {
		t.Errorf("exit 2: got (%d, %v), want (2, nil)", code, err)
	}
	if _, err := exitStatus(errors.New("error dialing backend: dial tcp 10.0.0.7:10250: i/o timeout")); err == nil {
		t.Error("a connection failure was taken for an exit code")
	}
}

func TestExplainExecError(t *testing.T) {
	tests := []struct {
		err  string
		argv []string
		want string
	}{
		{`OCI runtime exec failed: exec failed: unable to start container process: exec: "tcpdump": executable file not found in $PATH: unknown`,
			[]string{"tcpdump", "-i", "any"}, `the helper image "busybox:1.36" has no tcpdump: use --image`},
		{`error dialing backend: dial tcp 10.201.0.12:10250: connect: connection refused`,
			[]string{"ip", "-j", "link"}, "cannot reach the kubelet on node kb-node1"},
		{`pods "packetwalk-kb-node1-abcde" not found`, []string{"ip"}, "is gone (deleted or past its deadline)"},
		{`something else`, []string{"ip"}, "running ip on node kb-node1: something else"},
	}
	for _, tt := range tests {
		got := explainExecError(errors.New(tt.err), "kb-node1", helperPod, tt.argv)
		if !strings.Contains(got.Error(), tt.want) {
			t.Errorf("explainExecError(%q) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

// The API server names the exec URL when the kubelet's port does not answer; the URL holds the whole command
// line, so the message keeps only the network's answer. Recorded from the local cluster with 10250 dropped
// (the command line in the URL shortened).
func TestUnreachableKubeletMessageLeavesTheURLOut(t *testing.T) {
	recorded := `Internal error occurred: error sending request: Post "https://10.201.0.12:10250/exec/default/packetwalk-pw-node2-jtbwc/packetwalk?command=sh&command=-c&command=m%3D%241%3B+shift%3B+i%3D0%0Awhile&command=packetwalk-batch&command=5&command=ip&command=-j&command=-d&command=addr&command=show&error=1&output=1": dial tcp 10.201.0.12:10250: i/o timeout`
	tests := map[string]string{
		recorded: "cannot reach the kubelet on node kb-node1 (dial tcp 10.201.0.12:10250: i/o timeout): the API server must reach the kubelet's port 10250 on that node",
		`error dialing backend: proxy error from 127.0.0.1:6443 while dialing "https://10.0.0.7:10250/exec/x", code 502: 502 Bad Gateway`: `cannot reach the kubelet on node kb-node1 (error dialing backend: proxy error from 127.0.0.1:6443 while dialing "…", code 502: 502 Bad Gateway)`,
	}
	for msg, want := range tests {
		got := explainExecError(errors.New(msg), "kb-node1", helperPod, []string{"ip"}).Error()
		if !strings.HasPrefix(got, want) {
			t.Errorf("explainExecError(%.60q…) = %q, want %q", msg, got, want)
		}
	}
}

func TestMissingToolFromAWrapperNamesTheInnerTool(t *testing.T) {
	res := Result{ExitCode: 127, Stderr: []byte("packetwalk-capture: line 1: tcpdump: not found\n")}
	err := missingTool(res, helperPod, []string{"/bin/sh", "-c", "tcpdump \"$@\"", "packetwalk-capture", "-i", "any"})
	var missing *MissingToolError
	if !errors.As(err, &missing) || missing.Tool != "tcpdump" {
		t.Fatalf("missingTool = %v, want tcpdump named", err)
	}
	if err := missingTool(Result{ExitCode: 1, Stderr: []byte("No such device")}, helperPod, []string{"ip"}); err != nil {
		t.Errorf("an ordinary failure was taken for a missing tool: %v", err)
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	if f.n > 1 {
		return 0, errors.New("write |1: broken pipe")
	}
	return len(p), nil
}

func TestStopOnWriteErrorStopsOnceAndDrains(t *testing.T) {
	stops := 0
	w := &stopOnWriteError{w: &failingWriter{}, stop: func() { stops++ }}
	for i := 0; i < 4; i++ {
		if n, err := w.Write([]byte("pcap")); n != 4 || err != nil {
			t.Fatalf("write %d = (%d, %v): the stream must keep draining", i, n, err)
		}
	}
	if stops != 1 {
		t.Errorf("stop called %d times, want 1", stops)
	}
	select {
	case <-w.failed():
	default:
		t.Error("failed() not closed after a write error")
	}
	if w.err() == nil || !strings.Contains(w.err().Error(), "broken pipe") {
		t.Errorf("err() = %v, want the broken pipe", w.err())
	}
}
