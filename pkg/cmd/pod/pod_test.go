package pod

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
)

// TestCompleteAndValidate parses real flags through a cobra command, as kubectl's own commands are tested.
func TestCompleteAndValidate(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		check   func(*Options) bool
	}{
		{args: []string{"curl", "--to", "httpbin", "--port", "8080"}, check: func(o *Options) bool {
			r := o.request()
			return r.Source.String() == "test/curl" && r.Target.Kind == walk.TargetPod && r.Target.Name == "httpbin" && r.Port == 8080 && r.Protocol == "tcp"
		}},
		{args: []string{"pod/curl", "--to", "svc/httpbin:http", "-o", "yaml"}, check: func(o *Options) bool {
			return o.target.Kind == walk.TargetService && o.target.PortName == "http" && o.Output == "yaml"
		}},
		{args: []string{"other/curl", "--to", "[fd00::7]:8080", "--no-probe"}, check: func(o *Options) bool {
			r := o.request()
			return r.Source.String() == "other/curl" && r.Target.IP.String() == "fd00::7" && r.Target.Port == 8080 && o.NoProbe
		}},
		{args: []string{"curl", "--to", "httpbin", "--protocol", "icmp", "-w", "walk.pcapng"}, check: func(o *Options) bool {
			return o.Protocol == "icmp" && o.WriteTo == "walk.pcapng"
		}},
		{args: []string{"curl", "--to", "httpbin", "--source-port", "41000"}, check: func(o *Options) bool { return o.SourcePort == 41000 }},
		{args: []string{"curl", "--to", "httpbin", "--source-port", "41000", "--no-probe"}, wantErr: "drop --no-probe"},
		{args: []string{"curl"}, wantErr: "--to is required"},
		{args: []string{"svc/x", "--to", "httpbin"}, wantErr: "SRC must be a pod"},
		{args: []string{"curl", "--to", "httpbin", "--protocol", "sctp"}, wantErr: "--protocol must be tcp, udp or icmp"},
		{args: []string{"curl", "--to", "httpbin", "--protocol", "icmp", "--port", "80"}, wantErr: "--protocol icmp has no port"},
		{args: []string{"curl", "--to", "10.0.0.1:80", "--port", "81"}, wantErr: "disagree"},
		{args: []string{"curl", "--to", "httpbin", "--no-probe", "-w", "x.pcapng"}, wantErr: "-w needs the probe"},
		{args: []string{"curl", "--to", "httpbin", "-w", "-"}, wantErr: "-w - is not supported"},
		{args: []string{"curl", "--to", "httpbin", "-o", "wide"}, wantErr: "-o must be json or yaml"},
		{args: []string{"curl", "--to", "svc/httpbin:99999"}, wantErr: "out of range"},
		{args: []string{"curl", "--to", "a/b/c/d"}, wantErr: "use NAME, pod/NAME"},
		{args: []string{"curl", "--to", "httpbin", "--probe-timeout", "10ms"}, wantErr: "--probe-timeout must be at least 1s"},
		{args: []string{"curl", "--to", "httpbin", "--image", ""}, wantErr: "--image must not be empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o := NewOptions(genericiooptions.NewTestIOStreamsDiscard())
			cmd := &cobra.Command{Use: "pod", Args: cobra.ExactArgs(1),
				RunE: func(cmd *cobra.Command, args []string) error {
					if err := o.complete("test", args); err != nil {
						return err
					}
					return o.Validate()
				}}
			o.AddFlags(cmd)
			if !cmdtest.Execute(t, cmd, tt.args, tt.wantErr) {
				return
			}
			if !tt.check(o) {
				t.Errorf("parsed into %+v", o)
			}
		})
	}
}

// runRecorded runs the command's core on the recorded Calico VXLAN lab, without a probe.
func runRecorded(t *testing.T, output string, args ...string) (string, error) {
	t.Helper()
	s, runner := walktest.Load(t, "calico-vxlan")
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(streams)
	o.NoProbe, o.Output, o.To = true, output, args[1]
	if len(args) > 2 {
		o.Explain = args[2] == "--explain"
	}
	if err := o.complete("default", args[:1]); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	err := o.run(context.Background(), walk.Cluster{Client: s.Client(), Runner: runner})
	return out.String(), err
}

func TestRunPrintsTheHopTable(t *testing.T) {
	out, err := runRecorded(t, "", "curl", "svc/httpbin")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"WALK pod/default/curl 10.244.1.5 on node1 (calico) → svc/default/httpbin 10.96.0.10:80, tcp",
		"host peer", "cali35e3a5cb80b", "Service translation", "VXLAN encapsulation", "vxlan.calico",
		"10.201.0.11 → 10.201.0.12 [VXLAN vni 4096", "destination host peer",
		"PATH to 10.244.1.6:8080 (default/httpbin-0, on node1, 50% of connections, same node)",
		"PATH to 10.244.2.7:8080 (default/httpbin, on node2, 50% of connections, cross-node)",
		"VERDICT not probed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colours written to a non-terminal:\n%s", out)
	}
	if strings.Contains(out, "$ node1:") {
		t.Errorf("commands shown without --explain")
	}
	explained, err := runRecorded(t, "", "curl", "svc/httpbin", "--explain")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(explained, "$ node1: ip -j route get 10.244.2.7 from 10.244.1.5 iif cali35e3a5cb80b") {
		t.Errorf("--explain does not show the route question:\n%s", explained)
	}
}

func TestRunJSONIsTheWalkObject(t *testing.T) {
	out, err := runRecorded(t, "json", "curl", "httpbin")
	if err != nil {
		t.Fatal(err)
	}
	var w api.Walk
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("-o json is not a Walk: %v\n%s", err, out)
	}
	if w.Kind != api.KindWalk || w.APIVersion != api.APIVersion || w.Destination.Kind != api.DestinationPod || len(w.Paths) != 1 {
		t.Errorf("walk %+v", w)
	}
	if w.Destination.Port != 80 {
		t.Errorf("port %d: a pod without declared ports is walked to port 80", w.Destination.Port)
	}
	if w.Verdict.Result != api.VerdictNotProbed || w.Probe != nil {
		t.Errorf("verdict %+v, probe %+v", w.Verdict, w.Probe)
	}
}

func TestColourOnlyOnATerminal(t *testing.T) {
	o := NewOptions(genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: io.Discard})
	if o.isTerminal(o.Out) {
		t.Error("a buffer is taken for a terminal")
	}
	w := &api.Walk{Verdict: api.Verdict{Result: api.VerdictReplyReceived, Summary: "reply received"}}
	o.isTerminal = func(io.Writer) bool { return true }
	t.Setenv("NO_COLOR", "")
	if err := o.print(w); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Out.(*bytes.Buffer).String(), "\x1b[32mreply received") {
		t.Errorf("no colour on a terminal: %q", o.Out.(*bytes.Buffer).String())
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestRunGolden: the walk's text table as a user reads it, on the recorded Calico VXLAN lab.
func TestRunGolden(t *testing.T) {
	for _, tt := range []struct{ golden, to, explain string }{
		{"calico-vxlan-curl-httpbin.txt", "httpbin", ""},
		{"calico-vxlan-curl-svc-httpbin-explain.txt", "svc/httpbin", "--explain"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			out, err := runRecorded(t, "", "curl", tt.to, tt.explain)
			if err != nil {
				t.Fatal(err)
			}
			cmdtest.Golden(t, "testdata/"+tt.golden, []byte(out), *update)
		})
	}
}

// countingRunner counts the node commands a walk runs.
type countingRunner struct {
	noderun.Runner
	calls int
}

func (r *countingRunner) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	r.calls++
	return r.Runner.Run(ctx, node, argv)
}

// A -w path that cannot be written is found before the walk, not after it has been done and thrown away.
func TestBadWritePathFailsBeforeTheWalk(t *testing.T) {
	s, recorded := walktest.Load(t, "calico-vxlan")
	runner := &countingRunner{Runner: recorded}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(streams)
	o.To, o.WriteTo = "svc/httpbin", filepath.Join(t.TempDir(), "no-such-dir", "walk.pcapng")
	if err := o.complete("default", []string{"curl"}); err != nil {
		t.Fatal(err)
	}
	err := o.run(context.Background(), walk.Cluster{Client: s.Client(), Runner: runner})
	if err == nil || !strings.Contains(err.Error(), "-w "+o.WriteTo) {
		t.Fatalf("error = %v, want one about -w", err)
	}
	if runner.calls > 0 {
		t.Errorf("%d node commands ran before the bad -w path was found", runner.calls)
	}
}
