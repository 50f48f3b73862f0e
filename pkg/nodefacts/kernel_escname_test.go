package nodefacts

import (
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
)

// TestKernelControlByteInterfaceName: an interface whose name holds ESC (the kernel allows it, and iproute2
// prints it raw in its JSON) leaves the node readable, with that interface under its exact name.
func TestKernelControlByteInterfaceName(t *testing.T) {
	lab := netnslab.Flannel(t)
	const name = "x\x1b]0;pwned\x07"
	netnslab.In(t, lab.Nodes["node1"], "ip", "link", "add", name, "type", "bridge")
	netnslab.In(t, lab.Nodes["node1"], "ip", "link", "set", name, "up")
	nodes, _ := gatherLab(t, &nodefactstest.Recorder{Runner: lab.Runner, Names: pidNames(lab)}, lab)
	if _, ok := nodes["node1"].Links.ByName(name); !ok {
		t.Errorf("node1's links lack %q", name)
	}
	if _, ok := nodes["node1"].Links.ByName("cni0"); !ok {
		t.Errorf("node1's links lack cni0 next to %q", name)
	}
}
