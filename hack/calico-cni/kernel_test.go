package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The kernel test runs this test binary as the plugin (and as a tiny TCP client and server) inside network
// namespaces it creates, so nothing touches the host's network.
const modeEnv = "CALICO_REPRO_TEST_MODE"

func TestMain(m *testing.M) {
	switch os.Getenv(modeEnv) {
	case "plugin":
		os.Exit(cniMain(os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	case "serve":
		os.Exit(serveOnce(os.Args[len(os.Args)-1]))
	case "dial":
		os.Exit(dialOnce(os.Args[len(os.Args)-1]))
	}
	os.Exit(m.Run())
}

func serveOnce(addr string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("listening")
	c, err := l.Accept()
	if err != nil {
		return 1
	}
	fmt.Fprintf(c, "hello %s\n", c.RemoteAddr())
	c.Close()
	return 0
}

func dialOnce(addr string) int {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	return 0
}

func requireKernelLab(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, tool := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	if _, err := os.Stat("/usr/lib/cni/host-local"); err != nil {
		t.Skip("needs the host-local CNI plugin in /usr/lib/cni (Debian containernetworking-plugins)")
	}
}

func netnsName(t *testing.T, role string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := "pwt-cni" + role + "-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	return name
}

func sh(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// TestPluginWiresPodLikeCalico runs ADD, CHECK and DEL against real namespaces: a "node" with an uplink
// and a "pod", and checks every piece of state a Calico node shows.
func TestPluginWiresPodLikeCalico(t *testing.T) {
	requireKernelLab(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	node := netnsName(t, "node")
	pod := netnsName(t, "pod")
	podPath := "/run/netns/" + pod
	ipamDir := t.TempDir()

	// The node's uplink: the gateway 169.254.1.1 must route out of another interface for proxy ARP.
	sh(t, "ip", "-n", node, "link", "set", "lo", "up")
	sh(t, "ip", "-n", node, "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1")
	sh(t, "ip", "-n", node, "addr", "add", "10.99.0.1/32", "dev", "uplink0")
	sh(t, "ip", "-n", node, "link", "set", "uplink0", "up")
	sh(t, "ip", "-n", node, "link", "set", "uplink1", "up")
	sh(t, "ip", "-n", node, "route", "add", "default", "dev", "uplink0")
	sh(t, "ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1")

	conf := fmt.Sprintf(`{"cniVersion":"0.4.0","name":"pwt-calico","type":"calico-repro","mtu":1450,`+
		`"ipam":{"type":"host-local","dataDir":%q,"ranges":[[{"subnet":"10.244.7.0/24"}]]}}`, ipamDir)
	cni := func(command string) (string, error) {
		cmd := exec.Command("nsenter", "--net=/run/netns/"+node, "--", self)
		cmd.Env = append(os.Environ(), modeEnv+"=plugin", "CNI_COMMAND="+command, "CNI_CONTAINERID=pwt-sandbox",
			"CNI_NETNS="+podPath, "CNI_IFNAME=eth0", "CNI_PATH=/usr/lib/cni",
			"CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=curl")
		cmd.Stdin = strings.NewReader(conf)
		out, err := cmd.Output()
		return string(out), err
	}

	out, err := cni("ADD")
	if err != nil {
		t.Fatalf("ADD: %v: %s", err, out)
	}
	var res cniResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("ADD result %q: %v", out, err)
	}
	podIP := strings.TrimSuffix(res.IPs[0].Address, "/32")
	if !strings.HasPrefix(podIP, "10.244.7.") || res.IPs[0].Address != podIP+"/32" {
		t.Fatalf("ADD gave address %q, want a /32 from 10.244.7.0/24", res.IPs[0].Address)
	}

	if _, err := os.Stat(filepath.Join(ipamDir, "pwt-calico", podIP)); err != nil {
		t.Errorf("host-local holds no reservation for %s: %v", podIP, err)
	}

	host := "cali35e3a5cb80b"
	var links []struct {
		IfName    string `json:"ifname"`
		Address   string `json:"address"`
		MTU       int    `json:"mtu"`
		Operstate string `json:"operstate"`
	}
	if err := json.Unmarshal([]byte(sh(t, "ip", "-n", node, "-j", "link", "show", host)), &links); err != nil || len(links) != 1 {
		t.Fatalf("host veth %s: %v %v", host, links, err)
	}
	if links[0].Address != "ee:ee:ee:ee:ee:ee" || links[0].MTU != 1450 {
		t.Errorf("host veth %s: mac %s mtu %d, want ee:ee:ee:ee:ee:ee and 1450", host, links[0].Address, links[0].MTU)
	}
	for path, want := range hostSysctls(host) {
		got := strings.TrimSpace(sh(t, "nsenter", "--net=/run/netns/"+node, "cat", path))
		if got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	if got := sh(t, "ip", "-n", node, "route", "show", podIP+"/32"); !strings.Contains(got, "dev "+host+" scope link") {
		t.Errorf("node route to %s: %q, want dev %s scope link", podIP, got, host)
	}
	podRoutes := sh(t, "ip", "-n", pod, "route", "show")
	for _, want := range []string{"default via 169.254.1.1 dev eth0", "169.254.1.1 dev eth0 scope link"} {
		if !strings.Contains(podRoutes, want) {
			t.Errorf("pod routes %q lack %q", podRoutes, want)
		}
	}

	// Traffic: the pod reaches the node's uplink address through proxy ARP and the /32 route back.
	server := exec.Command("nsenter", "--net=/run/netns/"+node, "--", self, "10.99.0.1:8080")
	server.Env = append(os.Environ(), modeEnv+"=serve")
	stdout, _ := server.StdoutPipe()
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "listening\n" {
		t.Fatalf("server did not start: %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := exec.CommandContext(ctx, "nsenter", "--net="+podPath, "--", self, "10.99.0.1:8080")
	dial.Env = append(os.Environ(), modeEnv+"=dial")
	got, err := dial.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(got), "hello "+podIP+":") {
		t.Fatalf("pod -> node: %v %q, want hello from %s", err, got, podIP)
	}
	if neigh := sh(t, "ip", "-n", pod, "neigh", "show", "169.254.1.1"); !strings.Contains(neigh, "lladdr ee:ee:ee:ee:ee:ee") {
		t.Errorf("pod neighbour 169.254.1.1 = %q, want it resolved by proxy ARP to ee:ee:ee:ee:ee:ee", neigh)
	}

	if out, err := cni("CHECK"); err != nil {
		t.Errorf("CHECK: %v: %s", err, out)
	}
	if out, err := cni("DEL"); err != nil {
		t.Fatalf("DEL: %v: %s", err, out)
	}
	if err := exec.Command("ip", "-n", node, "link", "show", host).Run(); err == nil {
		t.Errorf("host veth %s still exists after DEL", host)
	}
	if _, err := os.Stat(filepath.Join(ipamDir, "pwt-calico", podIP)); !os.IsNotExist(err) {
		t.Errorf("host-local still holds %s after DEL (stat: %v)", podIP, err)
	}
	if out, err := cni("DEL"); err != nil {
		t.Errorf("second DEL must succeed (runtimes repeat it): %v: %s", err, out)
	}
	if out, err := cni("CHECK"); err == nil {
		t.Errorf("CHECK after DEL succeeded: %s", out)
	}
	if !bytes.Contains([]byte(sh(t, "ip", "netns", "list")), []byte(pod)) {
		t.Errorf("DEL removed the pod's namespace; the runtime owns it")
	}
}
