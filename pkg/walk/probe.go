package walk

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Probe kinds.
const (
	ProbeHTTP = "http"
	ProbeICMP = "icmp"
	ProbeUDP  = "udp"
)

// ProbeSpec is the packet to send.
type ProbeSpec struct {
	Kind string
	// PID is a process in the source pod's network namespace; 0 sends from the node's own namespace (a
	// hostNetwork source).
	PID        int
	Dst        netip.Addr
	Port       int
	SourcePort int
	Timeout    time.Duration
}

// probeKind is the probe for a protocol.
func probeKind(protocol string) string {
	switch protocol {
	case ProtocolICMP:
		return ProbeICMP
	case ProtocolUDP:
		return ProbeUDP
	}
	return ProbeHTTP
}

// randomSourcePort picks the probe's source port from the middle of Linux's ephemeral range, so the
// captures can filter on it before the probe is sent.
var randomSourcePort = func() int { return 33000 + rand.IntN(27000) }

// curlFormat makes curl print "HTTP_CODE TIME_CONNECT" whatever happens.
const curlFormat = "%{http_code} %{time_connect}\n"

// probeArgv is the probe's command: curl for HTTP (a real TCP connection from a chosen source port),
// ping for ICMP, and curl's TFTP client for UDP (one read request datagram from a chosen source port).
// It runs in the pod's network namespace through nsenter, so the pod needs no tools.
func probeArgv(s ProbeSpec) []string {
	secs := strconv.Itoa(max(1, int(s.Timeout.Round(time.Second)/time.Second)))
	var argv []string
	switch s.Kind {
	case ProbeICMP:
		argv = []string{"ping", "-c", "1", "-W", secs, s.Dst.String()}
	case ProbeUDP:
		argv = []string{"curl", "-sS", "-o", "/dev/null", "--max-time", secs, "--local-port", strconv.Itoa(s.SourcePort),
			"tftp://" + urlHost(s.Dst, s.Port) + "/packetwalk-probe"}
	default:
		argv = []string{"curl", "-sS", "-o", "/dev/null", "--max-time", secs, "--connect-timeout", secs,
			"--local-port", strconv.Itoa(s.SourcePort), "-H", "User-Agent: kubectl-packetwalk",
			"-w", curlFormat, "http://" + urlHost(s.Dst, s.Port) + "/"}
	}
	if s.PID != 0 {
		return nsenter(s.PID, argv)
	}
	return argv
}

func urlHost(ip netip.Addr, port int) string {
	return netip.AddrPortFrom(ip, uint16(port)).String()
}

var pingTime = regexp.MustCompile(`time[=<]([0-9.]+) ?ms`)

// curl exit statuses the verdict reads.
const (
	curlCouldNotConnect = 7
	curlTimeout         = 28
	curlLocalPortBusy   = 45
)

// parseProbe reads what the probe command printed.
func parseProbe(kind string, argv []string, res noderun.Result) api.Probe {
	p := api.Probe{Kind: kind, Command: argv, ExitCode: res.ExitCode}
	out := strings.TrimSpace(string(res.Stdout))
	errText := strings.TrimSpace(string(res.Stderr))
	switch kind {
	case ProbeICMP:
		p.Output = lastLines(out+"\n"+errText, 2)
		if res.ExitCode == 0 {
			p.Connected = true
			if m := pingTime.FindStringSubmatch(out); m != nil {
				if ms, err := strconv.ParseFloat(m[1], 64); err == nil {
					p.RTT = formatDuration(time.Duration(ms * float64(time.Millisecond)))
				}
			}
		}
	case ProbeUDP:
		p.Output = errText
	default:
		p.Output = errText
		fields := strings.Fields(out)
		if len(fields) >= 2 {
			if code, err := strconv.Atoi(fields[0]); err == nil && code > 0 {
				p.HTTPStatus = code
			}
			if secs, err := strconv.ParseFloat(fields[1], 64); err == nil && secs > 0 {
				p.Connected = true
				p.RTT = formatDuration(time.Duration(secs * float64(time.Second)))
			}
		}
		if p.Output == "" && p.HTTPStatus != 0 {
			p.Output = fmt.Sprintf("HTTP %d", p.HTTPStatus)
		}
	}
	return p
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// formatDuration prints a duration with three significant digits ("1.23ms", "84µs").
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}
