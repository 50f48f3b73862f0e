// Package podnet finds a pod's network namespace from its node, without any tool in the pod: it scans
// /proc for processes whose cgroup names the pod's UID or one of its container IDs, groups them by network
// namespace, and keeps the namespace that holds the pod's IP. It then pairs the pod's interfaces with
// their host-side peers in the node's link table.
//
// Nothing here assumes one node per machine: on clusters where nodes share a PID namespace (kind-like and
// the project's local cluster) a node's helper sees other nodes' processes, so the IP check, and the
// node's own link table for the peer, decide.
package podnet
