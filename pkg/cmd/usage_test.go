package cmd

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestUsageMistakesAreTwoLines: a wrong flag, a wrong argument count or a name that cannot be read prints
// no usage text, and the error is itself and one line pointing at -h, as kubectl says it.
func TestUsageMistakesAreTwoLines(t *testing.T) {
	for _, tt := range []struct {
		args []string
		verb string
	}{
		{[]string{"veth", "--bogus"}, "veth"},
		{[]string{"veth", "a/b/c/d"}, "veth"},
		{[]string{"node", "pod/curl"}, "node"},
		{[]string{"pod"}, "pod"},
		{[]string{"pod", "curl", "--port", "x"}, "pod"},
		{[]string{"capture", "pod/curl", "-c", "-1"}, "capture"},
		{[]string{"summarize", "a", "b"}, "summarize"},
		{[]string{"cleanup", "x"}, "cleanup"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			root := NewPacketwalkCommand(streams)
			root.SetArgs(tt.args)
			err := root.Execute()
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			want := "See 'kubectl packetwalk " + tt.verb + " -h' for help and examples"
			if len(lines) != 2 || lines[1] != want {
				t.Errorf("error %q, want one line and %q", err, want)
			}
			if out.Len()+errOut.Len() > 0 {
				t.Errorf("printed besides the error:\n%s%s", out, errOut)
			}
		})
	}
}
