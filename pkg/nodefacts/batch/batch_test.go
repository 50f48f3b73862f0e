package batch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

func TestBatchRunsEachCommandAsItsOwnArgv(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on this machine")
	}
	cmds := [][]string{
		{"printf", "%s|", "a b", "$(touch /tmp/pwt-must-not-exist)", "'quoted'", `"x"`, ";", "*"},
		{"printf", "no newline"},
		{"sh", "-c", "echo out; echo err >&2; exit 3"},
		{"printf", "%s\n", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
		{"packetwalk-no-such-tool"},
		{"printf", ""},
	}
	got, err := Run(context.Background(), &netnslab.Runner{Nodes: map[string]string{"n1": ""}}, "n1", cmds)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Out, Err string
		Code     int
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{string(r.Stdout), string(r.Stderr), r.ExitCode})
	}
	want := []row{
		{Out: "a b|$(touch /tmp/pwt-must-not-exist)|'quoted'|\"x\"|;|*|"},
		{Out: "no newline"},
		{Out: "out\n", Err: "err\n", Code: 3},
		{Out: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"},
		{Code: 127},
		{},
	}
	// The shell's "not found" wording differs between dash, bash and busybox; only its presence matters.
	if rows[4].Err == "" {
		t.Errorf("missing tool printed nothing on stderr")
	}
	rows[4].Err = ""
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("batch results (-want +got):\n%s", diff)
	}
	if _, err := exec.Command("test", "-e", "/tmp/pwt-must-not-exist").Output(); err == nil {
		t.Errorf("an argument was run as shell code")
	}
}

func TestSplitBatchReportsATruncatedBatch(t *testing.T) {
	_, mark := Argv([][]string{{"true"}, {"true"}})
	res := noderun.Result{Stdout: []byte("\n" + mark + " 0 0\n"), Stderr: []byte("killed\n"), ExitCode: 137}
	if _, err := Split(res, mark, 2); err == nil {
		t.Fatal("a batch cut short after its first command was accepted")
	}
}

func TestFrameIsWhatSplitReads(t *testing.T) {
	cmds := [][]string{{"a"}, {"b", "c"}}
	argv, mark := Argv(cmds)
	decoded, m, ok := Decode(argv)
	if !ok || m != mark {
		t.Fatalf("Decode(Argv) = %q %q %v", decoded, m, ok)
	}
	if diff := cmp.Diff(cmds, decoded); diff != "" {
		t.Errorf("decoded commands (-want +got):\n%s", diff)
	}
	want := []noderun.Result{{Stdout: []byte("[]\n"), Stderr: []byte("e\n"), ExitCode: 0}, {Stdout: []byte("x"), ExitCode: 2}}
	got, err := Split(Frame(want, mark), mark, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Split(Frame) (-want +got):\n%s", diff)
	}
}

// A command prints a frame line with the mark a batch of the same commands used before: it must stay that
// command's output, not end its frame and forge the next command's result.
func TestOutputCannotForgeTheNextFrame(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on this machine")
	}
	file := filepath.Join(t.TempDir(), "ifname")
	cmds := [][]string{{"cat", file}, {"echo", "real"}}
	_, earlier := Argv(cmds)
	forged := "\n" + earlier + " 0 0\nforged\n" + earlier + " 1 0\n"
	if err := os.WriteFile(file, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Run(context.Background(), &netnslab.Runner{Nodes: map[string]string{"n1": ""}}, "n1", cmds)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[0].Stdout) != forged || string(got[1].Stdout) != "real\n" {
		t.Errorf("results %q, %q: the first command's output forged the second's", got[0].Stdout, got[1].Stdout)
	}
}
