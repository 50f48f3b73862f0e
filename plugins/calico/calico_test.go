package calico

import "testing"

func TestHostVethName(t *testing.T) {
	// default/curl is the seed labs' example: `19: cali35e3a5cb80b@if3` on the node.
	for _, tt := range []struct{ ns, pod, want string }{
		{"default", "curl", "cali35e3a5cb80b"},
		{"default", "httpbin", "cali4a3c027cd7f"},
		{"kube-system", "coredns-7db6d8ff4d-2xkqp", "calif08b40bbb39"},
	} {
		if got := HostVethName(tt.ns, tt.pod); got != tt.want {
			t.Errorf("HostVethName(%q, %q) = %s, want %s", tt.ns, tt.pod, got, tt.want)
		}
	}
}
