package walk

import (
	"fmt"
	"io"
	"sort"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/capture"
)

// WritePcapng writes the probe's packets from every capture point to out as one pcapng, one named
// interface per hop ("node2/vxlan.calico (decapsulation)"), in time order, for Wireshark. It returns the
// number of packets written.
func WritePcapng(out io.Writer, w *api.Walk, in *Input, obs *Observation) (int, error) {
	mt := obs.match(w, in)
	nw, err := capture.NewPcapngWriter(out)
	if err != nil {
		return 0, fmt.Errorf("writing the walk's pcapng: %w", err)
	}
	ids := make([]uint32, len(obs.Captures))
	for i, c := range obs.Captures {
		snap := uint32(0)
		if len(c.packets) > 0 {
			snap = 262144
		}
		id, err := nw.AddInterface(capture.Interface{
			Name:        capture.InterfaceName(c.point.Node, c.point.Interface, c.point.Label),
			Description: "kubectl packetwalk: " + c.point.Label,
			Filter:      c.point.Filter,
			LinkType:    uint16(c.linkType),
			SnapLen:     snap,
			Nanosecond:  true,
		})
		if err != nil {
			return 0, fmt.Errorf("writing the walk's pcapng: %w", err)
		}
		ids[i] = id
	}
	var keep []decodedPacket
	for _, ps := range mt.packets {
		for _, p := range ps {
			if mt.m.belongs(&p.Packet) {
				keep = append(keep, p)
			}
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].raw.ts.Before(keep[j].raw.ts) })
	for _, p := range keep {
		ns := p.raw.ts.UnixNano()
		pkt := capture.Packet{Sec: uint32(ns / 1e9), Frac: uint32(ns % 1e9), CapLen: uint32(len(p.raw.data)), OrigLen: uint32(p.raw.orig), Data: p.raw.data}
		if err := nw.WritePacket(ids[p.raw.point], pkt); err != nil {
			return 0, fmt.Errorf("writing the walk's pcapng: %w", err)
		}
	}
	if err := nw.Flush(); err != nil {
		return 0, fmt.Errorf("writing the walk's pcapng: %w", err)
	}
	return len(keep), nil
}
