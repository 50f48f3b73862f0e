package iproute

import (
	"net/netip"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorded reads output the kernel lab recorded (pkg/nodefacts/testdata).
func recorded(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../nodefacts/testdata/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseLinksVethAndVXLAN(t *testing.T) {
	node, err := ParseLinks(recorded(t, "calico-vxlan/node1/ip-j-d-addr-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	pod, err := ParseLinks(recorded(t, "calico-vxlan/node1/curl-ip-j-d-addr-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	eth0, ok := pod.ByName("eth0")
	if !ok || eth0.Kind() != "veth" || eth0.PeerIndex == 0 || eth0.PeerNetnsID == nil || !eth0.Up() {
		t.Fatalf("pod eth0 = %+v", eth0)
	}
	cali, ok := node.ByIndex(eth0.PeerIndex)
	if !ok || cali.Name != "cali35e3a5cb80b" || cali.PeerIndex != eth0.Index || cali.MAC != "ee:ee:ee:ee:ee:ee" || cali.MTU != 1450 {
		t.Errorf("node ifindex %d = %+v", eth0.PeerIndex, cali)
	}
	if !eth0.HasIP(netip.MustParseAddr("10.244.1.5")) || !eth0.HasIP(netip.MustParseAddr("fd00:10:244:1::5")) || eth0.HasIP(netip.MustParseAddr("10.244.1.6")) {
		t.Errorf("eth0 addresses = %+v", eth0.Addrs)
	}
	vx, _ := node.ByName("vxlan.calico")
	want := &InfoData{ID: 4096, Port: 4789, Local: "10.201.0.11", Dev: "eth0", Learning: new(bool)}
	if diff := cmp.Diff(want, vx.Info.Data); diff != "" {
		t.Errorf("vxlan.calico info (-want +got):\n%s", diff)
	}
	if l, ok := node.WithIP(netip.MustParseAddr("10.244.1.0")); !ok || l.Name != "vxlan.calico" {
		t.Errorf("10.244.1.0 is on %q", l.Name)
	}
	lo, _ := node.ByName("lo")
	if lo.Kind() != "" || lo.LinkType != "loopback" {
		t.Errorf("lo = %+v", lo)
	}
}

func TestParseLinksBridgePortsAndCollectMetadataVXLAN(t *testing.T) {
	fl, err := ParseLinks(recorded(t, "flannel/node1/ip-j-d-addr-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	ports := 0
	for _, l := range fl {
		if l.Master == "cni0" {
			ports++
			if l.Info == nil || l.Info.SlaveKind != "bridge" {
				t.Errorf("%s on cni0 has slave kind %+v", l.Name, l.Info)
			}
		}
	}
	if ports != 2 {
		t.Errorf("%d ports on cni0, want 2", ports)
	}
	cil, err := ParseLinks(recorded(t, "cilium/node1/ip-j-d-addr-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	vx, _ := cil.ByName("cilium_vxlan")
	if vx.Kind() != "vxlan" || vx.Info.Data.ID != 0 || vx.Info.Data.Port != 8472 {
		t.Errorf("cilium_vxlan = %+v", vx.Info.Data)
	}
	tunl0 := recorded(t, "calico-ipip/node1/ip-j-d-addr-show.json")
	ls, err := ParseLinks(tunl0)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := ls.ByName("tunl0"); l.Kind() != "ipip" || !l.HasFlag("NOARP") || l.Info.Data.Local != "any" {
		t.Errorf("tunl0 = %+v", l)
	}
}

func TestParseRoutesAndLookup(t *testing.T) {
	rs, err := ParseRoutes(recorded(t, "calico-vxlan/node1/ip-j-d-4-route-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	six, err := ParseRoutes(recorded(t, "calico-vxlan/node1/ip-j-d-6-route-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	rs = append(rs, six...)
	tests := []struct {
		dst  string
		want string
	}{
		{"10.244.1.5", "10.244.1.5 dev cali35e3a5cb80b"},
		{"10.244.2.7", "10.244.2.0/26 via 10.244.2.0 dev vxlan.calico onlink"},
		{"10.201.0.12", "10.201.0.0/24 dev eth0"},
		{"192.0.2.1", "default via 10.201.0.1 dev eth0 onlink"},
		{"fd00:10:244:1::5", "fd00:10:244:1::5 dev cali35e3a5cb80b"},
		// The table has an IPv4 default route only: an IPv6 address elsewhere has no route.
		{"fd00:10:244:2::7", "none"},
		// Calico's blackhole for the node's own block: a block address with no pod behind it is dropped.
		{"10.244.1.9", "blackhole 10.244.1.0/26"},
	}
	for _, tt := range tests {
		r, ok := rs.Lookup(netip.MustParseAddr(tt.dst))
		got := "none"
		if ok {
			got = r.Dst
			if r.Type == "blackhole" {
				got = "blackhole " + r.Dst
			}
			if r.Gateway != "" {
				got += " via " + r.Gateway
			}
			if r.Dev != "" {
				got += " dev " + r.Dev
			}
			if r.OnLink() {
				got += " onlink"
			}
		}
		if got != tt.want {
			t.Errorf("Lookup(%s) = %s, want %s", tt.dst, got, tt.want)
		}
	}
	var blackhole bool
	for _, r := range rs {
		if r.Type == "blackhole" && r.Dst == "10.244.1.0/26" && r.Protocol == "80" {
			blackhole = true
		}
	}
	if !blackhole {
		t.Error("Calico's blackhole route for the node's block was not parsed")
	}
}

func TestRouteMTUAndRouteGet(t *testing.T) {
	rs, err := ParseRoutes(recorded(t, "cilium/node1/curl-ip-j-d-4-route-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Dst == "default" && (r.MTU() != 1450 || r.Gateway != "10.0.1.197") {
			t.Errorf("Cilium pod default route = %+v, MTU %d", r, r.MTU())
		}
	}
	got, err := ParseRoutes(recorded(t, "calico-vxlan/node1/curl-ip-j-route-get-192.0.2.1.json"))
	if err != nil || len(got) != 1 || got[0].Gateway != "169.254.1.1" || got[0].PrefSrc != "10.244.1.5" {
		t.Errorf("route get = %+v, %v", got, err)
	}
	empty, err := ParseRoutes(recorded(t, "calico-vxlan/node1/httpbin-0-ip-j-route-get-2001-db8-1.json"))
	if err != nil || len(empty) != 0 {
		t.Errorf("route get without an IPv6 route = %+v, %v", empty, err)
	}
}

func TestParseNeighboursAndFDB(t *testing.T) {
	ns, err := ParseNeighbours(recorded(t, "calico-vxlan/node1/ip-j-neigh-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	vtep, ok := ns.Find("10.244.2.0", "vxlan.calico")
	if !ok || !vtep.Permanent() || !vtep.Resolved() || vtep.LLAddr != "66:a4:f1:00:00:02" {
		t.Errorf("VTEP neighbour = %+v", vtep)
	}
	fdb, err := ParseFDB(recorded(t, "calico-vxlan/node1/bridge-j-fdb-show.json"))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := fdb.Find("66:a4:f1:00:00:02", "vxlan.calico"); !ok || e.Dst != "10.201.0.12" {
		t.Errorf("FDB entry = %+v", e)
	}
	if n := (Neighbour{Dst: "10.0.0.1", State: []string{"FAILED"}}); n.Resolved() {
		t.Error("a FAILED entry without lladdr counts as resolved")
	}
}

func TestParseEmptyAndBrokenOutput(t *testing.T) {
	for _, in := range []string{"", "\n", "[]"} {
		if ls, err := ParseLinks([]byte(in)); err != nil || len(ls) != 0 {
			t.Errorf("ParseLinks(%q) = %v, %v", in, ls, err)
		}
	}
	if _, err := ParseRoutes([]byte(`[{"dst":`)); err == nil {
		t.Error("truncated JSON was accepted")
	}
}

func TestArgv(t *testing.T) {
	got := [][]string{AddrShow(), RouteShow("inet"), RouteShow("inet6"), RouteGet("10.96.0.10"), NeighShow(), FDBShow()}
	want := [][]string{
		{"ip", "-j", "-d", "addr", "show"},
		{"ip", "-j", "-d", "-4", "route", "show"},
		{"ip", "-j", "-d", "-6", "route", "show"},
		{"ip", "-j", "route", "get", "10.96.0.10"},
		{"ip", "-j", "neigh", "show"},
		{"bridge", "-j", "fdb", "show"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
}

func TestRouteStringReadsLikeIPRoute(t *testing.T) {
	for _, tc := range []struct {
		r    Route
		want string
	}{
		{Route{Dst: "10.244.2.0/24", Gateway: "10.244.2.0", Dev: "flannel.1", Flags: []string{"onlink"}},
			"10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"},
		{Route{Dst: "10.244.1.6", Dev: "cali198f7a34fc7", Scope: "link"}, "10.244.1.6 dev cali198f7a34fc7 scope link"},
		{Route{Dst: "default", Gateway: "169.254.1.1", Dev: "eth0", Scope: "global", PrefSrc: "10.244.1.5"},
			"default via 169.254.1.1 dev eth0 src 10.244.1.5"},
		{Route{Type: "local", Dst: "10.201.0.11", Dev: "eth0", Scope: "host"}, "local 10.201.0.11 dev eth0 scope host"},
		{Route{Dst: "10.0.0.0/8", Nexthops: []Nexthop{{Gateway: "10.1.0.1", Dev: "eth0"}, {Dev: "eth1"}}},
			"10.0.0.0/8 nexthop via 10.1.0.1 dev eth0 nexthop dev eth1"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
