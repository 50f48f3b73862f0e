package framework

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// The environment hack/test.sh sets for the end-to-end tests.
const (
	// EnvKubeconfig is the local cluster's own kubeconfig (never the user's).
	EnvKubeconfig = "PACKETWALK_E2E_KUBECONFIG"
	// EnvImage is the helper image, packetwalk.local/helper:1 on the local cluster.
	EnvImage = "PACKETWALK_E2E_IMAGE"
	// EnvDataplane is "flannel", "calico" or "cilium".
	EnvDataplane = "PACKETWALK_E2E_DATAPLANE"
	// EnvLab is the lab directory of hack/cluster/up (it holds nodes.txt).
	EnvLab = "PACKETWALK_E2E_LAB"
	// EnvPlugin optionally names a built kubectl-packetwalk; without it Plugin builds one.
	EnvPlugin = "PACKETWALK_E2E_PLUGIN"
)

// Dataplanes of the local cluster.
const (
	Flannel = "flannel"
	Calico  = "calico"
	Cilium  = "cilium"
)

// Cluster is the local cluster under test.
type Cluster struct {
	Kubeconfig string
	Image      string
	Dataplane  string
	// ProxyMode is kube-proxy's mode: iptables or nftables (hack/cluster/up --proxy-mode), or "replaced"
	// (Cilium's kube-proxy replacement, --kube-proxy-replacement: no kube-proxy runs).
	ProxyMode string
	LabDir    string
	Config    *rest.Config
	Client    kubernetes.Interface
	// Nodes in order: Nodes[0] is node 1, where the scenario's curl and httpbin-local run.
	Nodes []Node
}

// Node is one lab node as hack/cluster/up made it.
type Node struct {
	Name             string
	Netns            string // network namespace on the host, /run/netns/<Netns>
	IP               string // eth0 address, the node's InternalIP
	PodCIDR          string
	ContainerdSocket string
}

var (
	loadOnce    sync.Once
	loaded      *Cluster
	loadErr     error
	loadSkipped string
)

// Load returns the cluster named by the environment. It skips the test when there is none or when the
// test cannot act as root on the nodes (their namespaces are on this machine), and fails it when the
// environment names a cluster that cannot be reached.
func Load(t testing.TB) *Cluster {
	t.Helper()
	loadOnce.Do(func() { loaded, loadSkipped, loadErr = load() })
	if loadSkipped != "" {
		t.Skip(loadSkipped)
	}
	if loadErr != nil {
		t.Fatalf("loading the local cluster: %v", loadErr)
	}
	return loaded
}

func load() (*Cluster, string, error) {
	c := &Cluster{
		Kubeconfig: os.Getenv(EnvKubeconfig),
		Image:      os.Getenv(EnvImage),
		Dataplane:  os.Getenv(EnvDataplane),
		LabDir:     os.Getenv(EnvLab),
	}
	if c.Kubeconfig == "" || c.LabDir == "" {
		return nil, fmt.Sprintf("no local cluster: set %s and %s (hack/test.sh does, after hack/cluster/up)", EnvKubeconfig, EnvLab), nil
	}
	if os.Geteuid() != 0 {
		return nil, "end-to-end tests need root: they read the nodes' network namespaces on this machine", nil
	}
	if c.Image == "" {
		c.Image = "packetwalk.local/helper:1"
	}
	if c.Dataplane != Flannel && c.Dataplane != Calico && c.Dataplane != Cilium {
		return nil, "", fmt.Errorf("%s is %q, want %s, %s or %s", EnvDataplane, c.Dataplane, Flannel, Calico, Cilium)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, "", fmt.Errorf("reading kubeconfig %s: %w", c.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	c.Config = cfg
	if c.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, "", fmt.Errorf("making a client for %s: %w", c.Kubeconfig, err)
	}
	if c.Nodes, err = readNodes(filepath.Join(c.LabDir, "nodes.txt")); err != nil {
		return nil, "", err
	}
	if c.ProxyMode, err = labState(filepath.Join(c.LabDir, "state.env"), "PROXY_MODE"); err != nil {
		return nil, "", err
	}
	if c.ProxyMode == "" {
		c.ProxyMode = "iptables" // a lab started before hack/cluster/up had --proxy-mode
	}
	return c, "", nil
}

// labState reads one KEY=value line of the lab's state.env.
func labState(path, key string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the lab's state: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v, nil
		}
	}
	return "", nil
}

// readNodes reads the lab's nodes.txt: "name netns ip podCIDR containerdSocket" per line.
func readNodes(path string) ([]Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the lab's nodes: %w", err)
	}
	defer f.Close()
	var nodes []Node
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 5 {
			return nil, fmt.Errorf("%s: line %q has %d fields, want 5", path, sc.Text(), len(fields))
		}
		nodes = append(nodes, Node{Name: fields[0], Netns: fields[1], IP: fields[2], PodCIDR: fields[3], ContainerdSocket: fields[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s lists no nodes", path)
	}
	return nodes, nil
}

// Node returns the lab node called name.
func (c *Cluster) Node(t testing.TB, name string) Node {
	t.Helper()
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no lab node %q (nodes: %v)", name, c.Nodes)
	return Node{}
}
