// Package objref reads the names users give to packetwalk's verbs the way kubectl reads them
// (NAME, TYPE/NAME, NAMESPACE/NAME) and turns a workload or Service into one of its pods, as
// `kubectl exec deploy/x` does.
package objref

import (
	"fmt"
	"strings"
)

// Kind is the kind of object a reference names.
type Kind string

const (
	Pod                   Kind = "pod"
	Node                  Kind = "node"
	Service               Kind = "service"
	Deployment            Kind = "deployment"
	StatefulSet           Kind = "statefulset"
	DaemonSet             Kind = "daemonset"
	ReplicaSet            Kind = "replicaset"
	ReplicationController Kind = "replicationcontroller"
	Job                   Kind = "job"
)

// typeWords are the spellings kubectl accepts for each kind: singular, plural and short name, with the
// group suffix ("deployment.apps") too.
var typeWords = map[string]Kind{
	"pod": Pod, "pods": Pod, "po": Pod,
	"node": Node, "nodes": Node, "no": Node,
	"service": Service, "services": Service, "svc": Service,
	"deployment": Deployment, "deployments": Deployment, "deploy": Deployment, "deployment.apps": Deployment, "deployments.apps": Deployment,
	"statefulset": StatefulSet, "statefulsets": StatefulSet, "sts": StatefulSet, "statefulset.apps": StatefulSet, "statefulsets.apps": StatefulSet,
	"daemonset": DaemonSet, "daemonsets": DaemonSet, "ds": DaemonSet, "daemonset.apps": DaemonSet, "daemonsets.apps": DaemonSet,
	"replicaset": ReplicaSet, "replicasets": ReplicaSet, "rs": ReplicaSet, "replicaset.apps": ReplicaSet, "replicasets.apps": ReplicaSet,
	"replicationcontroller": ReplicationController, "replicationcontrollers": ReplicationController, "rc": ReplicationController,
	"job": Job, "jobs": Job, "job.batch": Job, "jobs.batch": Job,
}

// Ref is a name as the user wrote it, before it is looked up.
type Ref struct {
	Kind Kind
	// Namespace is empty when the argument named none (the command's namespace applies).
	Namespace string
	Name      string
	// Typed says the argument named its kind; a bare NAME did not.
	Typed bool
}

// String is the reference in kubectl's TYPE/NAME form.
func (r Ref) String() string {
	s := string(r.Kind) + "/"
	if r.Namespace != "" {
		s += r.Namespace + "/"
	}
	return s + r.Name
}

// Forms is the one-line description of what Parse accepts, for error messages and help.
const Forms = "NAME, TYPE/NAME (pod, deploy, sts, ds, rs, job, svc) or NAMESPACE/NAME"

// Parse reads NAME (of kind bare), TYPE/NAME, TYPE/NAMESPACE/NAME and NAMESPACE/NAME, the last when
// NAMESPACE is not a type word: a namespace spelled like a type ("svc") is given with -n.
func Parse(arg string, bare Kind) (Ref, error) {
	parts := strings.Split(arg, "/")
	for _, p := range parts {
		if p == "" {
			return Ref{}, fmt.Errorf("%q has an empty part: use %s", arg, Forms)
		}
	}
	var r Ref
	kind, typed := typeWords[strings.ToLower(parts[0])]
	switch {
	case len(parts) == 1:
		r = Ref{Kind: bare, Name: parts[0]}
	case len(parts) == 2 && typed:
		r = Ref{Kind: kind, Name: parts[1], Typed: true}
	case len(parts) == 2:
		r = Ref{Kind: bare, Namespace: parts[0], Name: parts[1]}
	case len(parts) == 3 && typed:
		r = Ref{Kind: kind, Namespace: parts[1], Name: parts[2], Typed: true}
	case len(parts) == 3:
		return Ref{}, fmt.Errorf("%q: %q is not a resource type: use %s", arg, parts[0], Forms)
	default:
		return Ref{}, fmt.Errorf("%q has too many parts: use %s", arg, Forms)
	}
	if r.Kind == Node && r.Namespace != "" {
		return Ref{}, fmt.Errorf("%q: nodes have no namespace: use node/NAME", arg)
	}
	return r, nil
}

// Workload says whether the kind selects pods, one of which stands for it.
func (k Kind) Workload() bool {
	_, ok := getters[k]
	return ok
}
