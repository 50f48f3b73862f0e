package capture

import (
	"fmt"
	"strings"
)

// targetKind is what a capture target names.
type targetKind string

const (
	nodeTarget targetKind = "node"
	podTarget  targetKind = "pod"
)

// targetArg is one TARGET argument as the user wrote it, before it is looked up in the cluster.
type targetArg struct {
	Kind targetKind
	Name string
}

func (t targetArg) String() string { return string(t.Kind) + "/" + t.Name }

// kindAliases are the spellings kubectl accepts for the two kinds.
var kindAliases = map[string]targetKind{
	"node": nodeTarget, "nodes": nodeTarget, "no": nodeTarget,
	"pod": podTarget, "pods": podTarget, "po": podTarget,
}

// parseTarget reads `node/NAME`, `pod/NAME` or a bare pod NAME, as kubectl exec does.
func parseTarget(arg string) (targetArg, error) {
	kind, name, qualified := strings.Cut(arg, "/")
	if !qualified {
		kind, name = "pod", arg
	}
	k, ok := kindAliases[strings.ToLower(kind)]
	if !ok {
		return targetArg{}, fmt.Errorf("cannot capture %q: a target is node/NAME or pod/NAME", arg)
	}
	if name == "" || strings.Contains(name, "/") {
		return targetArg{}, fmt.Errorf("cannot capture %q: a target is node/NAME or pod/NAME", arg)
	}
	return targetArg{Kind: k, Name: name}, nil
}
