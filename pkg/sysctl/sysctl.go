// Package sysctl reads the network sysctls packetwalk reasons about (ip_forward, and per interface
// proxy_arp, rp_filter, forwarding) from /proc/sys in one command, and parses them into a typed table.
package sysctl

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Table maps a sysctl's dotted name ("net.ipv4.conf.cali1234.proxy_arp") to its value.
type Table map[string]string

// readScript prints "path value" for each sysctl packetwalk reads. It is constant: interface names come from
// the kernel's own directory listing, never from the user. Plain `read` keeps it working in busybox and dash;
// its status is ignored because some kernels report EOF on /proc/sys files even after a full line.
const readScript = `for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding ` +
	`/proc/sys/net/ipv4/conf/*/proxy_arp /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv4/conf/*/forwarding; do ` +
	`v=; [ -r "$f" ] && read -r v < "$f"; [ -n "$v" ] && printf '%s %s\n' "$f" "$v"; done; exit 0`

// ReadArgv is the argv that prints the sysctls Parse reads.
func ReadArgv() []string { return []string{"sh", "-c", readScript, "sysctl-read"} }

// Parse parses the output of ReadArgv.
func Parse(out []byte) (Table, error) {
	t := Table{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		path, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(path, "/proc/sys/") {
			return nil, fmt.Errorf("parsing sysctl output: unexpected line %q", line)
		}
		t[Name(path)] = strings.TrimSpace(value)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parsing sysctl output: %w", err)
	}
	return t, nil
}

// Name turns a /proc/sys path into the dotted sysctl name. Interface names may contain dots
// (vxlan.calico); the kernel shows those as slashes in dotted names, as sysctl(8) does.
func Name(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/proc/sys/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, ".", "/")
	}
	return strings.Join(parts, ".")
}

// IfaceKey is the dotted name of an interface sysctl, e.g. IfaceKey("ipv4", "cali1", "proxy_arp").
func IfaceKey(family, iface, key string) string {
	return "net." + family + ".conf." + strings.ReplaceAll(iface, ".", "/") + "." + key
}

// Int returns the integer value of name.
func (t Table) Int(name string) (int, bool) {
	v, ok := t[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// ProxyARP reports net.ipv4.conf.IFACE.proxy_arp; known is false when it was not read.
func (t Table) ProxyARP(iface string) (on, known bool) {
	n, ok := t.Int(IfaceKey("ipv4", iface, "proxy_arp"))
	return n != 0, ok
}

// RPFilter returns net.ipv4.conf.IFACE.rp_filter: 0 off, 1 strict, 2 loose.
func (t Table) RPFilter(iface string) (mode int, known bool) {
	return t.Int(IfaceKey("ipv4", iface, "rp_filter"))
}

// IPForward reports net.ipv4.ip_forward.
func (t Table) IPForward() (on, known bool) {
	n, ok := t.Int("net.ipv4.ip_forward")
	return n != 0, ok
}
