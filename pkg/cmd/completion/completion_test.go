package completion_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd"
)

func script(t *testing.T, shell string) string {
	t.Helper()
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	root := cmd.NewPacketwalkCommand(streams)
	root.SetArgs([]string{"completion", shell})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if root.Use != "packetwalk" {
		t.Errorf("the root command is left named %q", root.Use)
	}
	return out.String()
}

// A user sources the script and expects `kubectl-packetwalk <TAB>` to complete: bash must register a
// completion for that name.
func TestBashRegistersTheBinaryName(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	file := filepath.Join(t.TempDir(), "completion.bash")
	if err := os.WriteFile(file, []byte(script(t, "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := exec.Command(bash, "--norc", "-c", `source "$1" && complete -p kubectl-packetwalk`, "bash", file)
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("bash registered no completion for kubectl-packetwalk: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "kubectl-packetwalk") {
		t.Errorf("complete -p says %q", out.String())
	}
}

func TestZshAndFishNameTheBinary(t *testing.T) {
	if s := script(t, "zsh"); !strings.HasPrefix(s, "#compdef kubectl-packetwalk\n") {
		t.Errorf("zsh script starts %q", firstLine(s))
	}
	if s := script(t, "fish"); !strings.Contains(s, "complete -c kubectl-packetwalk ") {
		t.Errorf("fish script does not complete kubectl-packetwalk")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
