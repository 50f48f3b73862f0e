package iproute

import (
	"flag"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
)

var update = flag.Bool("update", false, "record the kernel's output into testdata/")

// escName is an interface name the kernel accepts and iproute2 prints raw into its JSON.
const escName = "a\x1bb\x01c"

// escNameFixture is `ip -j -d addr show` of a namespace holding escName, recorded by TestKernelControlByteName.
const escNameFixture = "testdata/ip-j-d-addr-show-esc-name.json"

// TestKernelControlByteName: a link whose name holds ESC is read with its exact name, and so are the other
// links and the routes through it.
func TestKernelControlByteName(t *testing.T) {
	netnslab.RequireRoot(t)
	ns := netnslab.NewNetns(t, "esc")
	netnslab.In(t, ns, "ip", "link", "add", escName, "type", "bridge")
	netnslab.In(t, ns, "ip", "addr", "add", "192.0.2.1/24", "dev", escName)
	netnslab.In(t, ns, "ip", "link", "set", escName, "up")
	addrs := netnslab.In(t, ns, "ip", "-j", "-d", "addr", "show")
	if !strings.Contains(addrs, "a\x1bb") {
		t.Fatalf("iproute2 no longer prints the name raw, the case this test is about:\n%q", addrs)
	}
	checkControlByteName(t, []byte(addrs))
	routes, err := ParseRoutes([]byte(netnslab.In(t, ns, "ip", "-j", "route", "show")))
	if err != nil {
		t.Fatalf("parsing routes: %v", err)
	}
	if r, ok := routes.Lookup(netip.MustParseAddr("192.0.2.9")); !ok || r.Dev != escName {
		t.Errorf("route to 192.0.2.9: %+v, %v; want dev %q", r, ok, escName)
	}
	if *update {
		if err := os.WriteFile(escNameFixture, []byte(addrs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParseLinksControlByteName reads the kernel's output recorded by TestKernelControlByteName.
func TestParseLinksControlByteName(t *testing.T) {
	out, err := os.ReadFile(escNameFixture)
	if err != nil {
		t.Fatal(err)
	}
	checkControlByteName(t, out)
}

func checkControlByteName(t *testing.T, out []byte) {
	t.Helper()
	links, err := ParseLinks(out)
	if err != nil {
		t.Fatalf("parsing links: %v", err)
	}
	l, ok := links.ByName(escName)
	if !ok {
		t.Fatalf("no link named %q in %+v", escName, links)
	}
	if !l.HasIP(netip.MustParseAddr("192.0.2.1")) {
		t.Errorf("%q lost its address: %+v", escName, l)
	}
	if _, ok := links.ByName("lo"); !ok {
		t.Errorf("lo is missing next to %q", escName)
	}
}
