// Package plugins is the registry of packetwalk's dataplane knowledge, the only code that names a
// dataplane. Adding a dataplane means a folder under plugins/ implementing dataplane.Plugin (embedding
// dataplane.KernelDatapath for whatever follows the node's kernel tables), one line in All, and recordings
// of its nodes for the tests.
package plugins

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/plugins/calico"
	"github.com/packetwalk/kubectl-packetwalk/plugins/cilium"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
	"github.com/packetwalk/kubectl-packetwalk/plugins/flannel"
	"github.com/packetwalk/kubectl-packetwalk/plugins/generic"
)

// All returns every dataplane plugin; the generic fallback is last.
func All() []dataplane.Plugin {
	return []dataplane.Plugin{
		calico.Plugin{},
		cilium.Plugin{},
		flannel.Plugin{},
		generic.Plugin{},
	}
}

// Detect returns the plugin most confident that node runs its dataplane, with its evidence. The generic
// plugin answers when no other one recognises the node.
func Detect(node *nodefacts.Node) (dataplane.Plugin, dataplane.Detection) {
	var best dataplane.Plugin = generic.Plugin{}
	bestD := dataplane.Detection{Evidence: []string{"no known dataplane's interfaces on this node"}}
	for _, p := range All() {
		d := p.Detect(node)
		if d.Confidence > bestD.Confidence {
			best, bestD = p, d
		}
	}
	return best, bestD
}
