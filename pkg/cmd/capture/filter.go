package capture

// kubeletStream is the traffic that carries the capture itself: the API server streams the helper pod's
// exec through the kubelet's port. A node capture that includes it records its own output, which then
// grows without end (the same reason Wireshark's sshdump leaves out its own SSH connection).
const kubeletStream = "tcp port 10250"

// captureFilter is the BPF filter each tcpdump gets: the user's, less the capture's own stream unless
// asked to keep it.
func captureFilter(user string, includeKubelet bool) string {
	switch {
	case includeKubelet:
		return user
	case user == "":
		return "not (" + kubeletStream + ")"
	default:
		return "(" + user + ") and not (" + kubeletStream + ")"
	}
}
