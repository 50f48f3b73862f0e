package cilium

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

var _ dataplane.PolicyDrops = Plugin{}

// PolicyDropCounters implements dataplane.PolicyDrops: the datapath's drop counters, by reason, from the
// agent (`cilium-dbg bpf metrics list`).
func (Plugin) PolicyDropCounters() dataplane.AgentQuery {
	return dataplane.AgentQuery{
		Agent:  ciliumAgent,
		Argv:   []string{"cilium-dbg", "bpf", "metrics", "list", "-o", "json"},
		Parse:  parsePolicyDrops,
		Source: "Cilium's datapath drop counters",
	}
}

type metric struct {
	Reason    string `json:"reason"`
	Direction string `json:"direction"`
	Packets   uint64 `json:"packets"`
	File      string `json:"file"`
	Line      int    `json:"line"`
}

// parsePolicyDrops reads `cilium-dbg bpf metrics list -o json` and keeps the policy drops that counted
// packets ("Policy denied", "Policy denied by denylist", …), as "Policy denied ingress: 3 packets
// (bpf_lxc.c:2410)".
func parsePolicyDrops(stdout []byte) ([]string, error) {
	var ms []metric
	if err := json.Unmarshal(stdout, &ms); err != nil {
		return nil, fmt.Errorf("reading cilium-dbg bpf metrics list: %w", err)
	}
	var out []string
	for _, m := range ms {
		if !strings.HasPrefix(m.Reason, "Policy denied") || m.Packets == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: %d packets (%s:%d)", m.Reason, m.Direction, m.Packets, m.File, m.Line))
	}
	return out, nil
}
