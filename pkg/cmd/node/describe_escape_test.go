package node

import (
	"bytes"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// TestDescribeEscapesNodeNames: an interface name is the node's to choose (the kernel allows ESC in it);
// the node view shows it without the terminal acting on it.
func TestDescribeEscapesNodeNames(t *testing.T) {
	nn := &api.NodeNetwork{Node: "node1", Ready: true, OS: "linux", Dataplane: "flannel",
		DataplaneEvidence: []string{"bridge c\x1b]0;pwned\x07ni0 with 1 pod veth"},
		Pods: []api.PodAttachment{{Pod: api.PodRef{Namespace: "default", Name: "curl"}, IPs: []string{"10.244.1.5"},
			Interface: "eth0", HostInterface: "veth\x1b[2J", HostIfIndex: 7}},
		Warnings: []string{"rp_filter on a\x1bb"}}
	var b bytes.Buffer
	if err := describe(&b, nn); err != nil {
		t.Fatal(err)
	}
	cmdtest.Escaped(t, b.String(), "c^[]0;pwned^Gni0", "veth^[[2J (ifindex 7)", "rp_filter on a^[b")
}
