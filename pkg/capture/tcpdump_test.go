package capture

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTcpdumpArgs(t *testing.T) {
	base := []string{"tcpdump", "-i", "any", "-n", "-U", "--immediate-mode", "-w", "-", "-s", "262144", "-Z", "root"}
	tests := []struct {
		name string
		opts TcpdumpOptions
		want []string
	}{
		{"defaults: any, whole packets, not promiscuous", TcpdumpOptions{},
			append(base, "-p")},
		{"named interface", TcpdumpOptions{Interface: "cali35e3a5cb80b"},
			[]string{"tcpdump", "-i", "cali35e3a5cb80b", "-n", "-U", "--immediate-mode", "-w", "-", "-s", "262144", "-Z", "root", "-p"}},
		{"snaplen, count, nanoseconds", TcpdumpOptions{SnapLen: 96, Count: 10, NanoTimestamps: true},
			[]string{"tcpdump", "-i", "any", "-n", "-U", "--immediate-mode", "-w", "-", "-s", "96", "-Z", "root", "-p",
				"--time-stamp-precision=nano", "-c", "10"}},
		{"promiscuous drops -p", TcpdumpOptions{Promiscuous: true}, base},
		{"filter is one argument after --", TcpdumpOptions{Filter: "tcp port 80 and host 10.0.0.1"},
			append(base, "-p", "--", "tcp port 80 and host 10.0.0.1")},
		{"a filter that looks like an option stays the filter", TcpdumpOptions{Filter: "-w /etc/passwd"},
			append(base, "-p", "--", "-w /etc/passwd")},
		{"shell syntax in a filter is just text", TcpdumpOptions{Filter: `port 80; rm -rf / $(id) "'`},
			append(base, "-p", "--", `port 80; rm -rf / $(id) "'`)},
		{"negative count and snaplen mean defaults", TcpdumpOptions{Count: -1, SnapLen: -5},
			append(base, "-p")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, TcpdumpArgs(tt.opts)); diff != "" {
				t.Errorf("TcpdumpArgs(%+v) (-want +got):\n%s", tt.opts, diff)
			}
		})
	}
}

func TestFilterCheckArgs(t *testing.T) {
	tests := []struct {
		iface, filter string
		want          []string
	}{
		{"", "port 80", []string{"tcpdump", "-d", "-i", "any", "--", "port 80"}},
		{"eth0", "-c 1", []string{"tcpdump", "-d", "-i", "eth0", "--", "-c 1"}},
		{"eth0", "", []string{"tcpdump", "-d", "-i", "eth0"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, FilterCheckArgs(tt.iface, tt.filter)); diff != "" {
			t.Errorf("FilterCheckArgs(%q, %q) (-want +got):\n%s", tt.iface, tt.filter, diff)
		}
	}
}

func TestStopOnEOFArgv(t *testing.T) {
	user := []string{"tcpdump", "-i", "any", "--", "port 80; reboot"}
	got := StopOnEOF(user)
	want := append([]string{"/bin/sh", "-c", stopOnEOFScript, "packetwalk-capture"}, user...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StopOnEOF (-want +got):\n%s", diff)
	}
	user[4] = "changed"
	if got[8] != "port 80; reboot" {
		t.Errorf("StopOnEOF shares the caller's slice")
	}
}

func TestInterfaceName(t *testing.T) {
	tests := []struct{ node, iface, label, want string }{
		{"pw-node1", "cali35e3a5cb80b", "default/curl", "pw-node1/cali35e3a5cb80b (default/curl)"},
		{"pw-node1", "eth0", "", "pw-node1/eth0"},
	}
	for _, tt := range tests {
		if got := InterfaceName(tt.node, tt.iface, tt.label); got != tt.want {
			t.Errorf("InterfaceName(%q, %q, %q) = %q, want %q", tt.node, tt.iface, tt.label, got, tt.want)
		}
	}
	if got := (Target{Node: "m03"}).String(); got != "m03/any" {
		t.Errorf("a target without an interface is %q, want m03/any", got)
	}
}
