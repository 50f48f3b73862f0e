package nodefacts

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// NodePeers gathers node's link table and the host peers of pods on it, in the same two execs as one pod
// costs: what a node capture needs to name its interfaces. Pods whose namespace was not found are left
// out of the map (their lookup error is in the returned lookups).
func NodePeers(ctx context.Context, r noderun.Runner, node string, pods []*corev1.Pod) (*Node, map[*corev1.Pod][]Peer, []PodLookup, error) {
	n, lookups, err := Gather(ctx, r, node, pods, WantPeer)
	if err != nil {
		return nil, nil, nil, err
	}
	peers := map[*corev1.Pod][]Peer{}
	for _, l := range lookups {
		if l.Err == nil {
			if p := verifiedPeers(n, l); len(p) > 0 {
				peers[l.Pod] = p
			}
		}
	}
	return n, peers, lookups, nil
}

// verifiedPeers are the host peers of a found pod namespace that are proven from both sides.
func verifiedPeers(node *Node, l PodLookup) []Peer {
	var peers []Peer
	atts := podnet.Attach(l.Net.Links, node.Links)
	podnet.Confirm(atts, PodIPs(l.Pod), node.Routes, node.FDB)
	for _, a := range atts {
		if a.Verified {
			peers = append(peers, Peer{Node: node.Name, Name: a.HostPeer.Name, Index: a.HostPeer.Index, PodInterface: a.PodLink.Name})
		}
	}
	return peers
}
