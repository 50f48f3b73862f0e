package summary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// The captures in testdata were recorded from this machine's kernel by testdata/lab.sh (which TestLabLive
// runs again): a reproduction of Calico's VXLAN dataplane on two nodes in network namespaces, captured on node 1
// with tcpdump -i any (lab-any.pcap) and, at the same time, with dumpcap on the pod's veth and eth0
// (lab-ifaces.pcapng); and a flannel-style bridge node (bridge-any.pcap). The expectations below follow from
// the traffic lab.sh sends.

func summarizeFile(t *testing.T, path string, opts Options) api.Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := New(opts)
	if err := s.ReadStream(context.Background(), f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s.Report()
}

func labLinks(t *testing.T, dir string) []api.NodeNetwork {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "lab-node1.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	links, err := ReadLinks(f)
	if err != nil {
		t.Fatal(err)
	}
	return links
}

// findFlow returns the only flow between client IP and server ip:port that is not one side of a DNAT pair.
func findFlow(t *testing.T, s api.Summary, proto, client, server string, port int) api.Flow {
	t.Helper()
	var found []api.Flow
	for _, f := range s.Flows {
		if f.Protocol == proto && f.Client.IP == client && f.Server.IP == server && f.Server.Port == port && f.DNAT == nil {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s flows %s -> %s:%d (not translated) among %d flows", len(found), proto, client, server, port, len(s.Flows))
	}
	return found[0]
}

// translatedFlow returns the flow of a DNAT pair with the given role and server.
func translatedFlow(t *testing.T, s api.Summary, role, server string, port int) api.Flow {
	t.Helper()
	for _, f := range s.Flows {
		if f.DNAT != nil && f.DNAT.Role == role && f.Server.IP == server && f.Server.Port == port {
			return f
		}
	}
	t.Fatalf("no %s DNAT flow to %s:%d", role, server, port)
	return api.Flow{}
}

// flowCounts lists every flow's 5-tuple, counters, state and retransmissions, sorted.
func flowCounts(s api.Summary) []string {
	var out []string
	for _, f := range s.Flows {
		retrans := int64(-1)
		if f.TCP != nil {
			retrans = f.TCP.Retransmissions
		}
		out = append(out, fmt.Sprintf("%s %s:%d > %s:%d %+v %+v %s retrans=%d", f.Protocol, f.Client.IP, f.Client.Port,
			f.Server.IP, f.Server.Port, f.ClientToServer, f.ServerToClient, f.State, retrans))
	}
	return sortedCopy(out)
}

func interfaces(f api.Flow) []string {
	var out []string
	for _, o := range f.Observations {
		s := o.Interface
		for _, e := range o.Encapsulation {
			s += " " + tunnelText(e)
		}
		out = append(out, s)
	}
	return out
}

func notesOf(s api.Summary, kind string) []string {
	var out []string
	for _, n := range s.Notes {
		if n.Kind == kind {
			out = append(out, n.Message)
		}
	}
	return out
}

func TestLabCalicoVXLAN(t *testing.T) { checkCalicoLab(t, "testdata") }

func checkCalicoLab(t *testing.T, dir string) {
	opts := Options{Links: labLinks(t, dir), Names: Names{}}
	onAny := summarizeFile(t, filepath.Join(dir, "lab-any.pcap"), opts)
	ifaces := summarizeFile(t, filepath.Join(dir, "lab-ifaces.pcapng"), opts)
	defer logOnFailure(t, onAny, ifaces)

	const vxlan = "vxlan vni 4096 192.168.49.2 → 192.168.49.3 udp/4789"
	for _, tc := range []struct {
		name  string
		s     api.Summary
		paths []string // where the direct HTTP flow was seen
	}{
		{"tcpdump -i any", onAny, []string{"cali35e3a5cb80b (default/curl)", "vxlan.calico", "eth0 " + vxlan}},
		{"dumpcap on two interfaces", ifaces, []string{"cali35e3a5cb80b", "eth0 " + vxlan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			web := findFlow(t, s, "tcp", "10.244.1.5", "10.244.2.7", 8080)
			if d := cmp.Diff(tc.paths, interfaces(web)); d != "" {
				t.Errorf("the pod-to-pod flow's observations (-want +got):\n%s", d)
			}
			if web.Client.Name != "default/curl" || web.State != api.FlowStateClosed || !web.TCP.HandshakeCompleted ||
				web.TCP.Retransmissions != 0 || web.HTTP == nil || web.HTTP.FirstRequest != "GET / HTTP/1.1" ||
				len(web.HTTP.Responses) != 1 || web.HTTP.Responses[0].Code != 200 {
				t.Errorf("pod-to-pod flow: %+v tcp %+v http %+v", web, web.TCP, web.HTTP)
			}
			// Seen at every point, each packet is one packet: copies are the extra sightings.
			seen := int64(0)
			for _, o := range web.Observations {
				seen += o.Packets
			}
			if unique := web.ClientToServer.Packets + web.ServerToClient.Packets; seen != unique*int64(len(tc.paths)) || web.Copies != seen-unique {
				t.Errorf("pod-to-pod flow: %d unique packets, %d sightings at %d points, %d copies", unique, seen, len(tc.paths), web.Copies)
			}

			svc := translatedFlow(t, s, "original", "10.96.0.50", 80)
			endpoint := translatedFlow(t, s, "translated", "10.244.2.7", 8080)
			if svc.DNAT.Peer.IP != "10.244.2.7" || svc.DNAT.Peer.Port != 8080 || endpoint.DNAT.Peer.Port != 80 ||
				svc.Client != endpoint.Client || svc.ClientToServer != endpoint.ClientToServer {
				t.Errorf("Service flow %+v DNAT %+v, endpoint flow %+v DNAT %+v", svc, svc.DNAT, endpoint, endpoint.DNAT)
			}
			if svc.HTTP == nil || svc.HTTP.FirstRequest != "GET /missing HTTP/1.1" || svc.HTTP.Responses[0].Code != 404 {
				t.Errorf("Service flow http %+v", svc.HTTP)
			}
			var pairs []string
			for _, p := range s.DNAT {
				pairs = append(pairs, p.Protocol+" "+showEndpoint(api.FlowEndpoint{IP: p.Original.IP, Port: p.Original.Port})+
					" → "+showEndpoint(api.FlowEndpoint{IP: p.Translated.IP, Port: p.Translated.Port}))
			}
			if d := cmp.Diff([]string{"tcp 10.96.0.50:80 → 10.244.2.7:8080", "udp 10.96.0.10:7 → 10.244.2.7:7777"}, sortedCopy(pairs)); d != "" {
				t.Errorf("DNAT pairs (-want +got):\n%s", d)
			}

			dropped := findFlow(t, s, "tcp", "10.244.1.5", "10.244.2.7", 9999)
			if dropped.State != api.FlowStateSynUnanswered || dropped.TCP.SYNs < 2 || dropped.TCP.Retransmissions != dropped.TCP.SYNs-1 {
				t.Errorf("flow to the dropped port: state %s, tcp %+v", dropped.State, dropped.TCP)
			}
			if refused := findFlow(t, s, "tcp", "10.244.1.5", "10.244.2.7", 81); refused.State != api.FlowStateRefused {
				t.Errorf("flow to the closed port: state %s", refused.State)
			}
			if n := notesOf(s, api.NoteSynUnanswered); len(n) != 1 || !strings.Contains(n[0], "10.244.2.7:9999") {
				t.Errorf("syn-unanswered notes %q", n)
			}
			mtu := notesOf(s, api.NoteMTU)
			if len(mtu) == 0 || !strings.Contains(mtu[0], "next-hop MTU 1450") || !strings.Contains(mtu[0], "192.168.49.2 ") {
				t.Errorf("MTU notes %q", mtu)
			}
			arp := notesOf(s, api.NoteARP)
			if len(arp) == 0 || !strings.Contains(strings.Join(arp, "\n"), "ARP 169.254.1.1 is-at ee:ee:ee:ee:ee:ee, asked once by 10.244.1.5") {
				t.Errorf("ARP notes %q", arp)
			}
			sink := findFlow(t, s, "tcp", "10.244.1.5", "10.244.2.7", 8081)
			if sink.TCP.Retransmissions == 0 || sink.ClientToServer.Bytes < 40000 {
				t.Errorf("the flow node 2 drops every 5th packet of: %d retransmissions, %d bytes", sink.TCP.Retransmissions, sink.ClientToServer.Bytes)
			}
		})
	}
	// The two captures recorded the same traffic at two and at three points: the flows must count the same.
	if d := cmp.Diff(flowCounts(ifaces), flowCounts(onAny)); d != "" {
		t.Errorf("flows counted differently by dumpcap on two interfaces and tcpdump -i any (-dumpcap +any):\n%s", d)
	}
}

// logOnFailure shows the summaries a failed check was about.
func logOnFailure(t *testing.T, summaries ...api.Summary) {
	if !t.Failed() {
		return
	}
	for _, s := range summaries {
		var b bytes.Buffer
		_ = WriteText(&b, s, TextOptions{MaxFlows: -1})
		t.Logf("summary:\n%s", b.String())
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestLabBridge(t *testing.T) { checkBridgeLab(t, "testdata") }

func checkBridgeLab(t *testing.T, dir string) {
	s := summarizeFile(t, filepath.Join(dir, "bridge-any.pcap"), Options{})
	defer logOnFailure(t, s)
	bridged := findFlow(t, s, "tcp", "10.244.3.2", "10.244.3.3", 8080)
	if len(bridged.Observations) != 2 || bridged.TCP.Retransmissions != 0 || bridged.State != api.FlowStateClosed ||
		bridged.Copies != bridged.ClientToServer.Packets+bridged.ServerToClient.Packets {
		t.Errorf("pod to pod across the bridge: %+v, tcp %+v", bridged, bridged.TCP)
	}
	ping := findFlow(t, s, "icmp", "10.244.3.2", "10.244.3.1", 0)
	if ping.State != api.FlowStateAnswered || ping.ClientToServer.Packets != 2 || ping.ServerToClient.Packets != 2 || len(ping.Observations) != 2 {
		t.Errorf("ping to the bridge address: %+v", ping)
	}
	lo := findFlow(t, s, "tcp", "127.0.0.1", "127.0.0.1", 8080)
	if d := cmp.Diff([]string{"ifindex 1"}, interfaces(lo)); d != "" || lo.HTTP == nil || lo.HTTP.FirstRequest != "GET /loopback HTTP/1.1" {
		t.Errorf("loopback flow: %+v (observations -want +got: %s)", lo, d)
	}
	if s.Capture.Start == nil || s.Capture.Start.Nanosecond()%1000 == 0 && s.Capture.End.Nanosecond()%1000 == 0 {
		t.Errorf("a nanosecond capture lost its nanoseconds: %v %v", s.Capture.Start, s.Capture.End)
	}
}

// TestLabLive records the captures again on this machine and checks them the same way.
func TestLabLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, tool := range []string{"ip", "iptables", "tcpdump", "dumpcap", "socat", "curl", "ping", "jq", "bridge"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	if testing.Short() {
		t.Skip("records live captures (about 10 s); skipped with -short")
	}
	dir := t.TempDir()
	// Namespaces of their own, so that two test runs on one machine do not meet.
	prefix := "pwt-sum-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() {
		for _, ns := range []string{"n1", "n2", "curl", "web", "fl", "fa", "fb"} {
			_ = exec.Command("ip", "netns", "del", prefix+"-"+ns).Run()
		}
	})
	cmd := exec.Command("bash", "testdata/lab.sh", dir)
	cmd.Env = append(os.Environ(), "PREFIX="+prefix)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("lab.sh: %v\n%s", err, out)
		}
		t.Fatal(err)
	}
	checkCalicoLab(t, dir)
	checkBridgeLab(t, dir)
	if t.Failed() {
		t.Logf("lab.sh said:\n%s", out)
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	for _, s := range []api.Summary{
		summarizeFile(t, filepath.Join("testdata", "lab-any.pcap"), Options{Links: labLinks(t, "testdata")}),
		New(Options{}).Report(),
	} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, s); err != nil {
			t.Fatal(err)
		}
		var back api.Summary
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, buf.String())
		}
		if s.Flows == nil {
			s.Flows = []api.Flow{}
		}
		if d := cmp.Diff(s, back); d != "" {
			t.Errorf("JSON round trip (-report +decoded):\n%s", d)
		}
	}
}

// TestReportTop: the top of the report is the report's top, with the same notes.
func TestReportTop(t *testing.T) {
	s := New(Options{})
	f, err := os.Open(filepath.Join("testdata", "lab-any.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.ReadStream(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	all, top := s.Report(), s.ReportTop(3)
	if d := cmp.Diff(all.Flows[:3], top.Flows); d != "" {
		t.Errorf("top 3 flows (-report +top):\n%s", d)
	}
	if d := cmp.Diff(all.Notes, top.Notes); d != "" {
		t.Errorf("notes (-report +top):\n%s", d)
	}
}
