package cmdshared

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

// TestNodeAccessFlags parses real flags through a cobra command and validates them.
func TestNodeAccessFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		check   func(*NodeAccess) bool
	}{
		{args: nil, check: func(n *NodeAccess) bool {
			return n.HelperNamespace == "default" && n.PodRunningTimeout.String() == "1m0s"
		}},
		{args: []string{"--image", "reg.example/tools:1", "--image-pull-secret", "a", "--image-pull-secret", "b", "--helper-namespace", "netdebug"},
			check: func(n *NodeAccess) bool {
				return n.Image == "reg.example/tools:1" && strings.Join(n.ImagePullSecrets, ",") == "a,b" && n.HelperNamespace == "netdebug"
			}},
		{args: []string{"--image", ""}, wantErr: "--image must not be empty"},
		{args: []string{"--pod-running-timeout", "0s"}, wantErr: "--pod-running-timeout must be positive"},
		{args: []string{"--helper-deadline", "10s"}, wantErr: "--helper-deadline must be at least 30s"},
		{args: []string{"--pod-running-timeout", "soon"}, wantErr: `invalid argument "soon"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv(ImageEnv, "")
			n := NewNodeAccess(helperpod.ProfileWalk)
			cmd := &cobra.Command{Use: "verb", RunE: func(*cobra.Command, []string) error { return n.Validate() }}
			n.AddFlags(cmd.Flags())
			if !cmdtest.Execute(t, cmd, tt.args, tt.wantErr) {
				return
			}
			if !tt.check(n) {
				t.Errorf("flags parsed into %+v", n)
			}
		})
	}
}

func TestImageFromEnvironment(t *testing.T) {
	t.Setenv(ImageEnv, "packetwalk.local/helper:1")
	if got := NewNodeAccess(helperpod.ProfileWalk).Image; got != "packetwalk.local/helper:1" {
		t.Errorf("image = %q, want the one from $%s", got, ImageEnv)
	}
}
