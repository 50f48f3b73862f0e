package helperpod

import corev1 "k8s.io/api/core/v1"

// privilege is one capability the node commands need, with the reason it is needed. The helper pod gets
// exactly these, not `privileged: true`, so a cluster admin can read why each one is there.
type privilege struct {
	capability corev1.Capability
	reason     string
}

// nodeCommandPrivileges is the profile every helper pod runs with.
var nodeCommandPrivileges = []privilege{
	{"NET_ADMIN", "read iptables/nftables rules and netlink state (iptables-save, nft list ruleset)"},
	{"NET_RAW", "open packet sockets for tcpdump"},
	{"SYS_ADMIN", "enter pods' network namespaces with nsenter (setns)"},
	{"SYS_PTRACE", "read other processes' /proc/PID/ns/net to find pods' network namespaces"},
	{"SETUID", "tcpdump changes its user once the capture socket is open, even to root (-Z root)"},
	{"SETGID", "tcpdump resets its groups when it changes its user"},
}

func capabilities() *corev1.Capabilities {
	caps := &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	for _, p := range nodeCommandPrivileges {
		caps.Add = append(caps.Add, p.capability)
	}
	return caps
}
