package summary

import (
	"bufio"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
)

var update = flag.Bool("update", false, "record the kernel captures of the kernel tests into testdata/")

// vethPair connects two new network namespaces by a veth pair, eth0 in both, with 10.9.0.1 and fd09::1 on
// the first and 10.9.0.2 and fd09::2 on the second.
func vethPair(t *testing.T) (a, b string) {
	t.Helper()
	a, b = netnslab.NewNetns(t, "sum-a"), netnslab.NewNetns(t, "sum-b")
	netnslab.In(t, a, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", "/run/netns/"+b)
	for i, ns := range []string{a, b} {
		n := string(rune('1' + i))
		netnslab.In(t, ns, "ip", "addr", "add", "10.9.0."+n+"/24", "dev", "eth0")
		netnslab.In(t, ns, "ip", "addr", "add", "fd09::"+n+"/64", "dev", "eth0", "nodad")
		netnslab.In(t, ns, "ip", "link", "set", "eth0", "up")
		netnslab.In(t, ns, "ip", "link", "set", "lo", "up")
	}
	return a, b
}

// kernelCapture runs tcpdump in ns with args (interface, count, filter) into a file, waits for it to listen,
// sends the traffic, and returns the file once tcpdump has its count.
func kernelCapture(t *testing.T, ns string, args []string, send func()) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kernel.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=/run/netns/" + ns, "--", "tcpdump", "-U", "-n", "-w", path}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var said []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		said = append(said, sc.Text())
		if strings.Contains(sc.Text(), "listening on") {
			break
		}
	}
	send()
	go func() {
		for sc.Scan() {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tcpdump %s: %v\n%s", strings.Join(args, " "), err, strings.Join(said, "\n"))
	}
	return path
}

// keepCapture copies a kernel capture into testdata when the test runs with -update.
func keepCapture(t *testing.T, path, name string) {
	t.Helper()
	if !*update {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
