package nodefactstest

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

var _ noderun.Runner = (*Recorder)(nil)

// Recorder runs commands through a real runner and keeps what each command inside a batch printed, to
// save them as a scenario (kernel lab tests, end-to-end tests on the local cluster). It is the one
// recorder of node commands: nodefacts' scenarios use Save, the walk's (walktest) SaveTo.
type Recorder struct {
	Runner noderun.Runner
	// Names maps a PID to the pod it belongs to, to name the recorded files.
	Names map[int]string

	mu       sync.Mutex
	commands []recorded
}

type recorded struct {
	node string
	argv []string
	res  noderun.Result
}

func (r *Recorder) Run(ctx context.Context, node string, argv []string) (noderun.Result, error) {
	res, err := r.Runner.Run(ctx, node, argv)
	if err != nil {
		return res, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cmds, mark, ok := batch.Decode(argv)
	if !ok {
		r.commands = append(r.commands, recorded{node, argv, res})
		return res, nil
	}
	parts, err := batch.Split(res, mark, len(cmds))
	if err != nil {
		return res, err
	}
	for i, c := range cmds {
		r.commands = append(r.commands, recorded{node, c, parts[i]})
	}
	return res, nil
}

// Stream runs a stream (a capture) through the real runner without recording it: recordings hold the
// node facts, and the walk keeps what its captures observed apart (testdata/<scenario>/observed).
func (r *Recorder) Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (int, error) {
	return r.Runner.Stream(ctx, node, argv, stdout, stderr)
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9.]+`)

// fileName names a recorded command's output: node/<pod>-<command>.json (or .txt when the command
// does not print JSON), without the pod part for the node's own commands.
func (r *Recorder) fileName(c recorded) string {
	ext := ".txt"
	for _, a := range c.argv {
		if a == "-j" {
			ext = ".json"
		}
	}
	return RecordingStem(c.node, c.argv, r.Names, 60) + ext
}

// RecordingStem names the recording of argv run on node, without an extension: node/<pod>-<command>,
// where <pod> comes from names (pid → pod) for commands run with nsenter -t PID, the words of a wrapper
// script are its name, and the command part is cut at maxWords characters.
func RecordingStem(node string, argv []string, names map[int]string, maxWords int) string {
	who := ""
	if len(argv) > 5 && argv[0] == "nsenter" && argv[1] == "-t" {
		pid, _ := strconv.Atoi(argv[2])
		who = names[pid]
		if who == "" {
			who = "pid" + argv[2]
		}
		who += "-"
		argv = argv[5:]
	}
	if len(argv) > 3 && argv[0] == "sh" && argv[1] == "-c" {
		argv = argv[3:4]
	}
	words := strings.Join(argv, "-")
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	return filepath.Join(node, who+strings.Trim(unsafeChars.ReplaceAllString(words, "-"), "-"))
}

// Save writes the recordings and the manifest m of scenario into testdata/<scenario>, replacing it.
func (r *Recorder) Save(t *testing.T, scenario string, m Manifest) {
	t.Helper()
	r.SaveTo(t, Dir(scenario), &m, &m)
}

// SaveTo writes the recordings into dir, replacing it, adds them to m's commands and writes doc as
// dir/manifest.json: doc is m, or a document that embeds it with more API objects (walktest.Scenario).
func (r *Recorder) SaveTo(t *testing.T, dir string, m *Manifest, doc any) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	r.nameScannedPIDs(*m)
	m.Commands = nil
	seen := map[string]bool{}
	for _, c := range r.commands {
		key := c.node + "\x00" + strings.Join(c.argv, "\x00")
		if seen[key] {
			continue
		}
		seen[key] = true
		name := r.fileName(c)
		for i := 2; fileTaken(*m, name); i++ {
			ext := filepath.Ext(name)
			name = strings.TrimSuffix(name, ext) + "-" + strconv.Itoa(i) + ext
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, c.res.Stdout, 0o644); err != nil {
			t.Fatal(err)
		}
		m.Commands = append(m.Commands, CommandInfo{Node: c.node, Argv: c.argv, Stdout: name,
			Stderr: string(c.res.Stderr), ExitCode: c.res.ExitCode})
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d commands into %s", len(m.Commands), dir)
}

func fileTaken(m Manifest, name string) bool {
	for _, c := range m.Commands {
		if c.Stdout == name {
			return true
		}
	}
	return false
}

// nameScannedPIDs names the PIDs that the /proc scans found by the pod whose UID their cgroup holds, so
// the recorded files of each namespace say whose it is.
func (r *Recorder) nameScannedPIDs(m Manifest) {
	if r.Names == nil {
		r.Names = map[int]string{}
	}
	for _, c := range r.commands {
		if len(c.argv) < 4 || c.argv[3] != "packetwalk-scan" {
			continue
		}
		for _, line := range strings.Split(string(c.res.Stdout), "\n") {
			f := strings.SplitN(line, " ", 3)
			if len(f) != 3 {
				continue
			}
			pid, err := strconv.Atoi(f[0])
			if err != nil || r.Names[pid] != "" {
				continue
			}
			for _, p := range m.Pods {
				if p.UID != "" && (strings.Contains(f[2], p.UID) || strings.Contains(f[2], strings.ReplaceAll(p.UID, "-", "_"))) {
					r.Names[pid] = p.Name
				}
			}
		}
	}
}
