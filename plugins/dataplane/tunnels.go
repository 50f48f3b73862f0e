package dataplane

import (
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
)

// Encapsulation is one way of carrying packets inside others, as a link kind makes it, as the capture
// decoder names it and as packetwalk shows it.
type Encapsulation struct {
	// Type is packetwalk's name ("VXLAN").
	Type string
	// LinkKind is the kind `ip -d link` gives the device that adds it ("vxlan").
	LinkKind string
	// Decoded are the summarizer's names for it in a capture.
	Decoded []string
	// Overhead is the bytes it adds to an IPv4 packet (outer IPv4 header included).
	Overhead int
	// DefaultPort is its UDP port when the device does not say (0: not over UDP).
	DefaultPort int
	// Overlay says CNI dataplanes use it between nodes; sit and ip6tnl devices exist whenever their module
	// is loaded and are left out of a node's tunnels.
	Overlay bool
}

// Overheads of the overlays: outer IPv4 (20) plus UDP (8), the VXLAN header (8) and inner Ethernet (14) for
// VXLAN; the outer IPv4 header for IPIP; Geneve like VXLAN without options; WireGuard's outer IPv4, UDP, its
// 32-byte header and 16-byte tag.
const (
	OverheadVXLAN     = 50
	OverheadIPIP      = 20
	OverheadGeneve    = 50
	OverheadWireGuard = 60
)

// encapsulations is packetwalk's one table of encapsulations. 8472 is the Linux default VXLAN port when no
// dstport is given.
var encapsulations = []Encapsulation{
	{Type: "VXLAN", LinkKind: "vxlan", Decoded: []string{"vxlan"}, Overhead: OverheadVXLAN, DefaultPort: 8472, Overlay: true},
	{Type: "IPIP", LinkKind: "ipip", Decoded: []string{"ipip"}, Overhead: OverheadIPIP, Overlay: true},
	{Type: "Geneve", LinkKind: "geneve", Decoded: []string{"geneve"}, Overhead: OverheadGeneve, DefaultPort: 6081, Overlay: true},
	{Type: "WireGuard", LinkKind: "wireguard", Decoded: []string{"wireguard"}, Overhead: OverheadWireGuard, Overlay: true},
	{Type: "6in4", LinkKind: "sit", Decoded: []string{"6in4"}, Overhead: 20},
	{Type: "IPIP6", LinkKind: "ip6tnl", Decoded: []string{"4in6", "6in6"}, Overhead: 40},
}

// EncapsulationOfLink is the encapsulation a device of that link kind adds.
func EncapsulationOfLink(kind string) (Encapsulation, bool) {
	for _, e := range encapsulations {
		if e.LinkKind == kind {
			return e, true
		}
	}
	return Encapsulation{}, false
}

// EncapsulationOfType is the encapsulation packetwalk calls typ.
func EncapsulationOfType(typ string) (Encapsulation, bool) {
	for _, e := range encapsulations {
		if e.Type == typ {
			return e, true
		}
	}
	return Encapsulation{}, false
}

// DecodedType names a tunnel the capture decoder found as packetwalk does. Types no device adds ("gre",
// "vxlan-gpe", …) are shown in capitals.
func DecodedType(decoded string) string {
	for _, e := range encapsulations {
		for _, d := range e.Decoded {
			if d == decoded {
				return e.Type
			}
		}
	}
	return strings.ToUpper(decoded)
}

// TunnelOf describes link as a tunnel, or returns false if it is not an overlay device.
func TunnelOf(node *nodefacts.Node, l iproute.Link) (Tunnel, bool) {
	e, ok := EncapsulationOfLink(l.Kind())
	if !ok || !e.Overlay {
		return Tunnel{}, false
	}
	var d iproute.InfoData
	if l.Info != nil && l.Info.Data != nil {
		d = *l.Info.Data
	}
	t := Tunnel{Type: e.Type, Device: l.Name, MTU: l.MTU, Overhead: e.Overhead}
	switch e.Type {
	case "VXLAN":
		t.VNI, t.Port, t.Local = d.ID, d.Port, d.Local
	case "IPIP":
		t.Local = d.Local
	case "Geneve":
		t.VNI, t.Port = d.ID, d.Port
		if t.Port == 0 {
			t.Port = e.DefaultPort
		}
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
