package capture

import "testing"

func TestCaptureFilterLeavesOutItsOwnStream(t *testing.T) {
	tests := []struct {
		user    string
		include bool
		want    string
	}{
		{"", false, "not (" + ownStream + ")"},
		{"udp port 4789 or icmp", false, "(udp port 4789 or icmp) and not (" + ownStream + ")"},
		{"tcp port 80", true, "tcp port 80"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := captureFilter(tt.user, tt.include); got != tt.want {
			t.Errorf("captureFilter(%q, %v) = %q, want %q", tt.user, tt.include, got, tt.want)
		}
	}
}
