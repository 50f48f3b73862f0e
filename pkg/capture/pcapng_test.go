package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

const fixtureNode = "pw-node1"

// fixtureTarget is the `-i any` capture of testdata/ with the link table recorded beside it.
func fixtureTarget(t testing.TB) Target {
	t.Helper()
	var links map[int]string
	if err := json.Unmarshal(readFixture(t, "node-links.json"), &links); err != nil {
		t.Fatal(err)
	}
	return Target{Node: fixtureNode, Links: links, LinkLabels: map[int]string{2: "default/curl", 3: "default/httpbin"}}
}

type fixtureCapture struct {
	target Target
	file   string
}

// toPcapng writes the captures, concurrently, in chunks of chunk bytes, as Run does with tcpdump streams.
func toPcapng(t testing.TB, chunk int, captures ...fixtureCapture) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewPcapngWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range captures {
		data := readFixture(t, c.file)
		sink := newPcapngTarget(c.target, "not ip6", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rest := data; len(rest) > 0; {
				n := min(chunk, len(rest))
				if _, err := sink.Write(rest[:n]); err != nil {
					t.Error(err)
					return
				}
				rest = rest[n:]
			}
		}()
	}
	wg.Wait()
	return out.Bytes()
}

type ngPacket struct {
	iface pcapgo.NgInterface
	ci    gopacket.CaptureInfo
	data  []byte
}

func readPcapng(t *testing.T, data []byte) []ngPacket {
	t.Helper()
	r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []ngPacket
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("gopacket reading our pcapng: %v", err)
		}
		iface, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ngPacket{iface, ci, d})
	}
}

func TestPcapngSplitsAnyCaptureIntoNamedInterfaces(t *testing.T) {
	target := fixtureTarget(t)
	for _, file := range []string{"any-sll2-nano.pcap", "any-sll2-micro.pcap"} {
		t.Run(file, func(t *testing.T) {
			_, original := streamPackets(t, readFixture(t, file), 4096)
			nano := strings.Contains(file, "nano")
			got := readPcapng(t, toPcapng(t, 13, fixtureCapture{target, file}))
			if len(got) != len(original) {
				t.Fatalf("%d packets, want %d", len(got), len(original))
			}
			names := map[string]bool{}
			for i, p := range got {
				o := original[i]
				sll2 := gopacket.NewPacket(o.Data, layers.LayerTypeLinuxSLL2, gopacket.NoCopy).
					Layer(layers.LayerTypeLinuxSLL2).(*layers.LinuxSLL2)
				sll := gopacket.NewPacket(p.data, layers.LayerTypeLinuxSLL, gopacket.NoCopy).
					Layer(layers.LayerTypeLinuxSLL).(*layers.LinuxSLL)

				name, label := target.linkName(int(sll2.InterfaceIndex))
				if want := InterfaceName(fixtureNode, name, label); p.iface.Name != want {
					t.Errorf("packet %d on %q, want %q (ifindex %d)", i, p.iface.Name, want, sll2.InterfaceIndex)
				}
				names[p.iface.Name] = true
				if p.iface.LinkType != layers.LinkTypeLinuxSLL {
					t.Errorf("interface %q has link type %d, want LINUX_SLL", p.iface.Name, p.iface.LinkType)
				}
				if want := pcapgo.NgResolution(9); nano && p.iface.TimestampResolution != want {
					t.Errorf("if_tsresol %d, want %d", p.iface.TimestampResolution, want)
				}
				if !p.ci.Timestamp.Equal(o.Time) {
					t.Errorf("packet %d at %s, want %s", i, p.ci.Timestamp.Format(time.RFC3339Nano), o.Time.Format(time.RFC3339Nano))
				}
				if p.ci.CaptureLength != o.CapLen-4 || p.ci.Length != o.OrigLen-4 {
					t.Errorf("packet %d lengths %d/%d, want %d/%d", i, p.ci.CaptureLength, p.ci.Length, o.CapLen-4, o.OrigLen-4)
				}
				if uint8(sll.PacketType) != uint8(sll2.PacketType) || sll.EthernetType != sll2.ProtocolType ||
					sll.AddrType != uint16(sll2.ARPHardwareType) || !bytes.Equal(sll.Addr, sll2.Addr) {
					t.Errorf("packet %d: SLL %+v does not keep SLL2 %+v", i, sll, sll2)
				}
				if !bytes.Equal(sll.Payload, sll2.Payload) {
					t.Errorf("packet %d: payload changed", i)
				}
			}
			for _, want := range []string{"pw-node1/cali35e3a5cb80b (default/curl)", "pw-node1/cali4a3c027cd7f (default/httpbin)"} {
				if !names[want] {
					t.Errorf("no packet on %q; interfaces: %v", want, names)
				}
			}
		})
	}
}

func TestPcapngUnknownIfindex(t *testing.T) {
	target := fixtureTarget(t)
	target.Links = map[int]string{2: "cali35e3a5cb80b"}
	target.LinkLabels = nil
	names := map[string]bool{}
	for _, p := range readPcapng(t, toPcapng(t, 4096, fixtureCapture{target, "any-sll2-micro.pcap"})) {
		names[p.iface.Name] = true
	}
	if diff := cmp.Diff(map[string]bool{"pw-node1/cali35e3a5cb80b": true, "pw-node1/if3": true}, names); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
}

func TestPcapngSeveralTargetsInterleaved(t *testing.T) {
	pod := Target{Node: "pw-node2", Interface: labCurlPeer, Label: "default/curl"}
	captures := []fixtureCapture{{fixtureTarget(t), "any-sll2-nano.pcap"}, {pod, "cali-ether-micro.pcap"}}
	got := readPcapng(t, toPcapng(t, 29, captures...))

	_, anyPackets := streamPackets(t, readFixture(t, "any-sll2-nano.pcap"), 4096)
	_, podPackets := streamPackets(t, readFixture(t, "cali-ether-micro.pcap"), 4096)
	if len(got) != len(anyPackets)+len(podPackets) {
		t.Fatalf("%d packets, want %d + %d", len(got), len(anyPackets), len(podPackets))
	}
	var fromPod []ngPacket
	for _, p := range got {
		if p.iface.Name == "pw-node2/cali35e3a5cb80b (default/curl)" {
			fromPod = append(fromPod, p)
			if p.iface.LinkType != layers.LinkTypeEthernet || p.iface.Description == "" {
				t.Errorf("pod interface %+v, want Ethernet with a description", p.iface)
			}
		}
	}
	if len(fromPod) != len(podPackets) {
		t.Fatalf("%d packets on the pod's interface, want %d", len(fromPod), len(podPackets))
	}
	for i, p := range fromPod {
		if !bytes.Equal(p.data, podPackets[i].Data) || !p.ci.Timestamp.Equal(podPackets[i].Time) {
			t.Errorf("pod packet %d differs or is out of order", i)
		}
	}
	out := filepath.Join(t.TempDir(), "several.pcapng")
	if err := os.WriteFile(out, toPcapng(t, 29, captures...), 0o644); err != nil {
		t.Fatal(err)
	}
	names := tsharkInterfaceNames(t, out)
	if len(names) != len(got) {
		t.Fatalf("tshark read %d packets, want %d", len(names), len(got))
	}
	if n := count(names, "pw-node2/cali35e3a5cb80b (default/curl)"); n != len(podPackets) {
		t.Errorf("tshark shows %d packets on the pod's interface, want %d", n, len(podPackets))
	}
}

func count(list []string, s string) int {
	n := 0
	for _, l := range list {
		if l == s {
			n++
		}
	}
	return n
}

func tsharkInterfaceNames(t *testing.T, file string) []string {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("needs tshark")
	}
	out, err := exec.Command("tshark", "-n", "-r", file, "-T", "fields", "-e", "frame.interface_name").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", file, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// tcpdumpLine is one line of `tcpdump -nn -e`: timestamp, direction and what follows the link-layer header.
var (
	tcpdumpSLL2Line = regexp.MustCompile(`^(\S+) +\S+ +(In|Out|B|M|P) +ifindex \d+ \S+ ethertype .*?, length \d+: (.*)$`)
	tcpdumpSLLLine  = regexp.MustCompile(`^(\S+) +(In|Out|B|M|P) +\S+ ethertype .*?, length \d+: (.*)$`)
)

func tcpdumpRead(t *testing.T, file string, re *regexp.Regexp) []string {
	t.Helper()
	cmd := exec.Command("tcpdump", "-nn", "-e", "--nano", "-r", file)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v: %s", file, err, stderr.Bytes())
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unexpected tcpdump line %q", l)
		}
		lines = append(lines, strings.Join(m[1:], " | "))
	}
	return lines
}

func TestPcapngReadsBackWithTcpdumpAndTshark(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("needs tcpdump")
	}
	target := fixtureTarget(t)
	dir := t.TempDir()
	for _, file := range []string{"any-sll2-nano.pcap", "any-sll2-micro.pcap"} {
		original := filepath.Join("testdata", file)
		converted := filepath.Join(dir, file+"ng")
		if err := os.WriteFile(converted, toPcapng(t, 100, fixtureCapture{target, file}), 0o644); err != nil {
			t.Fatal(err)
		}
		want := tcpdumpRead(t, original, tcpdumpSLL2Line)
		got := tcpdumpRead(t, converted, tcpdumpSLLLine)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: tcpdump -r, original SLL2 vs our pcapng (-want +got):\n%s", file, diff)
		}

		names := tsharkInterfaceNames(t, converted)
		_, packets := streamPackets(t, readFixture(t, file), 4096)
		if len(names) != len(packets) {
			t.Fatalf("tshark read %d packets, want %d", len(names), len(packets))
		}
		for i, p := range packets {
			name, label := target.linkName(int(beUint32(p.Data[4:8])))
			if want := InterfaceName(fixtureNode, name, label); names[i] != want {
				t.Errorf("%s: tshark shows packet %d on %q, want %q", file, i, names[i], want)
			}
		}
	}
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func TestPcapngSingleNamedInterface(t *testing.T) {
	pod := Target{Node: fixtureNode, Interface: labCurlPeer, Label: "default/curl"}
	got := readPcapng(t, toPcapng(t, 1, fixtureCapture{pod, "cali-ether-micro.pcap"}))
	_, want := streamPackets(t, readFixture(t, "cali-ether-micro.pcap"), 4096)
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.iface.Name != "pw-node1/cali35e3a5cb80b (default/curl)" || p.iface.Filter != "not ip6" {
			t.Errorf("interface %+v", p.iface)
		}
		if !bytes.Equal(p.data, want[i].Data) || !p.ci.Timestamp.Equal(want[i].Time) || p.ci.Length != want[i].OrigLen {
			t.Errorf("packet %d changed", i)
		}
	}
}

func TestSLL2ToSLLTruncated(t *testing.T) {
	full := []byte{0x08, 0x00, 0, 0, 0, 0, 0, 7, 0, 1, 4, 6, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0, 0, 0x45}
	var dst [sllHeaderLen]byte
	ifindex, header, payload := sll2ToSLL(&dst, full)
	want := []byte{0, 4, 0, 1, 0, 6, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0, 0, 0x08, 0x00}
	if ifindex != 7 || !bytes.Equal(header, want) || !bytes.Equal(payload, []byte{0x45}) {
		t.Errorf("sll2ToSLL = %d, % x, % x", ifindex, header, payload)
	}
	for n := 0; n < sll2HeaderLen; n++ {
		_, header, payload := sll2ToSLL(&dst, full[:n])
		if len(header) != max(n-4, 0) || payload != nil {
			t.Errorf("cut at %d: header %d bytes, payload %v", n, len(header), payload)
		}
	}
}
