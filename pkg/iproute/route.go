package iproute

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Route is one route as `ip -j -d route show` prints it, or the answer of `ip -j route get`.
type Route struct {
	// Type is "unicast", "local", "broadcast", "blackhole", …; `ip route get` leaves it empty for unicast.
	Type string `json:"type,omitempty"`
	// Dst is a prefix ("10.244.2.0/24"), a host ("10.244.1.5", meaning /32 or /128) or "default".
	Dst      string   `json:"dst"`
	Gateway  string   `json:"gateway,omitempty"`
	Dev      string   `json:"dev,omitempty"`
	Protocol string   `json:"protocol,omitempty"`
	Scope    string   `json:"scope,omitempty"`
	PrefSrc  string   `json:"prefsrc,omitempty"`
	Table    string   `json:"table,omitempty"`
	Metric   int      `json:"metric,omitempty"`
	Flags    []string `json:"flags,omitempty"`
	// Nexthops is set for ECMP routes.
	Nexthops []Nexthop `json:"nexthops,omitempty"`
	// Metrics holds per-route settings such as `mtu 1450`.
	Metrics []RouteMetrics `json:"metrics,omitempty"`
}

// RouteMetrics are a route's metrics as `ip -j` prints them.
type RouteMetrics struct {
	MTU    int `json:"mtu,omitempty"`
	AdvMSS int `json:"advmss,omitempty"`
}

// MTU is the route's own MTU (`mtu 1450`), or 0 when it has none and the device's MTU applies.
func (r Route) MTU() int {
	for _, m := range r.Metrics {
		if m.MTU != 0 {
			return m.MTU
		}
	}
	return 0
}

// Nexthop is one path of a multipath route.
type Nexthop struct {
	Gateway string   `json:"gateway,omitempty"`
	Dev     string   `json:"dev,omitempty"`
	Weight  int      `json:"weight,omitempty"`
	Flags   []string `json:"flags,omitempty"`
}

// OnLink reports whether the route's gateway is declared reachable on the device without a covering
// route (`onlink`), as Calico and flannel program for tunnel next hops.
func (r Route) OnLink() bool {
	return slices.Contains(r.Flags, "onlink")
}

// DstPrefix returns the route's destination as a prefix; "default" is 0.0.0.0/0 or ::/0 as family says
// ("inet" or "inet6"; a default route's family cannot be read from the route itself).
func (r Route) DstPrefix(family string) (netip.Prefix, bool) {
	if r.Dst == "default" {
		if family == "inet6" {
			return netip.MustParsePrefix("::/0"), true
		}
		return netip.MustParsePrefix("0.0.0.0/0"), true
	}
	if p, err := netip.ParsePrefix(r.Dst); err == nil {
		return p, true
	}
	if a, err := netip.ParseAddr(r.Dst); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// GatewayAddr returns the route's gateway, if it has one.
func (r Route) GatewayAddr() (netip.Addr, bool) {
	a, err := netip.ParseAddr(r.Gateway)
	return a, err == nil
}

// Routes is a routing table.
type Routes []Route

// Lookup returns the most specific route of the main table whose destination holds ip, as the kernel's
// lookup would (ties go to the lowest metric): a unicast route, or a blackhole/unreachable/prohibit one
// that drops the packet (see Type). Local-table routes and policy rules are not considered.
func (rs Routes) Lookup(ip netip.Addr) (Route, bool) {
	family := "inet"
	if ip.Is6() && !ip.Is4In6() {
		family = "inet6"
	}
	ip = ip.Unmap()
	best, bestBits, found := Route{}, -1, false
	for _, r := range rs {
		switch r.Type {
		case "", "unicast", "blackhole", "unreachable", "prohibit", "throw":
		default:
			continue
		}
		if r.Table != "" && r.Table != "main" {
			continue
		}
		p, ok := r.DstPrefix(family)
		if !ok || p.Addr().Is4() != ip.Is4() || !p.Contains(ip) || r.otherFamily(ip) {
			continue
		}
		if p.Bits() > bestBits || (p.Bits() == bestBits && r.Metric < best.Metric) {
			best, bestBits, found = r, p.Bits(), true
		}
	}
	return best, found
}

// otherFamily says a default route belongs to the other family than ip's. A table holds both families (`ip -4
// route` then `ip -6 route`) and "default" does not say which it is: its gateway (or its first next hop's)
// does. A default route with no gateway (`default dev wg0`) cannot be told apart and is kept.
func (r Route) otherFamily(ip netip.Addr) bool {
	if r.Dst != "default" {
		return false
	}
	gw := r.Gateway
	if gw == "" && len(r.Nexthops) > 0 {
		gw = r.Nexthops[0].Gateway
	}
	a, err := netip.ParseAddr(gw)
	return err == nil && a.Is4() != ip.Is4()
}

// ParseRoutes parses `ip -j [-d] route show` or `ip -j route get`.
func ParseRoutes(out []byte) (Routes, error) {
	var routes Routes
	if err := unmarshal(out, &routes); err != nil {
		return nil, fmt.Errorf("parsing ip route output: %w", err)
	}
	return routes, nil
}

// String prints the route the way `ip route` does, with the fields packetwalk's explanations use: type
// (when not unicast), destination, gateway, device, scope (when not global), preferred source, onlink,
// and the next hops of a multipath route.
func (r Route) String() string {
	var b strings.Builder
	if r.Type != "" && r.Type != "unicast" {
		b.WriteString(r.Type + " ")
	}
	b.WriteString(r.Dst)
	if r.Gateway != "" {
		b.WriteString(" via " + r.Gateway)
	}
	if r.Dev != "" {
		b.WriteString(" dev " + r.Dev)
	}
	if r.Scope != "" && r.Scope != "global" {
		b.WriteString(" scope " + r.Scope)
	}
	if r.PrefSrc != "" {
		b.WriteString(" src " + r.PrefSrc)
	}
	if r.OnLink() {
		b.WriteString(" onlink")
	}
	for _, nh := range r.Nexthops {
		b.WriteString(" nexthop")
		if nh.Gateway != "" {
			b.WriteString(" via " + nh.Gateway)
		}
		if nh.Dev != "" {
			b.WriteString(" dev " + nh.Dev)
		}
	}
	return b.String()
}
