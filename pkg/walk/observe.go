package walk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// ObserveOptions tunes the observed run.
type ObserveOptions struct {
	// ProbeTimeout bounds the probe (curl's --max-time, ping's -W).
	ProbeTimeout time.Duration
	// ReadyTimeout bounds the wait for every tcpdump to listen.
	ReadyTimeout time.Duration
	// Settle is how long captures keep running after the probe returned, for the last packets to arrive.
	Settle time.Duration
	// SnapLen is the bytes kept of each packet.
	SnapLen int
	// Messages receives tcpdump's own messages, prefixed by hop; nil drops them.
	Messages io.Writer
}

// DefaultObserveOptions are the command's defaults.
func DefaultObserveOptions() ObserveOptions {
	return ObserveOptions{ProbeTimeout: 3 * time.Second, ReadyTimeout: 20 * time.Second, Settle: 300 * time.Millisecond, SnapLen: 512}
}

// CapturePoint is one tcpdump: a (node, interface) with the filters of every hop captured there.
type CapturePoint struct {
	Node      string
	Interface string
	Filter    string
	// Label names the hop(s) for the pcapng interface name.
	Label string
}

// capturePoints collects the walk's capture hops, one tcpdump per (node, interface), filters OR-ed.
func capturePoints(w *api.Walk) []CapturePoint {
	type key struct{ node, iface string }
	byKey := map[key]*CapturePoint{}
	filters := map[key][]string{}
	var order []key
	for _, p := range w.Paths {
		for _, h := range p.Hops {
			c := h.Capture
			if c == nil || c.Interface == "" {
				continue
			}
			k := key{c.Node, c.Interface}
			if _, ok := byKey[k]; !ok {
				byKey[k] = &CapturePoint{Node: c.Node, Interface: c.Interface, Label: h.Title}
				order = append(order, k)
			}
			if !slices.Contains(filters[k], c.Filter) {
				filters[k] = append(filters[k], c.Filter)
			}
		}
	}
	var out []CapturePoint
	for _, k := range order {
		cp := byKey[k]
		fs := filters[k]
		if len(fs) == 1 || slices.Contains(fs, "") {
			cp.Filter = fs[0]
			if slices.Contains(fs, "") {
				cp.Filter = ""
			}
		} else {
			cp.Filter = "(" + strings.Join(fs, ") or (") + ")"
		}
		out = append(out, *cp)
	}
	return out
}

// capturedPacket is one packet of one capture point, kept whole for the pcapng.
type capturedPacket struct {
	point int
	ts    time.Time
	data  []byte
	orig  int
}

// pointCapture is what one capture point produced.
type pointCapture struct {
	point    CapturePoint
	linkType layers.LinkType
	packets  []capturedPacket
	err      string
	ready    bool
}

// Observation is the observed run: the probe, the captures and the packets matched across hops.
type Observation struct {
	Probe    api.Probe
	Captures []pointCapture
	// Started is when the probe was sent.
	Started time.Time
	// matched is the probe's packets found in the captures, found once for the verdict and the pcapng.
	matched *matched
}

// match finds the probe's packets in the captures of w's hops, the first time it is asked.
func (o *Observation) match(w *api.Walk, in *Input) *matched {
	if o.matched == nil {
		o.matched = matchProbe(in, o.decodeAll(vxlanPortsOf(w)))
	}
	return o.matched
}

// Observe sends the probe from the source pod while capturing at every hop of w, and returns what each
// capture saw. Judge annotates the walk with it.
func Observe(ctx context.Context, r noderun.Runner, in *Input, w *api.Walk, opts ObserveOptions) (*Observation, error) {
	if in.Source.Net == nil && !in.Source.HostNetwork {
		return nil, fmt.Errorf("the source pod's network namespace was not found on node %s: %s", in.Source.Node, in.Source.LookupErr)
	}
	started := time.Now()
	points := capturePoints(w)
	captures := make([]pointCapture, len(points))
	capCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	readies := make([]<-chan struct{}, len(points))
	dones := make([]chan struct{}, len(points))
	bufs := make([]*bytes.Buffer, len(points))
	msgs := make([]*capture.TcpdumpMessages, len(points))
	var messages io.Writer
	if opts.Messages != nil {
		messages = capture.NewSyncWriter(opts.Messages)
	}
	for i, p := range points {
		captures[i].point = p
		bufs[i] = &bytes.Buffer{}
		msgs[i] = capture.NewTcpdumpMessages(capture.InterfaceName(p.Node, p.Interface, p.Label), messages)
		readies[i], dones[i] = msgs[i].Ready(), make(chan struct{})
		argv := capture.StopOnEOF(capture.TcpdumpArgs(capture.TcpdumpOptions{Interface: p.Interface, Filter: p.Filter,
			SnapLen: opts.SnapLen, NanoTimestamps: true}))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(dones[i])
			code, err := r.Stream(capCtx, p.Node, argv, capture.NewSyncWriter(bufs[i]), msgs[i])
			_ = msgs[i].Close()
			if capCtx.Err() == nil && (err != nil || code != 0) {
				captures[i].err = captureError(err, code, msgs[i].Messages())
			}
		}()
	}
	waitReady(ctx, readies, dones, captures, opts.ReadyTimeout)

	spec := ProbeSpec{Kind: probeKind(in.Protocol), Dst: in.Dest.IP, Port: in.Dest.Port, SourcePort: in.SourcePort, Timeout: opts.ProbeTimeout}
	if in.Source.Net != nil {
		spec.PID = in.Source.Net.PID
	}
	argv := probeArgv(spec)
	obs := &Observation{Started: time.Now()}
	res, err := r.Run(ctx, in.Source.Node, argv)
	if err != nil {
		stop()
		wg.Wait()
		return nil, fmt.Errorf("sending the probe from node %s: %w", in.Source.Node, err)
	}
	obs.Probe = parseProbe(spec.Kind, argv, res)
	obs.Probe.Node, obs.Probe.SourcePort = in.Source.Node, in.SourcePort

	select {
	case <-time.After(opts.Settle):
	case <-ctx.Done():
	}
	stop()
	wg.Wait()
	for i := range captures {
		readCapture(&captures[i], i, bufs[i].Bytes())
	}
	obs.Captures = captures
	obs.Probe.Duration = formatDuration(time.Since(started))
	return obs, nil
}

func captureError(err error, code int, messages []string) string {
	msg := strings.Join(messages, "; ")
	if err != nil {
		return "capture failed: " + err.Error()
	}
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("tcpdump exited with status %d: %s", code, msg)
}

// waitReady waits until every capture listens, fails, or the timeout passes.
func waitReady(ctx context.Context, readies []<-chan struct{}, dones []chan struct{}, captures []pointCapture, timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := range readies {
		select {
		case <-readies[i]:
			captures[i].ready = true
		case <-dones[i]:
			select {
			case <-readies[i]:
				captures[i].ready = true
			default:
			}
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// readCapture decodes one capture's pcap bytes.
func readCapture(pc *pointCapture, index int, data []byte) {
	if len(data) == 0 {
		if pc.err == "" && !pc.ready {
			pc.err = "tcpdump never said it was listening"
		}
		return
	}
	rd, err := pcapread.NewReader(bytes.NewReader(data))
	if err != nil {
		pc.err = "reading the capture: " + err.Error()
		return
	}
	var p pcapread.Packet
	for {
		err := rd.Next(&p)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, pcapread.ErrTruncated) {
				pc.err = "reading the capture: " + err.Error()
			}
			break
		}
		pc.linkType = p.LinkType
		pc.packets = append(pc.packets, capturedPacket{point: index, ts: p.Timestamp, data: append([]byte(nil), p.Data...), orig: p.Length})
	}
	if ifs := rd.Interfaces(); len(ifs) > 0 {
		pc.linkType = ifs[0].LinkType
	}
}

func addrOnly(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr()
	}
	a, _ := netip.ParseAddr(s)
	return a
}
