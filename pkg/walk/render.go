package walk

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	pwprinter "github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// TextOptions tunes the text output.
type TextOptions struct {
	// Color marks seen and missing hops in green and red; only for a terminal.
	Color bool
	// Explain prints the commands and API objects behind every hop.
	Explain bool
}

const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

type printer struct {
	w   io.Writer
	opt TextOptions
	err error
}

// styled is text the printer made itself, colours included, printed as it is; every plain string argument of
// printf comes from the cluster or a node and is escaped.
type styled string

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = termsafe.Fprintf(p.w, format, args...)
	}
}

func (p *printer) color(code, s string) styled {
	s = termsafe.Escape(s)
	if !p.opt.Color || s == "" {
		return styled(s)
	}
	return styled(code + s + ansiReset)
}

// PrintText writes the walk for people: the route taken as a hop table, why each hop is what it is (with
// the commands behind it when explaining), the other endpoints, and the verdict.
func PrintText(out io.Writer, w *api.Walk, opt TextOptions) error {
	p := &printer{w: out, opt: opt}
	p.header(w)
	for _, pi := range shownPaths(w) {
		path := w.Paths[pi]
		p.printf("\n%s\n", p.color(ansiBold, pathTitle(w, path)))
		p.hopTable(path)
		p.printf("\n%s\n", p.color(ansiBold, "WHY"))
		p.why(w, path)
	}
	p.others(w, shownPaths(w))
	if w.Probe != nil && opt.Explain {
		p.printf("\n%s\n  $ %s: %s\n", p.color(ansiBold, "PROBE"), w.Probe.Node, pwprinter.ShellQuote(w.Probe.Command))
		if w.Probe.Output != "" {
			for _, line := range strings.Split(w.Probe.Output, "\n") {
				p.printf("    %s\n", line)
			}
		}
	}
	p.verdict(w)
	if len(w.Warnings) > 0 {
		p.printf("\n%s\n", p.color(ansiBold, "WARNINGS"))
		for _, wa := range w.Warnings {
			p.printf("  %s\n", wa)
		}
	}
	return p.err
}

// maxShownPaths bounds the paths printed in full when there was no probe to choose one.
const maxShownPaths = 4

// shownPaths are the paths printed in full: the one the probe took (or the only one), else, without a
// probe, the first few.
func shownPaths(w *api.Walk) []int {
	if len(w.Paths) == 0 {
		return nil
	}
	if pi, known := judgedPath(w); known || w.Probe != nil {
		return []int{pi}
	}
	var out []int
	for i := range w.Paths {
		if i < maxShownPaths {
			out = append(out, i)
		}
	}
	return out
}

func (p *printer) header(w *api.Walk) {
	src := w.Source
	dst := w.Destination
	var to string
	switch dst.Kind {
	case api.DestinationService:
		to = fmt.Sprintf("svc/%s/%s %s", dst.Namespace, dst.Name, hostPortString(dst.IP, dst.Port, w.Protocol))
	case api.DestinationPod:
		to = fmt.Sprintf("pod/%s/%s %s", dst.Namespace, dst.Name, hostPortString(dst.IP, dst.Port, w.Protocol))
	default:
		to = hostPortString(dst.IP, dst.Port, w.Protocol)
	}
	if dst.Node != "" {
		to += " on " + dst.Node
	}
	if dst.HostNetwork {
		to += " (host network)"
	}
	from := fmt.Sprintf("pod/%s %s on %s", src.Pod, src.IP, src.Node)
	if src.Dataplane != "" {
		from += " (" + src.Dataplane + ")"
	}
	p.printf("%s %s → %s, %s\n", p.color(ansiBold, "WALK"), from, to, w.Protocol)
}

func hostPortString(ip string, port int, protocol string) string {
	if port == 0 || protocol == ProtocolICMP {
		return ip
	}
	if strings.Contains(ip, ":") {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

func pathTitle(w *api.Walk, path api.WalkPath) string {
	s := "PATH"
	if path.Endpoint != "" {
		s += " to " + path.Endpoint
	}
	var about []string
	if path.Pod != nil {
		about = append(about, path.Pod.String())
	}
	if path.Node != "" {
		about = append(about, "on "+path.Node)
	}
	if w.Service != nil {
		about = append(about, fmt.Sprintf("%.0f%% of connections", path.Probability*100))
	}
	if path.Chosen && w.Probe != nil {
		about = append(about, "taken by the probe")
	}
	if path.CrossNode {
		about = append(about, "cross-node")
	} else {
		about = append(about, "same node")
	}
	return s + " (" + strings.Join(about, ", ") + ")"
}

func (p *printer) hopTable(path api.WalkPath) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 2, 8, 2, ' ', 0)
	fmt := func(format string, args ...any) {
		if p.err == nil {
			_, p.err = tw.Write([]byte(termsafe.Sprintf(format, args...)))
		}
	}
	fmt("  #\tHOP\tNODE\tINTERFACE\tPACKET\tOBSERVED\n")
	for i, h := range path.Hops {
		fmt("  %d\t%s\t%s\t%s\t%s\t%s\n", i+1, h.Title, h.Node, cmp.Or(h.Interface, "-"), packetCell(h), p.observedCell(h))
	}
	if p.err == nil {
		p.err = tw.Flush()
	}
	// A row whose last cells are empty would end in padding.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			p.printf("%s\n", styled(strings.TrimRight(line, " \n")))
		}
	}
}

// packetCell is the packet at the hop: as observed when it was, as expected otherwise.
func packetCell(h api.Hop) string {
	pk := h.Packet
	if h.Observed != nil && h.Observed.Seen && h.Observed.Packet != nil {
		pk = h.Observed.Packet
	}
	if pk == nil {
		return "-"
	}
	if h.Kind == api.HopServiceNAT {
		if h.Packet != nil && pk != h.Packet {
			return h.Packet.Dst + " → " + pk.Dst
		}
		return pk.Dst + " → endpoint"
	}
	s := pk.Src + " → " + pk.Dst
	if e := pk.Encapsulation; e != nil && pk.OuterDst != "" && (h.Kind == api.HopUnderlay || h.Kind == api.HopRemoteUnderlay || h.Observed != nil && h.Observed.Seen) {
		enc := e.Type
		if e.VNI != 0 {
			enc += fmt.Sprintf(" vni %d", e.VNI)
		}
		s = fmt.Sprintf("%s → %s [%s: %s]", cmp.Or(pk.OuterSrc, "?"), pk.OuterDst, enc, s)
	}
	return s
}

func (p *printer) observedCell(h api.Hop) styled {
	o := h.Observed
	if h.Capture == nil {
		if h.Kind == api.HopServiceNAT && o != nil && o.Seen && o.Packet != nil {
			return p.color(ansiGreen, "✓ translated to "+o.Packet.Dst)
		}
		return ""
	}
	if o == nil {
		return "-"
	}
	if o.Error != "" && !o.Seen {
		return p.color(ansiYellow, "! capture failed")
	}
	if !o.Seen {
		return p.color(ansiRed, "✗ not seen")
	}
	s := "✓ seen " + o.SinceFirst
	if o.ReplySeen {
		s += ", reply seen"
	}
	return p.color(ansiGreen, s)
}

func (p *printer) why(w *api.Walk, path api.WalkPath) {
	for i, h := range path.Hops {
		p.printf("  %2d  %s\n", i+1, h.Summary)
		if h.Kind == api.HopServiceNAT && w.Service != nil {
			for _, s := range w.Service.Skipped {
				p.printf("      skipped, not seen: %s\n", s)
			}
		}
		for _, pr := range h.Problems {
			p.printf("      %s %s\n", p.color(ansiYellow, "⚠"), pr)
		}
		if h.Observed != nil && h.Observed.Error != "" {
			p.printf("      %s %s\n", p.color(ansiYellow, "capture:"), h.Observed.Error)
		}
		if h.Observed != nil && h.Observed.Note != "" {
			p.printf("      observed: %s\n", h.Observed.Note)
		}
		if !p.opt.Explain {
			continue
		}
		for _, e := range h.Evidence {
			switch {
			case len(e.Command) > 0 && e.Object != "":
				p.printf("      $ %s in %s on %s\n        → %s\n", pwprinter.ShellQuote(e.Command), e.Object, e.Node, e.Shows)
			case len(e.Command) > 0:
				p.printf("      $ %s: %s\n        → %s\n", e.Node, pwprinter.ShellQuote(e.Command), e.Shows)
			case e.Object != "":
				p.printf("      API %s\n        → %s\n", e.Object, e.Shows)
			default:
				p.printf("      %s: %s\n", e.Node, e.Shows)
			}
		}
		if c := h.Capture; c != nil {
			p.printf("      captured with: tcpdump -i %s on %s, filter %q\n", c.Interface, c.Node, c.Filter)
		}
	}
}

func (p *printer) others(w *api.Walk, shown []int) {
	if len(shown) == len(w.Paths) {
		return
	}
	p.printf("\n%s\n", p.color(ansiBold, "OTHER ENDPOINTS"))
	for i, path := range w.Paths {
		if slices.Contains(shown, i) {
			continue
		}
		who := ""
		if path.Pod != nil {
			who = " " + path.Pod.String()
		}
		where := "same node"
		if path.CrossNode {
			where = "cross-node"
		}
		p.printf("  %s%s on %s, %.0f%% of connections, %d hops, %s\n", path.Endpoint, who, cmp.Or(path.Node, "-"), path.Probability*100, len(path.Hops), where)
	}
	p.printf("  (every path's hops: -o yaml)\n")
}

func (p *printer) verdict(w *api.Walk) {
	v := w.Verdict
	code := ansiRed
	switch v.Result {
	case api.VerdictReplyReceived:
		code = ansiGreen
	case api.VerdictNotProbed:
		code = ""
	}
	p.printf("\n%s %s\n", p.color(ansiBold, "VERDICT"), p.color(code, v.Summary))
	if len(v.LikelyCauses) > 0 {
		p.printf("  likely causes:\n")
		for _, c := range v.LikelyCauses {
			p.printf("  - %s\n", c)
		}
	}
}
