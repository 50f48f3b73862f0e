package summary

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// fragmentedDNS is a kernel capture of two DNS answers of 2000 bytes from port 53, over IPv4 and over IPv6,
// each split into two fragments by the 1500-byte MTU (recorded by TestKernelFragmentedDNS).
const fragmentedDNS = "testdata/fragmented-dns.pcap"

// dnsAnswer is a DNS response header and question for a.example, padded to size.
func dnsAnswer(size int) string {
	b := []byte{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1}
	return string(append(b, make([]byte, size-len(b))...))
}

func TestKernelFragmentedDNS(t *testing.T) {
	netnslab.RequireRoot(t, "tcpdump", "socat")
	a, b := vethPair(t)
	path := kernelCapture(t, b, []string{"-i", "eth0", "-s", "256", "-c", "4", "udp or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)"}, func() {
		for _, dst := range []string{"UDP4-SENDTO:10.9.0.2:5353,sourceport=53", "UDP6-SENDTO:[fd09::2]:5353,sourceport=53"} {
			netnslab.InWithStdin(t, a, dnsAnswer(2000), "socat", "-u", "STDIN", dst)
		}
	})
	checkFragmentedDNS(t, path)
	keepCapture(t, path, filepath.Base(fragmentedDNS))
}

func TestFragmentedDNS(t *testing.T) { checkFragmentedDNS(t, fragmentedDNS) }

// checkFragmentedDNS: each answer is one flow from port 53 with its two fragments, none a flow of its own, and
// a note says the answers were fragmented.
func checkFragmentedDNS(t *testing.T, path string) {
	t.Helper()
	s := summarizeFile(t, path, Options{})
	if len(s.Flows) != 2 {
		t.Fatalf("%d flows, want the two answers: %v", len(s.Flows), flowCounts(s))
	}
	for _, f := range s.Flows {
		if f.Protocol != "udp" || f.Server.Port != 53 || f.Client.Port != 5353 || f.Fragments != 2 || f.ClientToServer.Packets+f.ServerToClient.Packets != 2 {
			t.Errorf("flow %s %+v → %+v: %d fragments, %d+%d packets; want udp 5353 → 53 with 2 fragments in 2 packets",
				f.Protocol, f.Client, f.Server, f.Fragments, f.ClientToServer.Packets, f.ServerToClient.Packets)
		}
	}
	notes := notesOf(s, api.NoteFragments)
	if len(notes) != 1 || !strings.Contains(notes[0], "4 fragments in 2 flows") || !strings.Contains(notes[0], "fragmented DNS answer") {
		t.Errorf("fragment notes %q", notes)
	}
}
