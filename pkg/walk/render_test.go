package walk

import (
	"bytes"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// TestPrintTextEscapesNames: names from the cluster and the node are shown, but cannot act on the terminal;
// the printer's own colours still can.
func TestPrintTextEscapesNames(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J"
	w := &api.Walk{
		Source:      api.WalkSource{Pod: api.PodRef{Namespace: "default", Name: "curl"}, Node: "node1" + evil, IP: "10.244.1.5"},
		Destination: api.WalkDestination{Kind: api.DestinationPod, Namespace: "default", Name: "web" + evil, IP: "10.244.2.7", Port: 80},
		Protocol:    "tcp",
		Paths: []api.WalkPath{{Endpoint: "10.244.2.7:80", Node: "node2", Probability: 1, Hops: []api.Hop{{
			Kind: api.HopHostPeer, Title: "host peer", Node: "node1", Interface: "cali" + evil, Summary: "route via cali" + evil,
			Capture:  &api.HopCapture{Node: "node1", Interface: "cali" + evil},
			Observed: &api.Observation{Seen: true, SinceFirst: "0s"},
		}}}},
	}
	w.Probe = &api.Probe{Node: "node1", Command: []string{"curl", "http://10.244.2.7"}, Output: "HTTP/1.1 200 OK\nserver: x" + evil}
	var b bytes.Buffer
	if err := PrintText(&b, w, TextOptions{Color: true, Explain: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, raw := range []string{"\x1b]", "\x07", "\x1b[2J"} {
		if strings.Contains(out, raw) {
			t.Errorf("output carries %q raw:\n%q", raw, out)
		}
	}
	for _, want := range []string{"on node1^[]0;pwned^G^[[2J", "cali^[]0;pwned^G^[[2J", "    HTTP/1.1 200 OK\n    server: x^[]0;pwned^G^[[2J\n", ansiGreen + "✓ seen 0s" + ansiReset} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
}
