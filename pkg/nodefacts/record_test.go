package nodefacts

import (
	"flag"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
)

var update = flag.Bool("update", false, "record the kernel lab's output into testdata/")

// manifestOf describes a lab's nodes and pods.
func manifestOf(lab *netnslab.Lab, blocks map[string][]string) nodefactstest.Manifest {
	m := nodefactstest.Manifest{Source: "kernel lab: internal/netnslab, recorded by go test ./pkg/nodefacts -run Kernel -update"}
	for _, node := range []string{"node1", "node2"} {
		m.Nodes = append(m.Nodes, nodefactstest.NodeInfo{Name: node, InternalIP: lab.NodeIPs[node], PodCIDRs: blocks[node]})
	}
	for _, p := range lab.Pods {
		m.Pods = append(m.Pods, nodefactstest.PodInfo{Namespace: p.Namespace, Name: p.Name, UID: p.UID, Node: p.Node,
			IPs: p.IPs, ContainerIDs: p.ContainerIDs})
	}
	return m
}
