package capture

import (
	"fmt"

	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
)

// targetArg is one TARGET argument as the user wrote it, before it is looked up in the cluster: a node,
// or a pod, workload or Service that stands for one of its pods.
type targetArg = objref.Ref

// parseTarget reads a TARGET the way kubectl reads names: node/NAME, pod/NAME, deploy/NAME, svc/NAME, …,
// NAMESPACE/NAME or a bare pod NAME.
func parseTarget(arg string) (targetArg, error) {
	t, err := objref.Parse(arg, objref.Pod)
	if err != nil {
		return targetArg{}, fmt.Errorf("cannot capture %s: a target is node/NAME or a pod (%s)", err, objref.Forms)
	}
	return t, nil
}
