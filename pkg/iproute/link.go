package iproute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
)

// Link is one network interface as `ip -j -d addr show` (or `ip -j -d link show`) prints it.
type Link struct {
	Index int    `json:"ifindex"`
	Name  string `json:"ifname"`
	// PeerIndex is the ifindex of the other end of a veth (or the lower device of a vlan/macvlan), in the
	// network namespace named by PeerNetnsID: `eth0@if19` has PeerIndex 19. Zero when there is none.
	PeerIndex int `json:"link_index,omitempty"`
	// PeerNetnsID is the netns id (local to this namespace) of the peer; nil when the peer is in the same
	// namespace or there is no peer.
	PeerNetnsID *int     `json:"link_netnsid,omitempty"`
	Flags       []string `json:"flags,omitempty"`
	MTU         int      `json:"mtu"`
	OperState   string   `json:"operstate,omitempty"`
	LinkType    string   `json:"link_type,omitempty"`
	MAC         string   `json:"address,omitempty"`
	// Master is the bridge (or bond, vrf) this link is enslaved to.
	Master string    `json:"master,omitempty"`
	Info   *LinkInfo `json:"linkinfo,omitempty"`
	// Addrs are filled by `ip addr show` only.
	Addrs []Addr `json:"addr_info,omitempty"`
}

// LinkInfo is the `-d` detail of a link: its kind and the kind's own settings.
type LinkInfo struct {
	Kind      string    `json:"info_kind,omitempty"`
	SlaveKind string    `json:"info_slave_kind,omitempty"`
	Data      *InfoData `json:"info_data,omitempty"`
}

// InfoData holds the kind-specific settings packetwalk uses. Fields not meaningful for a kind stay zero.
type InfoData struct {
	// VXLAN: VNI, UDP destination port, local VTEP address and the underlay device.
	ID       int    `json:"id,omitempty"`
	Port     int    `json:"port,omitempty"`
	Local    string `json:"local,omitempty"`
	Remote   string `json:"remote,omitempty"`
	Dev      string `json:"link,omitempty"`
	Learning *bool  `json:"learning,omitempty"`
	// Geneve uses ID too; ipip/sit use Local/Remote. Mode is set for ipvlan/macvlan.
	Mode string `json:"mode,omitempty"`
}

// Addr is one address of a link.
type Addr struct {
	// Family is "inet" or "inet6".
	Family    string `json:"family"`
	Local     string `json:"local"`
	PrefixLen int    `json:"prefixlen"`
	Scope     string `json:"scope,omitempty"`
	// Peer is set for point-to-point addresses (`peer 10.0.0.2/32`).
	Peer string `json:"address,omitempty"`
}

// Kind is the link's kind (veth, bridge, vxlan, ipip, geneve, dummy, …); empty for a physical device.
func (l Link) Kind() string {
	if l.Info == nil {
		return ""
	}
	return l.Info.Kind
}

// Up reports whether the link is administratively up.
func (l Link) Up() bool { return l.HasFlag("UP") }

// HasFlag reports whether the link carries flag (e.g. "UP", "LOWER_UP", "NOARP").
func (l Link) HasFlag(flag string) bool {
	for _, f := range l.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// Prefixes returns the link's addresses as prefixes, skipping any that do not parse.
func (l Link) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range l.Addrs {
		if p, ok := a.Prefix(); ok {
			out = append(out, p)
		}
	}
	return out
}

// HasIP reports whether ip is one of the link's addresses.
func (l Link) HasIP(ip netip.Addr) bool {
	for _, p := range l.Prefixes() {
		if p.Addr() == ip.Unmap() {
			return true
		}
	}
	return false
}

// HasIPString reports whether the textual address s is one of the link's addresses.
func (l Link) HasIPString(s string) bool {
	ip, err := netip.ParseAddr(s)
	return err == nil && l.HasIP(ip)
}

// Prefix returns the address with its prefix length.
func (a Addr) Prefix() (netip.Prefix, bool) {
	ip, err := netip.ParseAddr(a.Local)
	if err != nil {
		return netip.Prefix{}, false
	}
	p := netip.PrefixFrom(ip, a.PrefixLen)
	return p, p.IsValid()
}

// Links is a namespace's link table.
type Links []Link

// ByIndex returns the link with ifindex index.
func (ls Links) ByIndex(index int) (Link, bool) {
	for _, l := range ls {
		if l.Index == index {
			return l, true
		}
	}
	return Link{}, false
}

// ByName returns the link called name.
func (ls Links) ByName(name string) (Link, bool) {
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return Link{}, false
}

// WithIP returns the link that holds ip.
func (ls Links) WithIP(ip netip.Addr) (Link, bool) {
	for _, l := range ls {
		if l.HasIP(ip) {
			return l, true
		}
	}
	return Link{}, false
}

// ParseLinks parses `ip -j [-d] link show` or `ip -j [-d] addr show`.
func ParseLinks(out []byte) (Links, error) {
	var links Links
	if err := unmarshal(out, &links); err != nil {
		return nil, fmt.Errorf("parsing ip link/addr output: %w", err)
	}
	return links, nil
}

// unmarshal decodes iproute2 JSON. An empty output (no objects at all, which some versions print as
// nothing rather than `[]`) is an empty list.
func unmarshal(out []byte, v any) error {
	if len(bytes.TrimSpace(out)) == 0 {
		return nil
	}
	return json.Unmarshal(escapeControlBytes(out), v)
}

// escapeControlBytes writes the control bytes inside iproute2's JSON strings as \u00XX. iproute2 escapes
// only \t, \n, \r, \f, \b, quotes and backslashes, and prints the rest raw, which is not JSON; an
// interface name may hold any of them (the kernel allows ESC), and one such name would make every link of
// the node unreadable.
func escapeControlBytes(out []byte) []byte {
	const hex = "0123456789abcdef"
	var fixed []byte
	inString, escaped := false, false
	for i, c := range out {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString && c < 0x20:
			if fixed == nil {
				fixed = append(make([]byte, 0, len(out)+16), out[:i]...)
			}
			fixed = append(fixed, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			continue
		}
		if fixed != nil {
			fixed = append(fixed, c)
		}
	}
	if fixed == nil {
		return out
	}
	return fixed
}
