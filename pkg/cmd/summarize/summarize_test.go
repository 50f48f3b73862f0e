package summarize

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

const labDir = "../../summary/testdata"

func run(t *testing.T, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCmdSummarize(genericiooptions.IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestTextWithLinks(t *testing.T) {
	out, _, err := run(t, nil, filepath.Join(labDir, "lab-any.pcap"), "--links", filepath.Join(labDir, "lab-node1.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CAPTURE  pcap, ",
		"PROTO  CLIENT",
		"10.244.1.5:", "(default/curl)",
		"seen on cali35e3a5cb80b (default/curl)",
		"eth0 vxlan vni 4096 192.168.49.2 → 192.168.49.3 udp/4789",
		"http GET / HTTP/1.1 → 200",
		"NOTES",
		"MTU problem: 192.168.49.2 says destination unreachable (fragmentation needed) (next-hop MTU 1450)",
		"Service DNAT (tcp): 10.96.0.50:80 → 10.244.2.7:8080",
		"ARP 169.254.1.1 is-at ee:ee:ee:ee:ee:ee",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 160 {
			t.Errorf("line %d is %d columns wide: %s", i+1, n, line)
		}
	}
}

func TestJSONFromStdin(t *testing.T) {
	capture, err := os.ReadFile(filepath.Join(labDir, "bridge-any.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, capture, "-", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var s api.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if s.Kind != api.KindSummary || s.APIVersion != api.APIVersion || s.Capture.Format != "pcap" || len(s.Flows) == 0 {
		t.Fatalf("summary %+v", s)
	}
	// The largest flow of the bridge lab is the HTTP request between its two pods.
	if f := s.Flows[0]; f.Client.IP != "10.244.3.2" || f.Server.IP != "10.244.3.3" || f.Server.Port != 8080 || f.HTTP == nil {
		t.Errorf("largest flow %+v", f)
	}
}

// TestVXLANPort writes a capture (with gopacket's pcap writer) of VXLAN on UDP 4800.
func TestVXLANPort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vxlan4800.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	outerIP := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{192, 168, 0, 1}, DstIP: net.IP{192, 168, 0, 2}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: 4800}
	_ = udp.SetNetworkLayerForChecksum(outerIP)
	innerIP := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 1, 0, 5}, DstIP: net.IP{10, 2, 0, 7}}
	tcp := &layers.TCP{SrcPort: 33333, DstPort: 80, SYN: true, Seq: 1, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(innerIP)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: layers.EthernetTypeIPv4}, outerIP, udp,
		&layers.VXLAN{ValidIDFlag: true, VNI: 77}, &layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: layers.EthernetTypeIPv4},
		innerIP, tcp); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	f.Close()

	without, _, err := run(t, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	with, _, err := run(t, nil, path, "--vxlan-port", "4800")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(without, "192.168.0.1:50000") || strings.Contains(without, "vni 77") {
		t.Errorf("without --vxlan-port the outer UDP flow should show:\n%s", without)
	}
	if !strings.Contains(with, "10.1.0.5:33333") || !strings.Contains(with, "vxlan vni 77 192.168.0.1 → 192.168.0.2 udp/4800") {
		t.Errorf("with --vxlan-port 4800 the inner flow should show:\n%s", with)
	}
}

func TestTruncatedCaptureWarns(t *testing.T) {
	capture, err := os.ReadFile(filepath.Join(labDir, "bridge-any.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, capture[:len(capture)-10], "-")
	if err != nil || !strings.Contains(errOut, "warning: standard input is truncated") || !strings.Contains(out, "the capture is truncated") {
		t.Errorf("error %v, stderr %q, output:\n%s", err, errOut, out)
	}
}

func TestFlagAndInputErrors(t *testing.T) {
	capture := filepath.Join(labDir, "bridge-any.pcap")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{capture, "-o", "yaml"}, `--output must be text or json, not "yaml"`},
		{[]string{capture, "--vxlan-port", "70000"}, "--vxlan-port 70000 is not a UDP port"},
		{[]string{capture, "--max-flows", "0"}, "--max-flows must be at least 1"},
		{[]string{capture, "--links", "/nonexistent.json"}, "--links: open /nonexistent.json"},
		{[]string{capture, "--links", capture}, "not JSON from `kubectl packetwalk node -o json`"},
		{[]string{"/nonexistent.pcap"}, "opening the capture: open /nonexistent.pcap"},
		{[]string{filepath.Join(labDir, "lab-node1.json")}, "is not a pcap or pcapng capture"},
		{[]string{capture, "extra"}, "accepts at most 1 arg"},
		{nil, "give a capture file to summarize"},
	} {
		_, _, err := run(t, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

// closedPipe is stdout after `| head -c 40` has read what it wanted and gone.
type closedPipe struct{ room int }

func (p *closedPipe) Write(b []byte) (int, error) {
	if len(b) > p.room {
		n := p.room
		p.room = 0
		return n, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	p.room -= len(b)
	return len(b), nil
}

func TestAReaderThatLeftIsAQuietEnd(t *testing.T) {
	for _, output := range []string{"text", "json"} {
		var errOut bytes.Buffer
		cmd := NewCmdSummarize(genericiooptions.IOStreams{In: bytes.NewReader(nil), Out: &closedPipe{room: 40}, ErrOut: &errOut})
		cmd.SetArgs([]string{filepath.Join(labDir, "lab-any.pcap"), "-o", output})
		cmd.SetOut(&errOut)
		cmd.SetErr(&errOut)
		if err := cmd.Execute(); err != nil {
			t.Errorf("-o %s | head -c 40: error %v, want a quiet end", output, err)
		}
	}
}
