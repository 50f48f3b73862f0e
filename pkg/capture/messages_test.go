package capture

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTcpdumpMessages(t *testing.T) {
	stderr := string(readFixture(t, "tcpdump-stderr-any-sll2-nano.pcap.txt"))
	var user bytes.Buffer
	m := NewTcpdumpMessages("pw-node1/any", &user)
	select {
	case <-m.Ready():
		t.Fatal("ready before tcpdump said anything")
	default:
	}
	// Delivered in arbitrary pieces, as an exec session does.
	for i := 0; i < len(stderr); i += 11 {
		if _, err := m.Write([]byte(stderr[i:min(i+11, len(stderr))])); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr[:min(i+11, len(stderr))], "snapshot length 262144 bytes\n") {
			select {
			case <-m.Ready():
			default:
				t.Fatal("not ready after the listening line")
			}
		}
	}
	_ = m.Close()
	want := []string{"40 packets captured", "44 packets received by filter", "0 packets dropped by kernel"}
	if diff := cmp.Diff(want, m.Summary()); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"tcpdump: data link type LINUX_SLL2"}, m.Messages()); diff != "" {
		t.Errorf("Messages (-want +got):\n%s", diff)
	}
	var wantUser strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		wantUser.WriteString("pw-node1/any: " + l + "\n")
	}
	if diff := cmp.Diff(wantUser.String(), user.String()); diff != "" {
		t.Errorf("forwarded to the user (-want +got):\n%s", diff)
	}
}

func TestTcpdumpMessagesLastLineWithoutNewline(t *testing.T) {
	m := NewTcpdumpMessages("n/eth0", nil)
	_, _ = m.Write([]byte("tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n1 packet captured"))
	_ = m.Close()
	if diff := cmp.Diff([]string{"1 packet captured"}, m.Summary()); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	<-m.Ready()
}

func TestTcpdumpError(t *testing.T) {
	tests := []struct{ fixture, want string }{
		{"tcpdump-stderr-bad-filter.txt", "tcpdump: unknown port 'eighty'"},
		{"tcpdump-stderr-no-such-device.txt", "tcpdump: cali00000000000: No such device exists; (No such device exists)"},
	}
	for _, tt := range tests {
		if got := tcpdumpError(strings.Split(string(readFixture(t, tt.fixture)), "\n")); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.fixture, got, tt.want)
		}
	}
}

// TestTcpdumpMessagesEscaped: tcpdump echoes the interface name it was given, which the node controls; the
// user's stderr shows it without the terminal acting on it.
func TestTcpdumpMessagesEscaped(t *testing.T) {
	var user bytes.Buffer
	m := NewTcpdumpMessages("node1/a\x1bb", &user)
	_, _ = m.Write([]byte("tcpdump: a\x1b]0;pwned\x07b: No such device exists\n"))
	_ = m.Close()
	want := "node1/a^[b: tcpdump: a^[]0;pwned^Gb: No such device exists\n"
	if user.String() != want {
		t.Errorf("forwarded %q, want %q", user.String(), want)
	}
	if got := tcpdumpError(m.Messages()); strings.ContainsRune(got, 0x1b) {
		t.Errorf("error message %q carries a raw ESC", got)
	}
}

// TestWriteCountsEscaped: the closing counts name the interface, which the node controls.
func TestWriteCountsEscaped(t *testing.T) {
	var b bytes.Buffer
	r := Report{Targets: []TargetReport{{Target: Target{Node: "node1", Interface: "a\x1b]0;pwned\x07"}, Packets: 3}}}
	if err := r.WriteCounts(&b); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") || !strings.Contains(b.String(), "a^[]0;pwned^G") {
		t.Errorf("counts line %q", b.String())
	}
}
