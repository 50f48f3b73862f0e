package walk

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "httpbin", want: Target{Kind: TargetPod, Name: "httpbin"}},
		{in: "pod/httpbin", want: Target{Kind: TargetPod, Name: "httpbin"}},
		{in: "po/other/httpbin", want: Target{Kind: TargetPod, Namespace: "other", Name: "httpbin"}},
		{in: "other/httpbin", want: Target{Kind: TargetPod, Namespace: "other", Name: "httpbin"}},
		{in: "svc/httpbin", want: Target{Kind: TargetService, Name: "httpbin"}},
		{in: "service/httpbin:8080", want: Target{Kind: TargetService, Name: "httpbin", Port: 8080}},
		{in: "svc/other/httpbin:http", want: Target{Kind: TargetService, Namespace: "other", Name: "httpbin", PortName: "http"}},
		{in: "10.244.2.7", want: Target{Kind: TargetIP, IP: netip.MustParseAddr("10.244.2.7")}},
		{in: "10.244.2.7:8080", want: Target{Kind: TargetIP, IP: netip.MustParseAddr("10.244.2.7"), Port: 8080}},
		{in: "fd00::7", want: Target{Kind: TargetIP, IP: netip.MustParseAddr("fd00::7")}},
		{in: "[fd00::7]:80", want: Target{Kind: TargetIP, IP: netip.MustParseAddr("fd00::7"), Port: 80}},
		{in: "::ffff:10.0.0.1", want: Target{Kind: TargetIP, IP: netip.MustParseAddr("10.0.0.1")}},
		{in: "", wantErr: "--to is required"},
		{in: "10.0.0.1:0", wantErr: "port must be a number from 1 to 65535"},
		{in: "httpbin:80", wantErr: "use --port"},
		{in: "svc/httpbin:", wantErr: "expected svc/NAME:PORT"},
		{in: "svc/httpbin:70000", wantErr: "out of range"},
		{in: "svc//x", wantErr: "empty part"},
		{in: "a/b/c", wantErr: "use NAME, pod/NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestProbeArgv(t *testing.T) {
	tests := []struct {
		name string
		spec ProbeSpec
		want []string
	}{
		{"http from a pod", ProbeSpec{Kind: ProbeHTTP, PID: 4242, Dst: netip.MustParseAddr("10.96.0.10"), Port: 80, SourcePort: 41000, Timeout: 3 * time.Second},
			[]string{"nsenter", "-t", "4242", "-n", "--", "curl", "-sS", "-o", "/dev/null", "--max-time", "3", "--connect-timeout", "3",
				"--local-port", "41000", "-H", "User-Agent: kubectl-packetwalk", "-w", curlFormat, "http://10.96.0.10:80/"}},
		{"http to IPv6 from the host network", ProbeSpec{Kind: ProbeHTTP, Dst: netip.MustParseAddr("fd00::7"), Port: 8080, SourcePort: 41000, Timeout: 2 * time.Second},
			[]string{"curl", "-sS", "-o", "/dev/null", "--max-time", "2", "--connect-timeout", "2",
				"--local-port", "41000", "-H", "User-Agent: kubectl-packetwalk", "-w", curlFormat, "http://[fd00::7]:8080/"}},
		{"ping", ProbeSpec{Kind: ProbeICMP, PID: 7, Dst: netip.MustParseAddr("10.244.2.7"), Timeout: 1500 * time.Millisecond},
			[]string{"nsenter", "-t", "7", "-n", "--", "ping", "-c", "1", "-W", "2", "10.244.2.7"}},
		{"udp", ProbeSpec{Kind: ProbeUDP, PID: 7, Dst: netip.MustParseAddr("10.244.2.7"), Port: 53, SourcePort: 40001, Timeout: time.Second},
			[]string{"nsenter", "-t", "7", "-n", "--", "curl", "-sS", "-o", "/dev/null", "--max-time", "1", "--local-port", "40001", "tftp://10.244.2.7:53/packetwalk-probe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, probeArgv(tt.spec)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseProbe(t *testing.T) {
	tests := []struct {
		name string
		kind string
		res  noderun.Result
		want func(connected bool, status int, rtt string) bool
	}{
		{"http 200", ProbeHTTP, noderun.Result{Stdout: []byte("200 0.001234\n")},
			func(c bool, s int, r string) bool { return c && s == 200 && r == "1.23ms" }},
		{"connected, not HTTP", ProbeHTTP, noderun.Result{Stdout: []byte("000 0.000512\n"), Stderr: []byte("curl: (52) Empty reply from server"), ExitCode: 52},
			func(c bool, s int, r string) bool { return c && s == 0 && r == "512µs" }},
		{"refused", ProbeHTTP, noderun.Result{Stdout: []byte("000 0.000000\n"), Stderr: []byte("curl: (7) Failed to connect"), ExitCode: 7},
			func(c bool, s int, r string) bool { return !c && s == 0 && r == "" }},
		{"ping reply", ProbeICMP, noderun.Result{Stdout: []byte("64 bytes from 10.244.2.7: icmp_seq=1 ttl=62 time=0.181 ms\n")},
			func(c bool, s int, r string) bool { return c && r == "181µs" }},
		{"ping lost", ProbeICMP, noderun.Result{Stdout: []byte("1 packets transmitted, 0 received, 100% packet loss\n"), ExitCode: 1},
			func(c bool, s int, r string) bool { return !c }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseProbe(tt.kind, nil, tt.res)
			if !tt.want(p.Connected, p.HTTPStatus, p.RTT) {
				t.Errorf("parsed %+v", p)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	in := &Input{Protocol: ProtocolTCP, SourceIP: netip.MustParseAddr("10.244.1.5"), SourcePort: 41000}
	r := &reasoner{in: in}
	ep := EndpointInput{IP: netip.MustParseAddr("10.201.0.12"), Port: 10250}
	got := []string{r.plainFilter(true), r.plainFilter(false), r.destinationFilter(ep),
		encapFilter("VXLAN", 4789, "10.201.0.11", "10.201.0.12"), encapFilter("VXLAN", 0, "", "10.201.0.12"),
		encapFilter("IPIP", 0, "10.201.0.11", "10.201.0.12"), encapFilter("Geneve", 0, "10.201.0.11", "")}
	in.Protocol = ProtocolUDP
	got = append(got, r.plainFilter(true), r.destinationFilter(ep))
	in.Protocol, in.SourceIP, in.SourcePort = ProtocolICMP, netip.MustParseAddr("fd00::5"), 0
	got = append(got, r.plainFilter(true))
	want := []string{"tcp port 41000 and host 10.244.1.5", "tcp port 41000", "tcp and port 10250 and host 10.201.0.12",
		"udp port 4789 and host 10.201.0.11 and host 10.201.0.12", "udp port 8472 and host 10.201.0.12",
		"ip proto 4 and host 10.201.0.11 and host 10.201.0.12", "udp port 6081 and host 10.201.0.11",
		"(udp port 41000 or icmp) and host 10.244.1.5", "(udp and port 10250 or icmp) and host 10.201.0.12",
		"icmp6 and host fd00::5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRouteQueryArgv(t *testing.T) {
	got := [][]string{
		RouteQuery{Node: "n1", Dst: "10.244.2.7", From: "10.244.1.5", Iif: "cali1"}.Argv(),
		RouteQuery{Node: "n1", Dst: "10.201.0.12"}.Argv(),
		RouteQuery{Node: "n1", PID: 99, Dst: "10.96.0.10"}.Argv(),
	}
	want := [][]string{
		{"ip", "-j", "route", "get", "10.244.2.7", "from", "10.244.1.5", "iif", "cali1"},
		{"ip", "-j", "route", "get", "10.201.0.12"},
		{"nsenter", "-t", "99", "-n", "--", "ip", "-j", "route", "get", "10.96.0.10"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	refused := parseRouteAnswer(noderun.Result{Stderr: []byte("RTNETLINK answers: Network is unreachable\n"), ExitCode: 2})
	if refused.Err != "RTNETLINK answers: Network is unreachable" {
		t.Errorf("refusal parsed as %+v", refused)
	}
}
