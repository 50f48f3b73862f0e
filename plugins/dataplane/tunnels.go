package dataplane

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
)

// Bytes each encapsulation adds to an IPv4 packet: outer IPv4 (20) plus UDP (8) and the VXLAN header (8)
// and inner Ethernet (14) for VXLAN; the outer IPv4 header for IPIP; Geneve like VXLAN without options;
// WireGuard's outer IPv4, UDP, its 32-byte header and 16-byte tag.
const (
	OverheadVXLAN     = 50
	OverheadIPIP      = 20
	OverheadGeneve    = 50
	OverheadWireGuard = 60
)

// TunnelOf describes link as a tunnel, or returns false if it is not one.
func TunnelOf(node *nodefacts.Node, l iproute.Link) (Tunnel, bool) {
	t := Tunnel{Device: l.Name, MTU: l.MTU}
	var d iproute.InfoData
	if l.Info != nil && l.Info.Data != nil {
		d = *l.Info.Data
	}
	switch l.Kind() {
	case "vxlan":
		t.Type, t.VNI, t.Port, t.Local, t.Overhead = "VXLAN", d.ID, d.Port, d.Local, OverheadVXLAN
	case "ipip":
		t.Type, t.Local, t.Overhead = "IPIP", d.Local, OverheadIPIP
	case "geneve":
		t.Type, t.VNI, t.Port, t.Overhead = "Geneve", d.ID, d.Port, OverheadGeneve
		if t.Port == 0 {
			t.Port = 6081
		}
	case "wireguard":
		t.Type, t.Overhead = "WireGuard", OverheadWireGuard
	default:
		return Tunnel{}, false
	}
	if t.Local == "any" {
		t.Local = ""
	}
	t.Underlay = underlay(node, d.Dev, t.Local)
	return t, true
}

// underlay is the device outer packets leave by: the tunnel's own lower device if it names one, else the
// device holding its local address, else the device of the node's default route.
func underlay(node *nodefacts.Node, dev, local string) string {
	if dev != "" {
		return dev
	}
	for _, l := range node.Links {
		for _, a := range l.Addrs {
			if local != "" && a.Local == local {
				return l.Name
			}
		}
	}
	for _, r := range node.Routes {
		if r.Dst == "default" && r.Dev != "" {
			return r.Dev
		}
	}
	return ""
}

// TunnelsNamed returns the node's tunnels among links whose name satisfies match.
func TunnelsNamed(node *nodefacts.Node, match func(name string) bool) []Tunnel {
	var out []Tunnel
	for _, l := range node.Links {
		if !match(l.Name) {
			continue
		}
		if t, ok := TunnelOf(node, l); ok {
			out = append(out, t)
		}
	}
	return out
}
