package summary

import (
	"net/netip"
	"sort"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

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

func (fl *flow) totalBytes() int64 {
	_, b0, _ := fl.counts(0)
	_, b1, _ := fl.counts(1)
	return b0 + b1
}

func addrOf(s string) addr {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return addr{}
	}
	return addrFromNetip(ip)
}
