package capture

// ownStream is the traffic that carries the capture itself: the API server streams the helper pod's exec
// through the kubelet's port 10250, and the kubelet relays it to the container runtime's stream server on
// the node's loopback. A node capture that includes either records its own output, which then grows
// without end (the same reason Wireshark's sshdump leaves out its own SSH connection). Pod networking
// never uses node-local loopback TCP, so leaving it out hides nothing a packet walk needs.
const ownStream = "tcp port 10250 or (tcp and ((src net 127.0.0.0/8 and dst net 127.0.0.0/8) or (src host ::1 and dst host ::1)))"

// captureFilter is the BPF filter each tcpdump gets: the user's, less the capture's own stream unless
// asked to keep it.
func captureFilter(user string, includeOwnStream bool) string {
	switch {
	case includeOwnStream:
		return user
	case user == "":
		return "not (" + ownStream + ")"
	default:
		return "(" + user + ") and not (" + ownStream + ")"
	}
}
