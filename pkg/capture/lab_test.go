package capture

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// lab is a node in a network namespace with two Calico-style pods: each pod's eth0 is a veth whose host
// peer is cali + sha1("ns.pod")[:11], with proxy-ARP answering for the pods' gateway 169.254.1.1, a /32 route
// to each pod, and an eth0 to an underlay namespace. Addresses are documentation ranges that exist only in
// these namespaces.
type lab struct {
	node, curl, httpbin, underlay string // namespace names
	links                         map[int]string
}

const (
	labCurlIP    = "198.51.100.1"
	labHTTPBinIP = "198.51.100.2"
	labCurlPeer  = "cali35e3a5cb80b" // sha1("default.curl")
	labHTTPPeer  = "cali4a3c027cd7f" // sha1("default.httpbin")
)

func requireRootTools(t testing.TB, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, tool := range append([]string{"ip", "tcpdump"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
}

func newLab(t testing.TB) *lab {
	t.Helper()
	requireRootTools(t, "socat")
	var id [3]byte
	_, _ = rand.Read(id[:])
	prefix := "pwt-cap-" + hex.EncodeToString(id[:])
	l := &lab{node: prefix + "-node", curl: prefix + "-curl", httpbin: prefix + "-hb", underlay: prefix + "-ul"}
	for _, ns := range []string{l.node, l.curl, l.httpbin, l.underlay} {
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	ipCmd(t, "-n", l.node, "link", "set", "lo", "up")
	for _, pod := range []struct{ ns, peer, ip string }{
		{l.curl, labCurlPeer, labCurlIP}, {l.httpbin, labHTTPPeer, labHTTPBinIP},
	} {
		ipCmd(t, "-n", l.node, "link", "add", pod.peer, "type", "veth", "peer", "name", "eth0", "netns", pod.ns)
		ipCmd(t, "-n", l.node, "link", "set", pod.peer, "address", "ee:ee:ee:ee:ee:ee", "up")
		ipCmd(t, "-n", pod.ns, "link", "set", "lo", "up")
		ipCmd(t, "-n", pod.ns, "addr", "add", pod.ip+"/32", "dev", "eth0")
		ipCmd(t, "-n", pod.ns, "link", "set", "eth0", "up")
		ipCmd(t, "-n", pod.ns, "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link")
		ipCmd(t, "-n", pod.ns, "route", "add", "default", "via", "169.254.1.1")
		ipCmd(t, "-n", l.node, "route", "add", pod.ip+"/32", "dev", pod.peer)
		nsRun(t, l.node, "sysctl", "-qw", "net.ipv4.conf."+pod.peer+".proxy_arp=1")
	}
	ipCmd(t, "-n", l.node, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", l.underlay)
	ipCmd(t, "-n", l.node, "addr", "add", "203.0.113.10/24", "dev", "eth0")
	ipCmd(t, "-n", l.node, "link", "set", "eth0", "up")
	ipCmd(t, "-n", l.underlay, "link", "set", "eth0", "up")
	ipCmd(t, "-n", l.node, "route", "add", "default", "via", "203.0.113.1", "dev", "eth0", "onlink")
	nsRun(t, l.node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	l.links = linkTable(t, l.node)

	server := exec.Command("ip", "netns", "exec", l.httpbin, "socat", "-u", "TCP-LISTEN:8080,reuseaddr,fork", "-")
	if err := server.Start(); err != nil {
		t.Fatalf("starting the server pod: %v", err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	return l
}

func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func nsRun(t testing.TB, ns string, argv ...string) []byte {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("in %s: %s: %v: %s", ns, strings.Join(argv, " "), err, out)
	}
	return out
}

// linkTable is the namespace's ifindex → name, as `ip -j link` reports it.
func linkTable(t testing.TB, ns string) map[int]string {
	t.Helper()
	var links []struct {
		Index int    `json:"ifindex"`
		Name  string `json:"ifname"`
	}
	if err := json.Unmarshal(nsRun(t, ns, "ip", "-j", "link", "show"), &links); err != nil {
		t.Fatalf("parsing ip -j link: %v", err)
	}
	table := map[int]string{}
	for _, l := range links {
		table[l.Index] = l.Name
	}
	return table
}

// trafficUntil sends requests every 20ms until ctx ends.
func (l *lab) trafficUntil(ctx context.Context, t testing.TB) {
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			cmd := exec.CommandContext(ctx, "ip", "netns", "exec", l.curl, "socat", "-u", "-",
				"TCP:"+labHTTPBinIP+":8080,connect-timeout=2")
			cmd.Stdin = strings.NewReader(fmt.Sprintf("request %d\n", i))
			_ = cmd.Run()
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
}

// tcpdumpPIDs lists tcpdump processes running in namespace ns.
func tcpdumpPIDs(t testing.TB, ns string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", ns, err)
	}
	var pids []string
	for _, pid := range strings.Fields(string(out)) {
		comm, err := os.ReadFile("/proc/" + pid + "/comm")
		if err == nil && bytes.Equal(bytes.TrimSpace(comm), []byte("tcpdump")) {
			pids = append(pids, pid)
		}
	}
	return pids
}
