// Package capture runs tcpdump on cluster nodes and turns what it writes into one stream for Wireshark, a
// file or the summarizer.
//
// The pieces, in the order a capture uses them:
//
//   - TcpdumpArgs and FilterCheckArgs build tcpdump's argv; StopOnEOF wraps an argv so that closing the
//     exec session's stdin stops it on the node (closing `kubectl exec … -- tcpdump -w -` alone leaves tcpdump
//     running in the pod: kubernetes/kubernetes#89031).
//   - PcapStream parses the pcap stream tcpdump writes, pushed to it in chunks of any size.
//   - PcapngWriter writes one pcapng stream with one interface block per (node, interface). An `-i any`
//     capture's LINUX_SLL2 packets are split into named interfaces with the node's link table and rewritten
//     as Linux cooked v1 (SLL), which every Wireshark and libpcap reads. SLL keeps everything SLL2 has
//     (direction, ARPHRD type, source address, protocol) but the ifindex, which the interface block now
//     carries. Ethernet is not rebuilt: SLL2 has only the source link-layer address, so a destination
//     MAC would have to be invented.
//   - Run starts every target's tcpdump through a noderun.Runner, waits for each to listen, and stops them
//     all on ctx cancel, Options.Duration, Options.Count or when the reader goes away.
//   - RefuseTerminal, IsReaderGone, IgnoreSIGPIPE and Wireshark are what the command needs around Run.
//
// One limit worth knowing: libpcap (tcpdump -r) reads a pcapng only if all its interfaces share one link
// type. A capture that mixes an Ethernet interface (a pod's host peer) with an `-i any` node capture (SLL)
// opens in Wireshark and tshark, and in the summarizer, but `tcpdump -r` stops at the second link type.
package capture
