// Package cmdtest holds what the commands' tests share: running flags through a real cobra command, and
// golden files.
package cmdtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// Execute runs cmd with args, as a user's command line would, and checks its error: none when wantErr is
// empty, else one that contains wantErr. It reports whether the command succeeded.
func Execute(t testing.TB, cmd *cobra.Command, args []string, wantErr string) bool {
	t.Helper()
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(append([]string{}, args...)) // nil would make cobra read os.Args
	err := cmd.Execute()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("error = %v", err)
		}
		return true
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("error = %v, want %q", err, wantErr)
	}
	return false
}

// Golden compares got with the file at path; with update it writes got there first.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
