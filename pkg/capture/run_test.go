package capture

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
)

// runLab is one or two lab nodes with traffic flowing between their pods, and a runner for them.
type runLab struct {
	labs   map[string]*lab // node name → lab
	runner *netnslab.Runner
}

func newRunLab(t *testing.T, nodes ...string) *runLab {
	t.Helper()
	rl := &runLab{labs: map[string]*lab{}, runner: &netnslab.Runner{Nodes: map[string]string{}}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, node := range nodes {
		l := newLab(t)
		rl.labs[node] = l
		rl.runner.Nodes[node] = l.node
		l.trafficUntil(ctx, t)
	}
	t.Cleanup(func() {
		for node, l := range rl.labs {
			if pids := tcpdumpPIDs(t, l.node); len(pids) > 0 {
				t.Errorf("tcpdump still running on %s after Run returned: pids %v", node, pids)
				for _, pid := range pids {
					_ = exec.Command("kill", pid).Run()
				}
			}
		}
	})
	return rl
}

func (rl *runLab) anyTarget(node string) Target {
	return Target{Node: node, Links: rl.labs[node].links,
		LinkLabels: map[int]string{ifindexOf(rl.labs[node].links, labCurlPeer): "default/curl"}}
}

func ifindexOf(links map[int]string, name string) int {
	for i, n := range links {
		if n == name {
			return i
		}
	}
	return -1
}

func podTarget(node string) Target {
	return Target{Node: node, Interface: labCurlPeer, Label: "default/curl"}
}

type runResult struct {
	report   Report
	err      error
	out      []byte
	messages string
	ready    bool
}

func runCapture(t *testing.T, ctx context.Context, rl *runLab, targets []Target, opts Options) runResult {
	t.Helper()
	var out lockedBuffer
	var messages lockedBuffer
	var ready atomic.Bool
	opts.Messages = &messages
	opts.OnReady = func() { ready.Store(true) }
	report, err := Run(ctx, rl.runner, targets, opts, &out)
	return runResult{report, err, out.Bytes(), messages.String(), ready.Load()}
}

func TestRunOneTargetPassesPcapThroughAndStopsOnCount(t *testing.T) {
	rl := newRunLab(t, "pw-node1")
	res := runCapture(t, context.Background(), rl, []Target{podTarget("pw-node1")}, Options{Count: 10})
	if res.err != nil {
		t.Fatalf("Run: %v\n%s", res.err, res.messages)
	}
	if res.report.Format != FormatPcap || res.report.Stopped != StoppedCount || !res.ready {
		t.Errorf("report %+v, ready %v; want pcap, stopped by count, ready", res.report, res.ready)
	}
	linkType, packets := gopacketPackets(t, res.out)
	if linkType != LinkTypeEthernet || len(packets) != 10 {
		t.Errorf("the stream has %d packets of link type %d, want 10 Ethernet", len(packets), linkType)
	}
	header, _ := streamPackets(t, res.out, 4096)
	if !header.Nanosecond {
		t.Error("Run did not ask tcpdump for nanosecond timestamps")
	}
	tr := res.report.Targets[0]
	if tr.Packets != 10 || !contains(tr.Summary, "10 packets captured") {
		t.Errorf("target report %+v, want 10 packets and tcpdump's count", tr)
	}
	if !strings.Contains(res.messages, "pw-node1/cali35e3a5cb80b (default/curl): tcpdump: listening on cali35e3a5cb80b") {
		t.Errorf("tcpdump's listening line was not forwarded with the target:\n%s", res.messages)
	}
	if bytes.Contains(res.out, []byte("listening on")) {
		t.Error("tcpdump's messages leaked into the stream")
	}
}

func TestRunSeveralTargetsMakeOnePcapngAndStopOnDuration(t *testing.T) {
	rl := newRunLab(t, "pw-node1", "pw-node2")
	targets := []Target{rl.anyTarget("pw-node1"), podTarget("pw-node2")}
	start := time.Now()
	res := runCapture(t, context.Background(), rl, targets, Options{Duration: 1500 * time.Millisecond, Filter: "tcp"})
	elapsed := time.Since(start)
	t.Logf("a 1.5s capture on two nodes took %s", elapsed)
	if res.err != nil {
		t.Fatalf("Run: %v\n%s", res.err, res.messages)
	}
	if res.report.Format != FormatPcapng || res.report.Stopped != StoppedDuration {
		t.Errorf("report %+v, want pcapng stopped by duration", res.report)
	}
	if elapsed < 1500*time.Millisecond || elapsed > 10*time.Second {
		t.Errorf("a 1.5s capture took %s", elapsed)
	}
	perIface := map[string]int{}
	var linkTypes = map[string]layers.LinkType{}
	for _, p := range readPcapng(t, res.out) {
		perIface[p.iface.Name]++
		linkTypes[p.iface.Name] = p.iface.LinkType
		if p.iface.Filter != "tcp" {
			t.Errorf("interface %q has filter %q", p.iface.Name, p.iface.Filter)
		}
	}
	want := map[string]layers.LinkType{
		"pw-node1/cali35e3a5cb80b (default/curl)": layers.LinkTypeLinuxSLL,
		"pw-node1/cali4a3c027cd7f":                layers.LinkTypeLinuxSLL,
		"pw-node2/cali35e3a5cb80b (default/curl)": layers.LinkTypeEthernet,
	}
	for name, lt := range want {
		if perIface[name] == 0 || linkTypes[name] != lt {
			t.Errorf("interface %q: %d packets of link type %d, want some of %d; have %v", name, perIface[name], linkTypes[name], lt, perIface)
		}
	}
	if got := res.report.Targets[0].Packets; got != int64(perIface["pw-node1/cali35e3a5cb80b (default/curl)"]+perIface["pw-node1/cali4a3c027cd7f"]) {
		t.Errorf("node target counted %d packets, the stream has %v", got, perIface)
	}
	if got := res.report.Targets[1].Packets; got != int64(perIface["pw-node2/cali35e3a5cb80b (default/curl)"]) {
		t.Errorf("pod target counted %d packets, the stream has %v", got, perIface)
	}
	for _, tr := range res.report.Targets {
		if len(tr.Summary) != 3 {
			t.Errorf("%s: tcpdump's closing counts %q, want 3 lines (it was stopped, not killed)", tr.Target, tr.Summary)
		}
	}
	file := filepath.Join(t.TempDir(), "two-nodes.pcapng")
	if err := os.WriteFile(file, res.out, 0o644); err != nil {
		t.Fatal(err)
	}
	if names := tsharkInterfaceNames(t, file); len(names) != len(readPcapng(t, res.out)) {
		t.Errorf("tshark read %d packets, gopacket %d", len(names), len(readPcapng(t, res.out)))
	}
	var checks int
	for _, c := range rl.runner.Calls() {
		if c[1] == "tcpdump" && c[2] == "-d" {
			checks++
		}
	}
	if checks != 2 {
		t.Errorf("the filter was checked %d times, want once per node and interface", checks)
	}
}

func TestRunStopsOnCtrlC(t *testing.T) {
	rl := newRunLab(t, "pw-node1")
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	var stoppedAt time.Time
	opts := Options{OnReady: func() {
		time.AfterFunc(700*time.Millisecond, func() { stoppedAt = time.Now(); cancel() })
	}}
	report, err := Run(ctx, rl.runner, []Target{rl.anyTarget("pw-node1")}, opts, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Run returned %s after ctx was cancelled", time.Since(stoppedAt))
	if pids := tcpdumpPIDs(t, rl.labs["pw-node1"].node); len(pids) > 0 {
		t.Errorf("tcpdump still running after Ctrl-C: %v", pids)
	}
	if report.Stopped != StoppedInterrupted || report.Targets[0].Packets == 0 {
		t.Errorf("report %+v, want interrupted with packets", report)
	}
	if got := len(readPcapng(t, out.Bytes())); int64(got) != report.Targets[0].Packets {
		t.Errorf("the stream has %d packets, the report %d", got, report.Targets[0].Packets)
	}
	if !contains(report.Targets[0].Summary, "packets captured") {
		t.Errorf("no closing counts from tcpdump: %q", report.Targets[0].Summary)
	}
}

func TestRunBadFilterIsTcpdumpsMessage(t *testing.T) {
	rl := newRunLab(t, "pw-node1")
	res := runCapture(t, context.Background(), rl, []Target{rl.anyTarget("pw-node1"), podTarget("pw-node1")},
		Options{Filter: "port eighty"})
	if res.err == nil || !strings.Contains(res.err.Error(), "tcpdump: unknown port 'eighty'") {
		t.Fatalf("err = %v, want tcpdump's message", res.err)
	}
	t.Logf("error: %v", res.err)
	if len(res.out) != 0 || res.ready {
		t.Errorf("a capture started: %d bytes out, ready %v", len(res.out), res.ready)
	}
	for _, c := range rl.runner.Calls() {
		if c[1] == "/bin/sh" {
			t.Errorf("a capture was started: %v", c)
		}
	}
}

func TestRunMissingInterfaceStopsTheOthers(t *testing.T) {
	rl := newRunLab(t, "pw-node1")
	targets := []Target{rl.anyTarget("pw-node1"), {Node: "pw-node1", Interface: "cali00000000000", Label: "default/gone"}}
	res := runCapture(t, context.Background(), rl, targets, Options{})
	if res.err == nil || !strings.Contains(res.err.Error(), "cali00000000000: No such device exists") {
		t.Fatalf("err = %v, want tcpdump's message", res.err)
	}
	if strings.Contains(res.err.Error(), "pw-node1/any") {
		t.Errorf("the target that was stopped is reported as failing: %v", res.err)
	}
	if res.report.Stopped != StoppedFailed {
		t.Errorf("stopped %q, want %q", res.report.Stopped, StoppedFailed)
	}
}

func TestRunCountOnEveryTarget(t *testing.T) {
	rl := newRunLab(t, "pw-node1", "pw-node2")
	res := runCapture(t, context.Background(), rl, []Target{podTarget("pw-node1"), podTarget("pw-node2")}, Options{Count: 5})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.report.Stopped != StoppedCount {
		t.Errorf("stopped %q, want count", res.report.Stopped)
	}
	for _, tr := range res.report.Targets {
		if tr.Packets != 5 {
			t.Errorf("%s: %d packets, want 5", tr.Target, tr.Packets)
		}
	}
	if got := len(readPcapng(t, res.out)); got != 10 {
		t.Errorf("%d packets in the stream, want 10", got)
	}
}

func TestRunReaderGoneIsACleanEnd(t *testing.T) {
	rl := newRunLab(t, "pw-node1", "pw-node2")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() { // like `| head -c 300`
		_, _ = io.ReadFull(r, make([]byte, 300))
		_ = r.Close()
	}()
	done := make(chan struct{})
	var report Report
	go func() {
		defer close(done)
		report, err = Run(context.Background(), rl.runner, []Target{rl.anyTarget("pw-node1"), podTarget("pw-node2")}, Options{}, w)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not end after its reader went away")
	}
	if err != nil || report.Stopped != StoppedReaderGone {
		t.Errorf("Run = %+v, %v; want a clean end because the reader went away", report, err)
	}
}

func TestRunIntoWireshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("needs tshark to stand in for wireshark")
	}
	rl := newRunLab(t, "pw-node1")
	// A "wireshark" that is tshark reading the live stream from stdin as Wireshark would (-k -i -), and
	// that closes after 5 packets, as a user closing the window.
	dir := t.TempDir()
	script := "#!/bin/sh\n" + `[ "$*" = "-k -i -" ] || { echo "unexpected arguments: $*" >&2; exit 2; }` + "\n" +
		`exec "` + tshark + `" -i - -c 5 -T fields -e frame.interface_name -e frame.number > "` + dir + `/seen" 2>"` + dir + `/err"` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "wireshark"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	path, err := FindWireshark(func(name string) (string, error) { return exec.LookPath(filepath.Join(dir, name)) })
	if err != nil {
		t.Fatal(err)
	}
	ws, err := StartWireshark(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	report, err := Run(context.Background(), rl.runner, []Target{rl.anyTarget("pw-node1")}, Options{}, ws.Stdin())
	if err != nil || report.Stopped != StoppedReaderGone {
		t.Errorf("Run = %+v, %v; want a clean end when wireshark closes", report, err)
	}
	_ = ws.CloseStdin()
	if err := ws.Wait(); err != nil {
		errOut, _ := os.ReadFile(filepath.Join(dir, "err"))
		t.Fatalf("%v: %s", err, errOut)
	}
	seen, _ := os.ReadFile(filepath.Join(dir, "seen"))
	lines := strings.Split(strings.TrimSpace(string(seen)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "pw-node1/") {
		t.Errorf("wireshark saw %q, want 5 packets on named interfaces", lines)
	}
}

func TestFindWiresharkMissing(t *testing.T) {
	_, err := FindWireshark(func(string) (string, error) { return "", exec.ErrNotFound })
	if !errors.Is(err, ErrNoWireshark) {
		t.Errorf("err = %v, want ErrNoWireshark", err)
	}
	cmd := WiresharkCommand("/usr/bin/wireshark", nil, nil)
	if got := strings.Join(cmd.Args, " "); got != "/usr/bin/wireshark -k -i -" {
		t.Errorf("wireshark argv %q", got)
	}
}

func contains(list []string, sub string) bool {
	for _, l := range list {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}
