package summary

import (
	"errors"
	"net/netip"
	"sort"
	"strconv"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// maxRetained bounds the flows kept for the report after they left the flow table: the largest by bytes.
const maxRetained = 256

type problemKind uint8

const (
	problemSynUnanswered problemKind = iota
	problemRefused
	problemReset
)

type problemKey struct {
	server endpoint
	kind   problemKind
}

type problemCount struct {
	client      addr
	connections int64
	syns        int64
}

// problems aggregates the per-flow problems by server, for the notes.
type problems struct {
	byServer     map[problemKey]*problemCount
	retrans      int64
	retransFlows int64
	serverErrors map[httpErrorKey]*httpErrorCount
	fragments    fragmentProblem
}

// fragmentProblem counts the flows whose packets were fragmented, and keeps the one with the most fragments.
type fragmentProblem struct {
	flows, fragments int64
	most             fragmentedFlow
}

type fragmentedFlow struct {
	proto          uint8
	client, server endpoint
	fragments      int64
}

type httpErrorKey struct {
	server endpoint
	code   uint16
}

type httpErrorCount struct {
	client    addr
	responses int64
}

func (p *problems) clone() problems {
	c := problems{byServer: make(map[problemKey]*problemCount, len(p.byServer)), retrans: p.retrans, retransFlows: p.retransFlows,
		serverErrors: make(map[httpErrorKey]*httpErrorCount, len(p.serverErrors)), fragments: p.fragments}
	for k, v := range p.byServer {
		vv := *v
		c.byServer[k] = &vv
	}
	for k, v := range p.serverErrors {
		vv := *v
		c.serverErrors[k] = &vv
	}
	return c
}

func (p *problems) add(fl *flow) {
	if fl.fragments > 0 {
		p.fragments.flows++
		p.fragments.fragments += fl.fragments
		if fl.fragments > p.fragments.most.fragments {
			cli, srv := fl.endpoints()
			p.fragments.most = fragmentedFlow{proto: fl.key.proto, client: cli, server: srv, fragments: fl.fragments}
		}
	}
	if fl.key.proto != protoTCP {
		return
	}
	for _, st := range fl.statuses {
		if st.code < 500 || st.count == 0 {
			continue
		}
		if p.serverErrors == nil {
			p.serverErrors = map[httpErrorKey]*httpErrorCount{}
		}
		cli, srv := fl.endpoints()
		k := httpErrorKey{server: srv, code: st.code}
		c, ok := p.serverErrors[k]
		if !ok {
			if len(p.serverErrors) >= maxSynProblems {
				continue
			}
			c = &httpErrorCount{client: cli.ip}
			p.serverErrors[k] = c
		}
		c.responses += st.count
	}
	if n := fl.retransmissions(); n > 0 {
		p.retrans += n
		p.retransFlows++
	}
	cli, srv := fl.endpoints()
	var kind problemKind
	switch fl.state() {
	case api.FlowStateSynUnanswered:
		kind = problemSynUnanswered
	case api.FlowStateRefused:
		kind = problemRefused
	case api.FlowStateReset:
		kind = problemReset
	default:
		return
	}
	if p.byServer == nil {
		p.byServer = map[problemKey]*problemCount{}
	}
	k := problemKey{server: srv, kind: kind}
	c, ok := p.byServer[k]
	if !ok {
		if len(p.byServer) >= maxSynProblems {
			return
		}
		c = &problemCount{client: cli.ip}
		p.byServer[k] = c
	}
	c.connections++
	c.syns += fl.syns
}

type retiredFlows struct {
	top      []api.Flow
	minBytes int64
	problems problems
}

// retire keeps what the report needs of a flow that leaves the table.
func (s *Summarizer) retire(fl *flow) {
	r := &s.retired
	r.problems.add(fl)
	_, b0, _ := fl.counts(0)
	_, b1, _ := fl.counts(1)
	b := b0 + b1
	if len(r.top) == maxRetained && b <= r.minBytes {
		return
	}
	af := s.apiFlow(fl)
	if len(r.top) < maxRetained {
		r.top = append(r.top, af)
	} else {
		for j := range r.top {
			if flowBytes(r.top[j]) == r.minBytes {
				r.top[j] = af
				break
			}
		}
	}
	r.minBytes = flowBytes(r.top[0])
	for _, f := range r.top {
		r.minBytes = min(r.minBytes, flowBytes(f))
	}
}

func flowBytes(f api.Flow) int64 { return f.ClientToServer.Bytes + f.ServerToClient.Bytes }

// endpoints returns the flow's client and server.
func (fl *flow) endpoints() (client, server endpoint) {
	a, b := endpoint{fl.key.a, fl.key.pa}, endpoint{fl.key.b, fl.key.pb}
	if fl.client == 1 {
		return b, a
	}
	return a, b
}

func (fl *flow) dirs() (c2s, s2c int) {
	if fl.client == 1 {
		return 1, 0
	}
	return 0, 1
}

func (fl *flow) state() string {
	c, srv := fl.dirs()
	if fl.key.proto != protoTCP {
		p0, _, _ := fl.counts(0)
		p1, _, _ := fl.counts(1)
		if p0 > 0 && p1 > 0 {
			return api.FlowStateAnswered
		}
		return api.FlowStateOneWay
	}
	rst := fl.rst[0] || fl.rst[1]
	switch {
	case fl.syn[c] && !fl.established && fl.rst[srv]:
		return api.FlowStateRefused
	case fl.syn[c] && !fl.synAck[srv]:
		return api.FlowStateSynUnanswered
	case rst:
		return api.FlowStateReset
	case fl.fin[0] && fl.fin[1]:
		return api.FlowStateClosed
	case fl.established:
		return api.FlowStateEstablished
	case fl.synAck[srv]:
		return api.FlowStateSynAckOnly
	}
	return api.FlowStateMidStream
}

func (s *Summarizer) endpoint(e endpoint, withPort bool) api.FlowEndpoint {
	out := api.FlowEndpoint{IP: e.ip.String(), Name: s.names.ipName(e.ip)}
	if withPort {
		out.Port = int(e.port)
	}
	return out
}

func hasPorts(proto uint8) bool {
	return proto == protoTCP || proto == protoUDP || proto == protoSCTP || proto == protoUDPLite
}

func nanoTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func (s *Summarizer) apiFlow(fl *flow) api.Flow {
	cli, srv := fl.endpoints()
	c, sc := fl.dirs()
	ports := hasPorts(fl.key.proto)
	cp, cb, cx := fl.counts(c)
	sp, sb, sx := fl.counts(sc)
	out := api.Flow{
		Protocol:       protocolName(fl.key.proto),
		Client:         s.endpoint(cli, ports),
		Server:         s.endpoint(srv, ports),
		RolesGuessed:   fl.guessed,
		FirstSeen:      nanoTime(fl.first),
		LastSeen:       nanoTime(fl.last),
		ClientToServer: api.FlowCounters{Packets: cp, Bytes: cb},
		ServerToClient: api.FlowCounters{Packets: sp, Bytes: sb},
		Copies:         cx + sx,
		State:          fl.state(),
		ICMPErrors:     fl.icmpErrors,
		Fragments:      fl.fragments,
		Done:           fl.done,
	}
	// In the order the flow reached them (by timestamp: captures of several interfaces are not always written
	// in time order), which is the order along its path for its first packet.
	obs := fl.obs
	order := obs[:fl.nobs]
	sort.SliceStable(order, func(i, j int) bool { return order[i].first < order[j].first })
	for _, o := range order {
		out.Observations = append(out.Observations, api.FlowObservation{
			Interface:     s.interfaceName(o.iface, o.ifIndex),
			Encapsulation: s.tunnelHeaders(s.chains[o.chain]),
			Packets:       int64(o.packets[0]) + int64(o.packets[1]),
		})
	}
	if fl.key.proto == protoTCP {
		out.TCP = &api.TCPInfo{
			HandshakeCompleted: fl.established, SYNs: fl.syns, Resets: fl.resets, Retransmissions: fl.retransmissions(),
			ClientFIN: fl.fin[c], ServerFIN: fl.fin[sc],
		}
	}
	if fl.requests > 0 || fl.statuses[0].count > 0 {
		h := &api.HTTPInfo{Requests: fl.requests, FirstRequest: fl.firstRequest}
		for _, st := range fl.statuses {
			if st.count > 0 {
				h.Responses = append(h.Responses, api.HTTPStatusCount{Code: int(st.code), Count: st.count})
			}
		}
		out.HTTP = h
	}
	if fl.dnsName >= 0 {
		e := s.dns.entries[fl.dnsName]
		q := api.DNSQuery{Name: e.name, Type: dnsTypeName(e.qtype), Queries: fl.dnsQueries, Responses: fl.dnsReply}
		if fl.dnsReply > 0 {
			q.RCodes = map[string]int64{rcodeName(fl.dnsRCode): fl.dnsReply}
		}
		out.DNS = &q
	}
	if fl.natPeerID != 0 {
		role := "translated"
		if fl.natOriginal {
			role = "original"
		}
		out.DNAT = &api.FlowDNAT{Role: role, Peer: s.endpoint(fl.natPeer, true)}
	}
	return out
}

func (s *Summarizer) interfaceName(iface int32, ifIndex uint32) string {
	name := ""
	if int(iface) < len(s.ifaces) {
		name = s.ifaces[iface].Name
	}
	return s.names.interfaceName(name, iface, ifIndex)
}

func (s *Summarizer) tunnelHeaders(c tunnelChain) []api.TunnelHeader {
	var out []api.TunnelHeader
	for _, t := range c.tunnels[:c.n] {
		h := api.TunnelHeader{Type: t.typ.String()}
		if !t.src.isZero() || !t.dst.isZero() {
			h.Source = &api.FlowEndpoint{IP: t.src.String(), Name: s.names.ipName(t.src)}
			h.Destination = &api.FlowEndpoint{IP: t.dst.String(), Port: int(t.dport), Name: s.names.ipName(t.dst)}
		}
		if t.hasVNI {
			vni := t.vni
			h.VNI = &vni
		}
		out = append(out, h)
	}
	return out
}

// Report returns the summary of everything added so far, with every flow.
func (s *Summarizer) Report() api.Summary { return s.report(-1) }

// ReportTop returns the summary with only the n largest flows (and all the notes and lists): what a text
// report shows, built with far less memory than Report when the flow table is large.
func (s *Summarizer) ReportTop(n int) api.Summary { return s.report(max(n, 0)) }

func (fl *flow) totalBytes() int64 {
	_, b0, _ := fl.counts(0)
	_, b1, _ := fl.counts(1)
	return b0 + b1
}

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

func linkTypeName(lt layers.LinkType) string {
	switch lt {
	case layers.LinkTypeNull:
		return "NULL"
	case layers.LinkTypeEthernet:
		return "EN10MB"
	case layers.LinkTypeRaw:
		return "RAW"
	case layers.LinkTypeLoop:
		return "LOOP"
	case layers.LinkTypeLinuxSLL:
		return "LINUX_SLL"
	case layers.LinkTypeLinuxSLL2:
		return "LINUX_SLL2"
	case layers.LinkTypeIPv4:
		return "IPV4"
	case layers.LinkTypeIPv6:
		return "IPV6"
	case layers.LinkTypePPP:
		return "PPP"
	case linkTypeNFLOG:
		return "NFLOG"
	}
	return "LINKTYPE_" + strconv.Itoa(int(lt))
}

var dnsTypes = map[uint16]string{1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
	33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 255: "ANY"}

func dnsTypeName(t uint16) string {
	if n, ok := dnsTypes[t]; ok {
		return n
	}
	return "TYPE" + strconv.Itoa(int(t))
}

var rcodes = [16]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI"}

func rcodeName(rc uint8) string {
	if int(rc) < len(rcodes) && rcodes[rc] != "" {
		return rcodes[rc]
	}
	return "RCODE" + strconv.Itoa(int(rc))
}

var icmp4Unreachable = map[uint8]string{0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable",
	3: "port unreachable", 4: "fragmentation needed", 9: "network administratively prohibited",
	10: "host administratively prohibited", 13: "communication administratively prohibited"}

var icmp6Unreachable = map[uint8]string{0: "no route", 1: "administratively prohibited", 3: "address unreachable",
	4: "port unreachable", 5: "source address failed policy", 6: "reject route"}

func icmpMessage(v6 bool, typ, code uint8) string {
	if v6 {
		switch typ {
		case 1:
			if m, ok := icmp6Unreachable[code]; ok {
				return "destination unreachable (" + m + ")"
			}
			return "destination unreachable"
		case 2:
			return "packet too big"
		case 3:
			return "time exceeded"
		case 4:
			return "parameter problem"
		}
		return "icmpv6 type " + strconv.Itoa(int(typ))
	}
	switch typ {
	case 3:
		if m, ok := icmp4Unreachable[code]; ok {
			return "destination unreachable (" + m + ")"
		}
		return "destination unreachable (code " + strconv.Itoa(int(code)) + ")"
	case 4:
		return "source quench"
	case 5:
		return "redirect"
	case 11:
		if code == 1 {
			return "time exceeded (fragment reassembly)"
		}
		return "time exceeded (TTL)"
	case 12:
		return "parameter problem"
	}
	return "icmp type " + strconv.Itoa(int(typ))
}

func isMTUError(e api.ICMPError) bool {
	return (e.Protocol == "icmp" && e.Type == 3 && e.Code == 4) || (e.Protocol == "icmpv6" && e.Type == 2)
}

func addrOf(s string) addr {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return addr{}
	}
	return addrFromNetip(ip)
}
