package summary

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// TextOptions shape the text report.
type TextOptions struct {
	// MaxFlows is how many flows the table shows (DefaultTextFlows when 0, all when negative).
	MaxFlows int
	// Width is the terminal width that detail lines and notes wrap at (DefaultTextWidth when 0).
	Width int
}

// DefaultTextWidth is the width text reports wrap at unless told otherwise.
const DefaultTextWidth = 140

// DefaultTextFlows is how many flows the text table shows unless told otherwise.
const DefaultTextFlows = 50

// maxCell bounds an endpoint cell so that a row fits a 160-column terminal.
const maxCell = 44

// WriteJSON writes the summary as indented JSON (the schema in docs/summary-json.md). Flows are encoded one
// at a time, so that a summary of many flows is never held in memory as one JSON document.
func WriteJSON(w io.Writer, s api.Summary) error {
	flows := s.Flows
	s.Flows = nil
	doc, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("writing the summary as JSON: %w", err)
	}
	const placeholder = `"flows": null`
	i := bytes.Index(doc, []byte(placeholder))
	if i < 0 {
		return fmt.Errorf("writing the summary as JSON: no flows field")
	}
	bw := bufio.NewWriter(w)
	bw.Write(doc[:i])
	bw.WriteString(`"flows": [`)
	for j := range flows {
		b, err := json.MarshalIndent(&flows[j], "    ", "  ")
		if err != nil {
			return fmt.Errorf("writing the summary as JSON: %w", err)
		}
		if j > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if len(flows) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	bw.Write(doc[i+len(placeholder):])
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the summary as JSON: %w", err)
	}
	return nil
}

// WriteText writes the summary for a person: the capture, a table of flows (each with its details on the
// lines below it) and the notes.
func WriteText(w io.Writer, s api.Summary, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	width := opts.Width
	if width <= 0 {
		width = DefaultTextWidth
	}
	writeCapture(bw, s.Capture, width)
	limit := opts.MaxFlows
	if limit == 0 {
		limit = DefaultTextFlows
	}
	if limit < 0 || limit > len(s.Flows) {
		limit = len(s.Flows)
	}
	fmt.Fprintln(bw)
	if seen := s.Capture.FlowTable.Flows; int64(limit) < seen {
		fmt.Fprintf(bw, "FLOWS (%d largest of %d; -o json lists more)\n", limit, seen)
	} else {
		fmt.Fprintf(bw, "FLOWS (%d)\n", limit)
	}
	writeFlows(bw, s.Flows[:limit], showInterfaces(s), width)
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "NOTES")
	if len(s.Notes) == 0 {
		fmt.Fprintln(bw, "  nothing to report")
	}
	kindWidth := 0
	for _, n := range s.Notes {
		kindWidth = max(kindWidth, len(n.Kind))
	}
	for _, n := range s.Notes {
		writeWrapped(bw, fmt.Sprintf("  %-*s  ", kindWidth, n.Kind), n.Message, width)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
}

// WriteFlowLine writes one flow on one line, for printing flows as they complete during a live capture.
func WriteFlowLine(w io.Writer, f api.Flow) error {
	line := fmt.Sprintf("%-6s %s → %s  %s  %s pkts  %s", f.Protocol, showEndpoint(f.Client), showEndpoint(f.Server),
		f.State, packetPair(f), bytePair(f))
	if d := flowDetails(f, true); len(d) > 0 {
		line += "  " + strings.Join(d, "; ")
	}
	_, err := fmt.Fprintln(w, termsafe.Escape(line))
	return err
}

// maxInterfacesShown bounds the per-interface line of the text report.
const maxInterfacesShown = 12

func writeCapture(w io.Writer, c api.CaptureStats, width int) {
	desc := []string{}
	if c.Format != "" {
		desc = append(desc, c.Format)
	}
	pk := fmt.Sprintf("%d packets", c.Packets)
	if c.Copies > 0 {
		pk += fmt.Sprintf(" (%d unique, %d copies seen at a second interface)", c.UniquePackets, c.Copies)
	}
	desc = append(desc, pk, humanBytes(c.Bytes))
	if c.Start != nil && c.End != nil {
		desc = append(desc, fmt.Sprintf("%s from %s to %s", c.End.Sub(*c.Start).Round(1e6), c.Start.Format("2006-01-02 15:04:05.000"),
			c.End.Format("15:04:05.000 MST")))
	}
	fmt.Fprintf(w, "CAPTURE  %s\n", strings.Join(desc, ", "))
	ifaces := append([]api.CaptureInterface(nil), c.Interfaces...)
	sort.SliceStable(ifaces, func(i, j int) bool { return ifaces[i].Packets > ifaces[j].Packets })
	var ifs []string
	for n, i := range ifaces {
		if n == maxInterfacesShown {
			ifs = append(ifs, fmt.Sprintf("and %d more", len(ifaces)-n))
			break
		}
		name := i.Name
		if name == "" {
			name = "interface " + strconv.Itoa(i.ID)
		}
		ifs = append(ifs, fmt.Sprintf("%s: %d", name, i.Packets))
	}
	if len(ifs) > 1 {
		writeWrapped(w, "         ", "packets per interface: "+strings.Join(ifs, ", "), width)
	}
	var extra []string
	for _, x := range []struct {
		n    int64
		what string
	}{{c.NonIP, "without IP (ARP, other)"}, {c.Malformed, "malformed"}, {c.CutBySnaplen, "cut by the snap length"}} {
		if x.n > 0 {
			extra = append(extra, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "         frames: %s\n", strings.Join(extra, ", "))
	}
	if c.SkippedRecords > 0 {
		fmt.Fprintf(w, "         %s skipped: the reader could not return them as packets (e.g. a block naming an "+
			"interface the capture never described)\n", plural(c.SkippedRecords, "record"))
	}
}

// showInterfaces is false when every flow was seen at one point only: then "seen on" says nothing.
func showInterfaces(s api.Summary) bool {
	return len(s.Capture.Interfaces) > 1
}

func writeFlows(w io.Writer, flows []api.Flow, interfaces bool, width int) {
	header := []string{"PROTO", "CLIENT", "SERVER", "STATE", "PACKETS →/←", "BYTES →/←"}
	rows := [][]string{header}
	for _, f := range flows {
		rows = append(rows, []string{f.Protocol, cell(termsafe.Escape(showEndpoint(f.Client))), cell(termsafe.Escape(showEndpoint(f.Server))), f.State,
			packetPair(f), bytePair(f)})
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for n, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if n == 0 {
			continue
		}
		f := flows[n-1]
		if interfaces || hasTunnel(f) {
			writeWrapped(w, "       ", "seen on "+observations(f), width)
		}
		if d := flowDetails(f, false); len(d) > 0 {
			writeWrapped(w, "       ", strings.Join(d, "; "), width)
		}
	}
}

// writeWrapped writes text after prefix, wrapped at spaces to width columns, continuation lines indented to
// the prefix's width. Text is escaped: it carries names and bytes from the capture.
func writeWrapped(w io.Writer, prefix, text string, width int) {
	text = termsafe.Escape(text)
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	line, n := prefix, utf8.RuneCountInString(prefix)
	start := true
	for _, word := range strings.Fields(text) {
		wl := utf8.RuneCountInString(word)
		if !start && n+1+wl > width {
			fmt.Fprintln(w, line)
			line, n, start = indent, len(indent), true
		}
		if !start {
			line += " "
			n++
		}
		line += word
		n += wl
		start = false
	}
	fmt.Fprintln(w, line)
}

func cell(s string) string {
	if utf8.RuneCountInString(s) <= maxCell {
		return s
	}
	r := []rune(s)
	return string(r[:maxCell-1]) + "…"
}

func packetPair(f api.Flow) string {
	return fmt.Sprintf("%d/%d", f.ClientToServer.Packets, f.ServerToClient.Packets)
}

func bytePair(f api.Flow) string {
	return humanBytes(f.ClientToServer.Bytes) + "/" + humanBytes(f.ServerToClient.Bytes)
}

func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

func hasTunnel(f api.Flow) bool {
	for _, o := range f.Observations {
		if len(o.Encapsulation) > 0 {
			return true
		}
	}
	return false
}

func observations(f api.Flow) string {
	var parts []string
	for _, o := range f.Observations {
		var words []string
		if o.Interface != "" {
			words = append(words, o.Interface)
		}
		for _, t := range o.Encapsulation {
			words = append(words, tunnelText(t))
		}
		if len(words) == 0 {
			words = append(words, "plain")
		}
		s := strings.Join(words, " ")
		if len(f.Observations) > 1 {
			s += fmt.Sprintf(" (%d)", o.Packets)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func tunnelText(t api.TunnelHeader) string {
	s := t.Type
	if t.VNI != nil {
		s += fmt.Sprintf(" vni %d", *t.VNI)
	}
	if t.Source == nil || t.Destination == nil {
		return s
	}
	src, dst := t.Source.IP, t.Destination.IP
	if t.Source.Name != "" {
		src += " (" + t.Source.Name + ")"
	}
	if t.Destination.Name != "" {
		dst += " (" + t.Destination.Name + ")"
	}
	s += " " + src + " → " + dst
	if t.Destination.Port != 0 {
		s += fmt.Sprintf(" udp/%d", t.Destination.Port)
	}
	return s
}

// flowDetails lists what else a person wants to know about a flow: application, problems, translation.
func flowDetails(f api.Flow, withPath bool) []string {
	var d []string
	if h := f.HTTP; h != nil {
		s := ""
		if h.FirstRequest != "" {
			s = h.FirstRequest
			if h.Requests > 1 {
				s += fmt.Sprintf(" (+%d more requests)", h.Requests-1)
			}
		}
		var codes []string
		for _, r := range h.Responses {
			c := strconv.Itoa(r.Code)
			if r.Count > 1 {
				c += fmt.Sprintf(" ×%d", r.Count)
			}
			codes = append(codes, c)
		}
		if len(codes) > 0 {
			if s != "" {
				s += " → "
			}
			s += strings.Join(codes, ", ")
		}
		d = append(d, "http "+s)
	}
	if q := f.DNS; q != nil {
		s := fmt.Sprintf("dns %s %s", q.Type, q.Name)
		for rc := range q.RCodes {
			s += " → " + rc
		}
		if q.Responses == 0 {
			s += " (no response)"
		}
		d = append(d, s)
	}
	if t := f.TCP; t != nil {
		if t.Retransmissions > 0 {
			d = append(d, plural(t.Retransmissions, "retransmission"))
		}
		if t.SYNs > 1 {
			d = append(d, fmt.Sprintf("%d SYNs", t.SYNs))
		}
	}
	if f.DNAT != nil {
		if f.DNAT.Role == "original" {
			d = append(d, "DNAT to "+showEndpoint(f.DNAT.Peer))
		} else {
			d = append(d, "DNAT from "+showEndpoint(f.DNAT.Peer))
		}
	}
	if f.ICMPErrors > 0 {
		d = append(d, plural(f.ICMPErrors, "ICMP error"))
	}
	if f.Fragments > 0 {
		d = append(d, plural(f.Fragments, "IP fragment"))
	}
	if f.Copies > 0 {
		d = append(d, fmt.Sprintf("%d copies at a second interface", f.Copies))
	}
	if f.RolesGuessed {
		d = append(d, "client/server guessed from the ports")
	}
	if withPath && (len(f.Observations) > 1 || hasTunnel(f)) {
		d = append(d, "seen on "+observations(f))
	}
	return d
}
