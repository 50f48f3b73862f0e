package capture

import "strconv"

// DefaultSnapLen is tcpdump's own default (-s 0 means the same): whole packets.
const DefaultSnapLen = 262144

// AnyInterface is tcpdump's pseudo-interface that captures on every interface of the node.
const AnyInterface = "any"

// TcpdumpOptions is what one tcpdump on one node is asked to capture.
type TcpdumpOptions struct {
	// Interface is tcpdump's -i; empty means AnyInterface.
	Interface string
	// Filter is a BPF expression in tcpdump's syntax; empty captures everything.
	Filter string
	// Count stops tcpdump after this many packets (-c); 0 means no limit.
	Count int
	// SnapLen is the bytes kept per packet (-s); 0 means DefaultSnapLen.
	SnapLen int
	// Promiscuous lets tcpdump put the interface in promiscuous mode. Off by default (-p): a node's NIC is
	// shared with the rest of the node, and packets to and from pods reach their interfaces without it.
	Promiscuous bool
	// NanoTimestamps asks for nanosecond timestamps (pcap magic 0xa1b23c4d) instead of microseconds.
	NanoTimestamps bool
}

func (o TcpdumpOptions) iface() string {
	if o.Interface == "" {
		return AnyInterface
	}
	return o.Interface
}

func (o TcpdumpOptions) snapLen() int {
	if o.SnapLen <= 0 {
		return DefaultSnapLen
	}
	return o.SnapLen
}

// TcpdumpArgs is the argv of a tcpdump writing a packet-buffered pcap stream to stdout.
//
// -Z root keeps tcpdump running as root: Debian's tcpdump otherwise switches to the "tcpdump" user, and a
// helper pod without CAP_KILL can then no longer stop it (the StopOnEOF wrapper's kill fails with EPERM).
// Switching to root still needs CAP_SETUID and CAP_SETGID in the pod. The filter is one argument after
// "--", so a filter starting with "-" can never be read as an option.
func TcpdumpArgs(o TcpdumpOptions) []string {
	argv := []string{"tcpdump", "-i", o.iface(), "-n", "-U", "--immediate-mode", "-w", "-",
		"-s", strconv.Itoa(o.snapLen()), "-Z", "root"}
	if !o.Promiscuous {
		argv = append(argv, "-p")
	}
	if o.NanoTimestamps {
		argv = append(argv, "--time-stamp-precision=nano")
	}
	if o.Count > 0 {
		argv = append(argv, "-c", strconv.Itoa(o.Count))
	}
	if o.Filter != "" {
		argv = append(argv, "--", o.Filter)
	}
	return argv
}

// FilterCheckArgs is the argv that compiles filter for iface without capturing (tcpdump -d): it exits 0 with
// the BPF program on stdout, or non-zero with tcpdump's own message (syntax error, unknown port, no such
// device) on stderr.
func FilterCheckArgs(iface, filter string) []string {
	if iface == "" {
		iface = AnyInterface
	}
	argv := []string{"tcpdump", "-d", "-i", iface}
	if filter != "" {
		argv = append(argv, "--", filter)
	}
	return argv
}
