package cmdshared

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

func TestAdmissionFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    helperpod.Admission
		wantErr string
	}{
		{args: nil},
		{args: []string{"--helper-requests", "cpu=50m,memory=64Mi", "--helper-limits", "cpu=500m,memory=256Mi", "--helper-service-account", "netdebug"},
			want: helperpod.Admission{
				Requests:       corev1.ResourceList{"cpu": resource.MustParse("50m"), "memory": resource.MustParse("64Mi")},
				Limits:         corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("256Mi")},
				ServiceAccount: "netdebug",
			}},
		{args: []string{"--helper-requests", "cpu=lots"}, wantErr: `--helper-requests cpu=lots: "lots" is not a quantity`},
		{args: []string{"--helper-limits", "memory=-1Mi"}, wantErr: "--helper-limits memory=-1Mi must not be negative"},
		{args: []string{"--helper-requests", "cpu=2", "--helper-limits", "cpu=1"}, wantErr: "--helper-requests cpu=2 is more than --helper-limits cpu=1"},
		{args: []string{"--helper-service-account", "Not_A_Name"}, wantErr: `--helper-service-account "Not_A_Name" is not a valid name`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			n := NewNodeAccess(helperpod.ProfileWalk)
			cmd := &cobra.Command{Use: "verb", RunE: func(*cobra.Command, []string) error { return n.Validate() }}
			n.AddFlags(cmd.Flags())
			if !cmdtest.Execute(t, cmd, tt.args, tt.wantErr) {
				return
			}
			got, err := n.Admission.Admission()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
