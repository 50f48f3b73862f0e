package netfilter

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/netnslab"
)

var update = flag.Bool("update", false, "record the kernel's output into testdata")

// TestKernelKubeProxyRules loads kube-proxy's own rules into fresh namespaces and reads them back the way a
// helper pod does, checking that the parsers understand what the kernel really prints.
func TestKernelKubeProxyRules(t *testing.T) {
	netnslab.RequireRoot(t, "iptables-restore", "iptables-save", "nft")

	ipt := netnslab.NewNetns(t, "vt-ipt")
	rules, err := os.ReadFile("testdata/source/kube-proxy-iptables.rules")
	if err != nil {
		t.Fatal(err)
	}
	// One table per restore: this kernel's iptables-nft refuses the two tables in one transaction.
	for _, table := range splitTables(string(rules)) {
		netnslab.InWithStdin(t, ipt, table, "iptables-restore")
	}
	saved := netnslab.In(t, ipt, IPTablesSaveArgv()...)

	nftNs := netnslab.NewNetns(t, "vt-nft")
	netnslab.In(t, nftNs, "nft", "-f", "testdata/source/kube-proxy-nftables.nft")
	listed := netnslab.In(t, nftNs, NFTListArgv()...)

	nat, err := ParseIPTablesSave([]byte(saved))
	if err != nil {
		t.Fatal(err)
	}
	nft, err := ParseNFT([]byte(listed))
	if err != nil {
		t.Fatal(err)
	}
	p := Packet{Dst: netip.MustParseAddr("172.30.0.44"), DstPort: 80, Protocol: "tcp"}
	for name, tr := range map[string]func() (Translation, bool){
		"iptables": func() (Translation, bool) { return nat.Translate(p) },
		"nftables": func() (Translation, bool) { return nft.Translate(p) },
	} {
		got, ok := tr()
		if !ok || len(got.Endpoints) != 2 || got.Endpoints[0].Address != "10.180.0.4:80" || got.Endpoints[1].Address != "10.180.0.5:80" {
			t.Errorf("%s: 172.30.0.44:80 translates to %+v (ok %v), want 10.180.0.4:80 and 10.180.0.5:80", name, got, ok)
		}
	}
	if *update {
		write(t, "testdata/kube-proxy-iptables-save.txt", saved)
		write(t, "testdata/kube-proxy-nft.json", listed)
	}
}

func splitTables(rules string) []string {
	var tables []string
	cur := ""
	for _, line := range splitLines(rules) {
		cur += line + "\n"
		if line == "COMMIT" {
			tables = append(tables, cur)
			cur = ""
		}
	}
	return tables
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}
