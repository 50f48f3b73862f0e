package summary

import (
	"fmt"
	"sort"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// notes turns the report's facts into one line each, most serious first.
func (s *Summarizer) notes(r *api.Summary, probs *problems) []api.SummaryNote {
	var out []api.SummaryNote
	add := func(kind, format string, args ...any) {
		out = append(out, api.SummaryNote{Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	c := &r.Capture
	if c.ReadError != "" {
		if c.Truncated {
			add(api.NoteCapture, "the capture is truncated: it ends in the middle of a packet (%s); everything before is summarized", c.ReadError)
		} else {
			add(api.NoteCapture, "reading stopped early: %s; everything before is summarized", c.ReadError)
		}
	}
	if n := s.counts.clampedTimes; n > 0 {
		add(api.NoteCapture, "%s with a timestamp before %d or after %d: counted at the nearest of those times",
			plural(n, "frame"), minTime.UTC().Year(), maxTime.UTC().Year())
	}
	for _, u := range c.NotDecoded {
		add(api.NoteCapture, "%s of link type %s not decoded: packetwalk reads Ethernet, Linux cooked (SLL, SLL2), raw IP, "+
			"loopback and NFLOG captures", plural(u.Frames, "frame"), u.LinkType)
	}
	for _, e := range r.ICMPErrors {
		if isMTUError(e) {
			add(api.NoteMTU, "MTU problem: %s says %s (next-hop MTU %d) for %s, %s: the path cannot carry packets that "+
				"large; check the pod MTU against the tunnel overhead", showEndpoint(e.Reporter), e.Message, e.MTU,
				showQuoted(e), times(e.Count))
		}
	}
	if fr := probs.fragments; fr.flows > 0 {
		m := fr.most
		ports := hasPorts(m.proto)
		client, server := showEndpoint(s.endpoint(m.client, ports)), showEndpoint(s.endpoint(m.server, ports))
		why := "packets larger than the path MTU were split: through a tunnel, usually a pod MTU above what the overlay carries"
		if m.server.port == portDNS && m.proto == protoUDP {
			why = "a fragmented DNS answer is often dropped on the way (an overlay MTU problem): check the pod MTU against the tunnel overhead"
		}
		add(api.NoteFragments, "IP fragments: %s in %s, most in %s %s → %s (%d); %s", plural(fr.fragments, "fragment"),
			plural(fr.flows, "flow"), protocolName(m.proto), client, server, m.fragments, why)
	}
	type problemLine struct {
		k problemKey
		c *problemCount
	}
	var lines []problemLine
	for k, v := range probs.byServer {
		lines = append(lines, problemLine{k, v})
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].k.kind != lines[j].k.kind {
			return lines[i].k.kind < lines[j].k.kind
		}
		return lines[i].c.connections > lines[j].c.connections
	})
	for _, l := range lines {
		server := showEndpoint(s.endpoint(l.k.server, true))
		client := showEndpoint(api.FlowEndpoint{IP: l.c.client.String(), Name: s.names.ipName(l.c.client)})
		switch l.k.kind {
		case problemSynUnanswered:
			add(api.NoteSynUnanswered, "SYN without answer: %s got %s (%d SYNs) from %s and answered none: "+
				"the packets are dropped on the way or nothing listens", server, plural(l.c.connections, "connection attempt"), l.c.syns, client)
		case problemRefused:
			add(api.NoteRefused, "connection refused: %s answered %s from %s with RST: nothing listens on that port",
				server, plural(l.c.connections, "SYN"), client)
		case problemReset:
			add(api.NoteReset, "reset: %s to %s ended with RST", plural(l.c.connections, "connection"), server)
		}
	}
	if probs.retrans > 0 {
		add(api.NoteRetransmit, "retransmissions: %s in %s (a packet seen at two interfaces is counted once, not as a retransmission)",
			plural(probs.retrans, "segment"), plural(probs.retransFlows, "flow"))
	}
	for _, e := range r.ICMPErrors {
		if !isMTUError(e) {
			add(api.NoteICMP, "ICMP %s from %s for %s, %s", e.Message, showEndpoint(e.Reporter), showQuoted(e), times(e.Count))
		}
	}
	for _, q := range r.DNS {
		var bad []string
		for rc, n := range q.RCodes {
			if rc != "NOERROR" {
				bad = append(bad, fmt.Sprintf("%s ×%d", rc, n))
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			add(api.NoteDNS, "DNS %s %s: %s (%d queries)", q.Type, q.Name, strings.Join(bad, ", "), q.Queries)
		} else if q.Queries > 0 && q.Responses == 0 {
			add(api.NoteDNS, "DNS %s %s: %s, no response in the capture", q.Type, q.Name, plural(q.Queries, "query"))
		}
	}
	type httpLine struct {
		k httpErrorKey
		c *httpErrorCount
	}
	var httpLines []httpLine
	for k, c := range probs.serverErrors {
		httpLines = append(httpLines, httpLine{k, c})
	}
	sort.Slice(httpLines, func(i, j int) bool { return httpLines[i].c.responses > httpLines[j].c.responses })
	for _, l := range httpLines {
		add(api.NoteHTTP, "HTTP %d from %s, %s (to %s among others)", l.k.code, showEndpoint(s.endpoint(l.k.server, true)),
			times(l.c.responses), showEndpoint(api.FlowEndpoint{IP: l.c.client.String(), Name: s.names.ipName(l.c.client)}))
	}
	for _, g := range groupDNAT(r.DNAT) {
		var to []string
		for i, p := range g.pairs {
			if i == 3 {
				to = append(to, fmt.Sprintf("and %d more endpoints", len(g.pairs)-3))
				break
			}
			to = append(to, fmt.Sprintf("%s ×%d", showEndpoint(p.Translated), p.Connections))
		}
		from := showEndpoint(g.pairs[0].Client)
		if g.several {
			from = "several clients"
		}
		add(api.NoteDNAT, "Service DNAT (%s): %s → %s; %s from %s", g.pairs[0].Protocol, showEndpoint(g.pairs[0].Original),
			strings.Join(to, ", "), plural(g.connections, "connection"), from)
	}
	for _, a := range r.ARP {
		ip := showEndpoint(api.FlowEndpoint{IP: a.IP, Name: s.names.ipName(addrOf(a.IP))})
		asked := ""
		if a.Requests > 0 {
			asked = fmt.Sprintf(", asked %s by %s", times(a.Requests), strings.Join(a.AskedBy, ", "))
		}
		switch {
		case a.Unanswered:
			add(api.NoteARP, "ARP who-has %s: no answer%s", ip, asked)
		case a.AnswerMAC != "" && len(a.OtherMACs) > 0:
			add(api.NoteARP, "ARP %s is-at %s and also %s: more than one answer%s", ip, a.AnswerMAC, strings.Join(a.OtherMACs, ", "), asked)
		case a.AnswerMAC != "":
			add(api.NoteARP, "ARP %s is-at %s%s", ip, a.AnswerMAC, asked)
		}
	}
	for _, e := range r.DecodeErrors {
		add(api.NoteDecodeError, "%s stopped decoding at %s: %s (first: packet %d)", plural(e.Count, "frame"), e.Layer, e.Example, e.FirstPacket)
	}
	if n := s.arp.overflow + s.icmp.overflow + s.dns.overflow + s.dnatOut; n > 0 {
		add(api.NoteEviction, "%s of ARP, ICMP, DNS or DNAT facts did not fit their tables and are only counted", plural(n, "record"))
	}
	if c.OtherInterfacePackets > 0 {
		add(api.NoteEviction, "more than %d interfaces: %s at the others are counted but not listed per interface",
			maxInterfaceCounts, plural(c.OtherInterfacePackets, "frame"))
	}
	if ft := c.FlowTable; ft.Evicted > 0 || ft.Dropped > 0 {
		add(api.NoteEviction, "flow table full (max %d flows): %d finished or idle flows evicted, %d active flows dropped; "+
			"their problems are in these notes and the largest of them in the flow list", ft.MaxFlows, ft.Evicted, ft.Dropped)
	}
	if c.Copies > 0 {
		add(api.NoteCapture, "%s were the same packet seen again at another interface (e.g. on a pod's veth and "+
			"encapsulated on eth0): counted once", plural(c.Copies, "frame"))
	}
	return limitPerKind(out, maxNotesPerKind)
}

// maxNotesPerKind keeps the notes readable on a large capture; -o json has the typed lists in full.
const maxNotesPerKind = 10

func limitPerKind(notes []api.SummaryNote, limit int) []api.SummaryNote {
	count := map[string]int{}
	var out []api.SummaryNote
	for _, n := range notes {
		count[n.Kind]++
		if count[n.Kind] <= limit {
			out = append(out, n)
		}
	}
	for i := 0; i < len(out); i++ {
		k := out[i].Kind
		if more := count[k] - limit; more > 0 && (i+1 == len(out) || out[i+1].Kind != k) {
			extra := api.SummaryNote{Kind: k, Message: fmt.Sprintf("… and %d more %s notes (-o json lists them all)", more, k)}
			out = append(out[:i+1], append([]api.SummaryNote{extra}, out[i+1:]...)...)
			count[k] = limit
			i++
		}
	}
	return out
}

type dnatGroup struct {
	pairs       []api.DNATPair
	connections int64
	several     bool // more than one client
}

// groupDNAT gathers the translations of each Service endpoint, largest first.
func groupDNAT(pairs []api.DNATPair) []dnatGroup {
	var groups []dnatGroup
	index := map[string]int{}
	for _, p := range pairs {
		k := p.Protocol + " " + showEndpoint(api.FlowEndpoint{IP: p.Original.IP, Port: p.Original.Port})
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, dnatGroup{})
		}
		g := &groups[i]
		g.pairs = append(g.pairs, p)
		g.connections += p.Connections
		g.several = g.several || p.Clients > 1 || p.Client.IP != g.pairs[0].Client.IP
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].connections > groups[j].connections })
	return groups
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(what, "y"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// showEndpoint prints an endpoint as ip:port (name).
func showEndpoint(e api.FlowEndpoint) string {
	s := e.IP
	if e.Port != 0 {
		if strings.Contains(s, ":") {
			s = "[" + s + "]"
		}
		s = fmt.Sprintf("%s:%d", s, e.Port)
	}
	if e.Name != "" {
		s += " (" + e.Name + ")"
	}
	return s
}

func showQuoted(e api.ICMPError) string {
	if e.QuotedSource.IP == "" {
		return "an unreadable packet"
	}
	return fmt.Sprintf("%s %s → %s", e.QuotedProtocol, showEndpoint(e.QuotedSource), showEndpoint(e.QuotedDest))
}
