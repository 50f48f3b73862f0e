// Package helperpod creates, waits for and deletes packetwalk's node helper pods: short-lived pods pinned to
// one node, in the node's network and PID namespaces, from which node commands run.
package helperpod

// Labels every helper pod carries. cleanup finds leftovers by ManagedByLabel; RunLabel ties the pods of one
// invocation together.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "kubectl-packetwalk"
	ComponentLabel = "app.kubernetes.io/component"
	ComponentValue = "node-helper"
	RunLabel       = "packetwalk.dev/run"
	NodeLabel      = "packetwalk.dev/node"
)

// Selector selects every helper pod packetwalk ever created.
const Selector = ManagedByLabel + "=" + ManagedByValue

// ContainerName is the helper pod's only container, the one node commands run in.
const ContainerName = "packetwalk"
