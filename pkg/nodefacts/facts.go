package nodefacts

import (
	"net/netip"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// Node is the host network namespace of one node, as seen from its helper pod.
type Node struct {
	Name string
	// Links holds every link with its addresses (`ip -j -d addr show`).
	Links iproute.Links
	// Routes are the main tables of IPv4 then IPv6.
	Routes     iproute.Routes
	Neighbours iproute.Neighbours
	FDB        iproute.FDB
	Sysctls    sysctl.Table
	// KubeProxy is the detected kube-proxy mode with its evidence.
	KubeProxy netfilter.ProxyDetection
	// NAT is the iptables nat table (nil when iptables-save was not available or printed nothing).
	NAT *netfilter.IPTables
	// NFT is the nftables ruleset (nil when nft was not available).
	NFT *netfilter.NFTRuleset
	// Commands are the commands that produced these facts, for --explain.
	Commands []Command
	// Problems are facts that could not be gathered (a missing tool, an unreadable table); the rest are
	// still valid.
	Problems []string
}

// PodNet is one pod's network namespace on its node.
type PodNet struct {
	// Namespace and Name identify the pod.
	Namespace, Name string
	Node            string
	// PID is a process in the pod's network namespace (used with nsenter -t PID -n); NetnsInode identifies
	// the namespace itself ("net:[4026532461]" as readlink prints it).
	PID        int
	NetnsInode string
	// Links are the namespace's links with their addresses; Routes its main tables; Neighbours its
	// ARP/NDP cache.
	Links      iproute.Links
	Routes     iproute.Routes
	Neighbours iproute.Neighbours
	// RouteGet is the kernel's answer to `ip route get` for a remote address of each family the pod has
	// (the route a packet leaving the pod takes), keyed by that address.
	RouteGet map[netip.Addr]iproute.Route
	// Commands are the commands that produced these facts, for --explain.
	Commands []Command
}

// Command is one node command that was run and what came of it.
type Command struct {
	Node string
	Argv []string
	// ExitCode is the command's exit status; Err is set when it could not be run or its output not parsed.
	ExitCode int
	Err      string
	// Purpose says in a few words what the command was run to learn.
	Purpose string
}

// Peer is the host side of a pod's interface: what a capture on the node names.
type Peer struct {
	Node  string
	Name  string
	Index int
	// PodInterface is the pod-side interface (eth0) whose peer this is.
	PodInterface string
}
