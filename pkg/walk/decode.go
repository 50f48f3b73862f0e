package walk

import (
	"math"
	"sort"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
	"github.com/packetwalk/kubectl-packetwalk/pkg/summary"
)

// decodedPacket is a captured packet with its decoding.
type decodedPacket struct {
	raw capturedPacket
	summary.Packet
}

// decodeAll decodes every capture's IP packets, by capture point, with the summarizer's decoder: it looks
// inside VXLAN (on the standard ports and vxlanPorts), Geneve, IP-in-IP and GRE to the innermost IP header.
func (o *Observation) decodeAll(vxlanPorts []uint16) [][]decodedPacket {
	d := summary.NewPacketDecoder(vxlanPorts...)
	out := make([][]decodedPacket, len(o.Captures))
	for i, c := range o.Captures {
		for _, p := range c.packets {
			pp := pcapread.Packet{LinkType: c.linkType, Timestamp: p.ts, CaptureLength: len(p.data), Length: p.orig, Data: p.data}
			if pkt, ok := d.Decode(&pp); ok {
				out[i] = append(out[i], decodedPacket{raw: p, Packet: pkt})
			}
		}
	}
	return out
}

// sortedByTime lists packets of every capture in time order.
func sortedByTime(all [][]decodedPacket) []decodedPacket {
	var out []decodedPacket
	for _, ps := range all {
		out = append(out, ps...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// outerTunnel is the packet's outermost encapsulation, if any.
func outerTunnel(f *summary.Packet) (summary.Tunnel, bool) {
	if len(f.Tunnels) == 0 {
		return summary.Tunnel{}, false
	}
	return f.Tunnels[0], true
}

// vxlanPortsOf lists the UDP ports of the walk's VXLAN hops, so the decoder opens non-standard ones.
func vxlanPortsOf(w *api.Walk) []uint16 {
	var ports []uint16
	for _, p := range w.Paths {
		for _, h := range p.Hops {
			if h.Packet == nil || h.Packet.Encapsulation == nil || h.Packet.Encapsulation.Type != "VXLAN" {
				continue
			}
			if port := h.Packet.Encapsulation.Port; port > 0 && port <= math.MaxUint16 {
				ports = append(ports, uint16(port))
			}
		}
	}
	return ports
}
