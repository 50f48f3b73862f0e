package helperpod

import corev1 "k8s.io/api/core/v1"

// privilege is one capability node commands need, with the reason it is needed. The helper pod gets exactly
// the ones its profile lists, never `privileged: true`, so a cluster admin can read why each one is there.
type privilege struct {
	capability corev1.Capability
	reason     string
}

var (
	netAdmin  = privilege{"NET_ADMIN", "read iptables and nftables rules (iptables-save, nft list ruleset); netlink reads of links, routes and neighbours need none"}
	netRaw    = privilege{"NET_RAW", "open packet sockets for tcpdump"}
	sysAdmin  = privilege{"SYS_ADMIN", "enter a pod's network namespace with nsenter (setns)"}
	sysPtrace = privilege{"SYS_PTRACE", "open another user's /proc/PID/ns/net to find and enter a pod's network namespace"}
	setUID    = privilege{"SETUID", "tcpdump changes its user once the capture socket is open, even to root (-Z root)"}
	setGID    = privilege{"SETGID", "tcpdump resets its groups when it changes its user"}
)

// Profile is what one kind of work needs on a node, as kubectl debug's --profile: each verb asks for its own.
// Every profile runs in the node's network namespace (host network): the node's links, routes and rules are
// what packetwalk reads.
type Profile struct {
	Name       string
	privileges []privilege
	// HostPID lets the helper see the pods' processes, to enter their network namespaces.
	HostPID bool
}

// The profiles, from least to most privileged. What each needs was found by running its commands on the
// local cluster with one capability fewer.
var (
	// ProfileNodeCapture is `capture node/…`: tcpdump on the node's interfaces.
	ProfileNodeCapture = Profile{Name: "node-capture", privileges: []privilege{netRaw, setUID, setGID}}
	// ProfileVeth is `veth`: netlink reads on the node and inside pods' network namespaces.
	ProfileVeth = Profile{Name: "veth", privileges: []privilege{sysAdmin, sysPtrace}, HostPID: true}
	// ProfileNode is `node`: ProfileVeth and kube-proxy's rules.
	ProfileNode = Profile{Name: "node", privileges: []privilege{netAdmin, sysAdmin, sysPtrace}, HostPID: true}
	// ProfilePodCapture is `capture pod/…`: tcpdump inside pods' network namespaces too.
	ProfilePodCapture = Profile{Name: "pod-capture", privileges: []privilege{netRaw, setUID, setGID, sysAdmin, sysPtrace}, HostPID: true}
	// ProfileWalk is `pod --to`: every node read, captures on the path, and a probe sent from the pod.
	ProfileWalk = Profile{Name: "walk", privileges: []privilege{netAdmin, netRaw, sysAdmin, sysPtrace, setUID, setGID}, HostPID: true}
)

// Profiles lists every profile, for documentation and tests.
var Profiles = []Profile{ProfileNodeCapture, ProfileVeth, ProfileNode, ProfilePodCapture, ProfileWalk}

// Capabilities lists the profile's capabilities with their reasons.
func (p Profile) Capabilities() map[corev1.Capability]string {
	out := map[corev1.Capability]string{}
	for _, pr := range p.privileges {
		out[pr.capability] = pr.reason
	}
	return out
}

func (p Profile) securityCapabilities() *corev1.Capabilities {
	caps := &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	for _, pr := range p.privileges {
		caps.Add = append(caps.Add, pr.capability)
	}
	return caps
}
