// Package walk reasons about the way a packet takes from a pod to a pod, Service or address, hop by hop.
//
// It has three parts:
//   - the expected path (Reason): pure reasoning from node facts (links, routes, neighbours, FDB, sysctls,
//     kube-proxy rules), the answers of `ip route get` on each node, and the API's Pods, Services and
//     EndpointSlices. Every hop says which command on which node, or which API object, it rests on;
//   - the observed path (Observe): a real probe (an HTTP request, a ping or a UDP datagram) sent from the
//     source pod's network namespace while tcpdump captures at every hop's interface, and the same packet
//     matched across hops, inside encapsulations, before and after DNAT;
//   - the verdict (Judge): the reply, or the last hop that saw the packet, the first that did not, and the
//     likely causes found on the nodes.
//
// Run is the walk from end to end on a Cluster (a kubernetes.Interface and a noderun.Runner, which tests
// fake with walktest's recordings): Gather reads the facts, then the three parts run in turn, with the
// retry of a probe whose source port was taken and the search for the filter rules that drop it.
package walk
