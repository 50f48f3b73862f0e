package cmdshared

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

type fakeVerb struct {
	validateErr, runErr error
	ran                 bool
}

func (v *fakeVerb) Validate() error { return v.validateErr }

func (v *fakeVerb) Run(context.Context) error { v.ran = true; return v.runErr }

// TestRunEPointsAtHelpOnlyForMistakesBeforeRun: a bad argument or flag is the user's to fix, with a pointer
// to -h; a failure of the work itself is not about usage.
func TestRunEPointsAtHelpOnlyForMistakesBeforeRun(t *testing.T) {
	bad := errors.New("bad")
	tests := []struct {
		name                             string
		completeErr, validateErr, runErr error
		wantRan, wantUsage               bool
	}{
		{name: "complete fails", completeErr: bad, wantUsage: true},
		{name: "validate fails", validateErr: bad, wantUsage: true},
		{name: "run fails", runErr: bad, wantRan: true},
		{name: "ok", wantRan: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &fakeVerb{validateErr: tt.validateErr, runErr: tt.runErr}
			var gotArgs []string
			cmd := &cobra.Command{Use: "veth"}
			cmd.SetContext(context.Background())
			err := RunE(v, func(args []string) error { gotArgs = args; return tt.completeErr })(cmd, []string{"a"})
			want := errors.Join(tt.completeErr, tt.validateErr, tt.runErr)
			pointer := err != nil && strings.HasSuffix(err.Error(), "\nSee 'veth -h' for help and examples")
			if (err == nil) != (want == nil) || v.ran != tt.wantRan || pointer != tt.wantUsage || len(gotArgs) != 1 {
				t.Errorf("err %v, ran %v, args %q", err, v.ran, gotArgs)
			}
			if err != nil && !errors.Is(err, bad) {
				t.Errorf("err %v does not wrap the mistake", err)
			}
		})
	}
}
