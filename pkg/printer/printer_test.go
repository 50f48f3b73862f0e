package printer

import (
	"io"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestPrintSendsObjectsToStdoutAndExplainAwayFromThem(t *testing.T) {
	obj := map[string]any{"node": "node1"}
	for _, tc := range []struct {
		output, stdout, stderr string
	}{
		{"", "text\nexplained\n", ""},
		{"wide", "text\nexplained\n", ""},
		{"json", "{\n  \"node\": \"node1\"\n}\n", "explained\n"},
		{"yaml", "node: node1\n", "explained\n"},
	} {
		streams, _, out, errOut := genericiooptions.NewTestIOStreams()
		p := New(Output(tc.output), Streams(streams))
		err := p.Print(obj, func(w io.Writer) error {
			_, err := io.WriteString(w, "text\n")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(p.ExplainOut(), "explained\n"); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.stdout || errOut.String() != tc.stderr {
			t.Errorf("-o %q: stdout %q, stderr %q; want %q, %q", tc.output, out, errOut, tc.stdout, tc.stderr)
		}
	}
}

func TestValidateOutputNamesTheFormatsAllowed(t *testing.T) {
	if err := ValidateOutput("wide", "wide"); err != nil {
		t.Errorf("wide for a verb with a wide view: %v", err)
	}
	err := ValidateOutput("wide")
	if err == nil || err.Error() != `-o must be json or yaml, got "wide"` {
		t.Errorf("wide for a verb without one: %v", err)
	}
	err = ValidateOutput("table", "wide")
	if err == nil || err.Error() != `-o must be wide, json or yaml, got "table"` {
		t.Errorf("table: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"ip", "-j", "-d", "route", "get", "10.244.2.5"}, "ip -j -d route get 10.244.2.5"},
		{[]string{"tcpdump", "-i", "eth0", "host 10.0.0.1 and udp port 8472"}, "tcpdump -i eth0 'host 10.0.0.1 and udp port 8472'"},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
		{[]string{"echo", "$(reboot)", "naïve"}, "echo '$(reboot)' 'naïve'"},
		{[]string{"nsenter", "-t", "1", "--", "sh", "-c", "for f in /proc/sys/net/*; do\n cat $f\ndone", "sysctl-read", "eth0"},
			"nsenter -t 1 -- sh -c <sysctl-read script> eth0"},
		{[]string{"sh", "-c", "echo $1", "x", "y"}, "sh -c 'echo $1' x y"},
	} {
		if got := ShellQuote(tc.argv); got != tc.want {
			t.Errorf("ShellQuote(%q) = %s, want %s", tc.argv, got, tc.want)
		}
	}
}
