package summary

import (
	"errors"
	"sort"
	"strconv"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// Report returns the summary of everything added so far, with every flow.
func (s *Summarizer) Report() api.Summary { return s.report(-1) }

// ReportTop returns the summary with only the n largest flows (and all the notes and lists): what a text
// report shows, built with far less memory than Report when the flow table is large.
func (s *Summarizer) ReportTop(n int) api.Summary { return s.report(max(n, 0)) }

func (s *Summarizer) report(limit int) api.Summary {
	out := api.Summary{TypeMeta: api.TypeMeta{APIVersion: api.APIVersion, Kind: api.KindSummary}}
	out.Capture = s.captureStats()
	probs := s.retired.problems.clone()
	type ranked struct {
		bytes int64
		fl    *flow
	}
	live := make([]ranked, 0, s.flows.used)
	s.flows.each(func(fl *flow) {
		live = append(live, ranked{fl.totalBytes(), fl})
		probs.add(fl)
	})
	if limit >= 0 && limit < len(live) {
		sort.Slice(live, func(i, j int) bool { return live[i].bytes > live[j].bytes })
		live = live[:limit]
	}
	flows := make([]api.Flow, 0, len(live)+len(s.retired.top))
	for _, r := range live {
		flows = append(flows, s.apiFlow(r.fl))
	}
	flows = append(flows, s.retired.top...)
	sort.SliceStable(flows, func(i, j int) bool {
		bi, bj := flowBytes(flows[i]), flowBytes(flows[j])
		if bi != bj {
			return bi > bj
		}
		return flows[i].FirstSeen.Before(flows[j].FirstSeen)
	})
	if limit >= 0 && limit < len(flows) {
		flows = flows[:limit]
	}
	out.Flows = flows
	out.DNAT = s.dnatPairs()
	out.ARP = s.arpEntries()
	out.ICMPErrors = s.icmpErrors()
	out.DNS = s.dnsQueries()
	for _, e := range s.errs.list {
		out.DecodeErrors = append(out.DecodeErrors, api.DecodeErrorCount{Layer: e.layer, Count: e.count, Example: e.example, FirstPacket: e.first})
	}
	out.Notes = s.notes(&out, &probs)
	return out
}

func (s *Summarizer) captureStats() api.CaptureStats {
	c := &s.counts
	st := api.CaptureStats{
		Packets: c.packets, Bytes: c.bytes, UniquePackets: c.unique, Copies: c.copies, NonIP: c.nonIP,
		CutBySnaplen: c.cut, Malformed: c.malformed, SkippedRecords: c.skipped, NotDecoded: s.undecoded.list(),
		OtherInterfacePackets: s.ifOther,
		FlowTable:             api.FlowTableStats{MaxFlows: s.opts.MaxFlows, Flows: c.flowsSeen, Evicted: c.evicted, Dropped: c.dropped},
	}
	if s.format != 0 {
		st.Format = s.format.String()
	}
	if c.packets > 0 {
		first, last := nanoTime(c.first), nanoTime(c.last)
		st.Start, st.End = &first, &last
	}
	if s.readErr != nil {
		st.ReadError = s.readErr.Error()
		st.Truncated = errors.Is(s.readErr, pcapread.ErrTruncated)
	}
	keys := append([]ifKey(nil), s.ifKeys...)
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].iface != keys[j].iface {
			return keys[i].iface < keys[j].iface
		}
		return keys[i].ifIndex < keys[j].ifIndex
	})
	for _, k := range keys {
		ci := api.CaptureInterface{ID: k.iface, IfIndex: int(k.ifIndex), Packets: s.ifCounts[s.ifIndex[k]],
			Name: s.interfaceName(int32(k.iface), k.ifIndex)}
		if k.iface < len(s.ifaces) {
			idb := s.ifaces[k.iface]
			ci.Description, ci.LinkType = idb.Description, linkTypeName(idb.LinkType)
			ci.Node = s.names.nodeOf(idb.Name)
		}
		st.Interfaces = append(st.Interfaces, ci)
	}
	return st
}

func (s *Summarizer) dnatPairs() []api.DNATPair {
	var out []api.DNATPair
	for k, p := range s.dnat {
		out = append(out, api.DNATPair{
			Protocol:    protocolName(k.proto),
			Original:    s.endpoint(k.original, true),
			Translated:  s.endpoint(k.translated, true),
			Client:      api.FlowEndpoint{IP: p.client.String(), Name: s.names.ipName(p.client)},
			Clients:     len(p.clients),
			Connections: p.connections,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Connections != out[j].Connections {
			return out[i].Connections > out[j].Connections
		}
		return out[i].Original.IP+strconv.Itoa(out[i].Original.Port) < out[j].Original.IP+strconv.Itoa(out[j].Original.Port)
	})
	return out
}

func (s *Summarizer) arpEntries() []api.ARPEntry {
	var out []api.ARPEntry
	for _, e := range s.arp.entries {
		a := api.ARPEntry{IP: e.ip.String(), Requests: e.requests, Replies: e.replies, Unanswered: e.requests > 0 && e.replies == 0}
		for j, m := range e.macs[:e.nmacs] {
			if j == 0 {
				a.AnswerMAC = m.String()
			} else {
				a.OtherMACs = append(a.OtherMACs, m.String())
			}
		}
		for _, ip := range e.askers[:e.nAskers] {
			a.AskedBy = append(a.AskedBy, ip.String())
		}
		out = append(out, a)
	}
	return out
}

func (s *Summarizer) icmpErrors() []api.ICMPError {
	var out []api.ICMPError
	for i, k := range s.icmp.keys {
		proto := "icmp"
		if k.v6 {
			proto = "icmpv6"
		}
		e := api.ICMPError{
			Protocol: proto, Type: int(k.typ), Code: int(k.code), Message: icmpMessage(k.v6, k.typ, k.code),
			Reporter: api.FlowEndpoint{IP: k.reporter.String(), Name: s.names.ipName(k.reporter)},
			MTU:      int(k.mtu), Count: s.icmp.counts[i],
		}
		if !k.qsrc.isZero() {
			ports := hasPorts(k.qproto)
			e.QuotedProtocol = protocolName(k.qproto)
			e.QuotedSource = s.endpoint(endpoint{k.qsrc, k.qsport}, ports)
			e.QuotedDest = s.endpoint(endpoint{k.qdst, k.qdport}, ports)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

func (s *Summarizer) dnsQueries() []api.DNSQuery {
	var out []api.DNSQuery
	for _, e := range s.dns.entries {
		q := api.DNSQuery{Name: e.name, Type: dnsTypeName(e.qtype), Queries: e.queries, Responses: e.responses}
		for rc, n := range e.rcodes {
			if n > 0 {
				if q.RCodes == nil {
					q.RCodes = map[string]int64{}
				}
				q.RCodes[rcodeName(uint8(rc))] = n
			}
		}
		out = append(out, q)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Queries+out[i].Responses > out[j].Queries+out[j].Responses })
	return out
}

func isMTUError(e api.ICMPError) bool {
	return (e.Protocol == "icmp" && e.Type == 3 && e.Code == 4) || (e.Protocol == "icmpv6" && e.Type == 2)
}
