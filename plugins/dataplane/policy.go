package dataplane

// PolicyDrops is implemented by a dataplane that enforces NetworkPolicy itself and counts what it drops:
// the walk asks the agent on the destination's node for that evidence when a probe is lost.
type PolicyDrops interface {
	PolicyDropCounters() AgentQuery
}

// AgentQuery is a read-only command run in a dataplane's agent on a node, and its parser, which returns
// the lines that are evidence.
type AgentQuery struct {
	Agent Agent
	Argv  []string
	Parse func(stdout []byte) ([]string, error)
	// Source names the answer in evidence ("Cilium's drop counters").
	Source string
}
