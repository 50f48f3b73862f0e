package capture

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
)

// TestValidate runs flags and arguments through a real cobra command, as a user's command line would.
func TestValidate(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"node/m03"}},
		{args: []string{"pod/curl", "pod/httpbin", "node/m02", "-w", "walk.pcapng"}},
		{args: []string{"-l", "app=httpbin", "--summary"}},
		{args: []string{"node/m03", "-i", "eth0", "-f", "udp port 4789", "-c", "10"}},
		{args: nil, wantErr: "nothing to capture"},
		{args: []string{"x/a/b"}, wantErr: `cannot capture "x/a/b"`},
		{args: []string{"node/m03", "-c", "-1"}, wantErr: "-c must not be negative"},
		{args: []string{"node/m03", "--duration", "-5s"}, wantErr: "--duration must not be negative"},
		{args: []string{"node/m03", "--snaplen", "300000"}, wantErr: "--snaplen must be between 0 and 262144"},
		{args: []string{"node/m03", "--format", "erf"}, wantErr: "--format must be pcap or pcapng"},
		{args: []string{"node/m03", "--wireshark", "-w", "-"}, wantErr: "--wireshark and -w - both want the stream"},
		{args: []string{"node/m03", "--summary", "-w", "-"}, wantErr: "--summary prints to stdout"},
		{args: []string{"pod/curl", "-i", "eth0"}, wantErr: "-i applies to node targets: pod/curl is captured on its host peer"},
		{args: []string{"-l", "app=x", "-i", "eth0"}, wantErr: "-i applies to node targets"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			o := NewOptions(streams)
			cmd := &cobra.Command{Use: "capture", RunE: func(cmd *cobra.Command, args []string) error {
				for _, a := range args {
					target, err := parseTarget(a)
					if err != nil {
						return err
					}
					o.targets = append(o.targets, target)
				}
				return o.Validate()
			}}
			o.AddFlags(cmd)
			cmdtest.Execute(t, cmd, tt.args, tt.wantErr)
		})
	}
}

func TestStdoutCarriesTheStreamOnlyWhenNothingElseDoes(t *testing.T) {
	for _, tt := range []struct {
		o    Options
		want bool
	}{
		{Options{}, true},
		{Options{Output: "-"}, true},
		{Options{Output: "x.pcapng"}, false},
		{Options{Summary: true}, false},
		{Options{Wireshark: true}, false},
		{Options{Output: "x.pcap", Summary: true}, false},
	} {
		if got := tt.o.streamsToStdout(); got != tt.want {
			t.Errorf("%+v: streamsToStdout = %v, want %v", tt.o, got, tt.want)
		}
	}
}
