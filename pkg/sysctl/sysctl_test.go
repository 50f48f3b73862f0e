package sysctl

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParseRecorded(t *testing.T) {
	out, err := os.ReadFile("../nodefacts/testdata/calico-vxlan/node1/sysctl-read.txt")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if on, known := tab.ProxyARP("cali35e3a5cb80b"); !on || !known {
		t.Errorf("proxy_arp on cali35e3a5cb80b = %v (known %v)", on, known)
	}
	if on, known := tab.ProxyARP("eth0"); on || !known {
		t.Errorf("proxy_arp on eth0 = %v (known %v)", on, known)
	}
	// An interface name with a dot is written with a slash in the dotted name, as sysctl(8) does.
	if _, ok := tab["net.ipv4.conf.vxlan/calico.proxy_arp"]; !ok {
		t.Errorf("vxlan.calico's proxy_arp missing: keys like %q", keys(tab, "vxlan"))
	}
	if on, known := tab.ProxyARP("vxlan.calico"); on || !known {
		t.Errorf("proxy_arp on vxlan.calico = %v (known %v)", on, known)
	}
	if on, _ := tab.IPForward(); !on {
		t.Error("ip_forward is off on a lab node")
	}
	if _, known := tab.ProxyARP("nope0"); known {
		t.Error("an interface that does not exist has a known proxy_arp")
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("hello world\n")); err == nil {
		t.Error("a line that is not a /proc/sys path was accepted")
	}
}

// TestReadArgvRunsHere runs the reader on this machine, in dash or whatever sh is.
func TestReadArgvRunsHere(t *testing.T) {
	argv := ReadArgv()
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		t.Skipf("cannot run %s here: %v", argv[0], err)
	}
	tab, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, known := tab.IPForward(); !known {
		t.Errorf("ip_forward not read; output:\n%s", out)
	}
	if _, known := tab.ProxyARP("lo"); !known {
		t.Errorf("lo's proxy_arp not read")
	}
}

func keys(t Table, part string) []string {
	var ks []string
	for k := range t {
		if strings.Contains(k, part) {
			ks = append(ks, k)
		}
	}
	return ks
}
