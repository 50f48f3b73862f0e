package podnet

import "github.com/packetwalk/kubectl-packetwalk/pkg/iproute"

// Process is one process the /proc scan found whose cgroup matched the pod.
type Process struct {
	PID int
	// Netns is the process's network namespace as readlink prints it ("net:[4026532461]").
	Netns string
	// Cgroup is the matching line of /proc/PID/cgroup.
	Cgroup string
}

// Candidate is one network namespace holding processes of the pod. Usually there is one; with a shared
// /proc there may be more only if the pattern was ambiguous, and the IP check decides.
type Candidate struct {
	Netns string
	// PIDs are the namespace's matching processes, lowest first; the first is used with nsenter.
	PIDs []int
}

// Attachment is where one pod interface plugs into the node.
type Attachment struct {
	// PodLink is the interface inside the pod (eth0); HostPeer its other end in the node's namespace.
	PodLink  iproute.Link
	HostPeer iproute.Link
	// Verified is true when HostPeer.PeerIndex points back at PodLink.Index, so the pair is proven from
	// both sides and not only by the pod side's peer ifindex (ifindexes are per namespace: on a shared
	// machine another node may have a link with the same index).
	Verified bool
	// ConfirmedBy is the node-side fact that ties HostPeer to this pod and not merely to some pod whose
	// interface has the same ifindex (every pod's eth0 is usually ifindex 2): the node's route to the
	// pod's IP through HostPeer, or the pod's MAC learned on HostPeer's bridge port. Empty when no such
	// fact was found.
	ConfirmedBy string
}
