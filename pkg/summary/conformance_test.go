package summary

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/sharedpcaps"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// The conformance test decodes every capture of the third-party corpus in ../shared/pcaps and compares each
// packet with tshark's decoding (reference/*.tsv, made by reftsv.py; MANIFEST.md explains the columns):
// outer and inner addresses, encapsulation and VNI, transport protocol, ports and TCP flags, and the
// application summary (HTTP, ICMP, ARP, WireGuard).

var tsvColumns = []string{"frame", "linktype", "iface", "pkttype", "outer_src", "outer_dst", "outer_l4", "encap",
	"inner_src", "inner_dst", "proto", "sport", "dport", "tcp_flags", "app", "expert"}

// deviation is a deliberate difference from tshark, for one column of some frames of one file.
type deviation struct {
	file   string
	frames []int // nil: every frame
	column string
	want   string // our value
	why    string
	// oracle, when set, is a file of the corpus that must contain agree: a second opinion on our value.
	oracle, agree string
}

// deviations lists each place where we differ from tshark on purpose, and why.
var deviations = []deviation{
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "outer_l4", want: "udp:47044>4789",
		why: "BIG TCP: the outer IPv4 total length is 0; tshark 4.0 calls the frame malformed and stops at UDP, " +
			"tcpdump and we take the length from the frame",
		oracle: "reference/tcpdump-out/bigtcp-ipv4-vxlan-ipv4.out", agree: "10.25.132.11.47044 > 10.25.132.13.4789: VXLAN, flags [I] (0x08), vni 5001"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "encap", want: "vxlan:5001", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "inner_src", want: "192.168.1.2", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "inner_dst", want: "192.168.1.1", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "proto", want: "tcp", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "sport", want: "36875", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "dport", want: "36449", why: "BIG TCP, as above"},
	{file: "tcpdump-bigtcp-ipv4-vxlan-ipv4.pcap", column: "tcp_flags", want: "P.", why: "BIG TCP, as above",
		oracle: "reference/tcpdump-out/bigtcp-ipv4-vxlan-ipv4.out", agree: "192.168.1.2.36875 > 192.168.1.1.36449: Flags [P.]"},
	{file: "zeek-ipv6-http-atomic-frag.pcap", frames: []int{8, 16, 26, 36}, column: "app", want: "http GET /bad.html",
		why: "the request segments come after the server's ACK of them in the file; tshark calls them spurious " +
			"retransmissions and skips the HTTP dissector, we read the request line in every segment that starts with one"},
	{file: "zeek-tunnels-vxlan-encapsulated-http.pcap", frames: []int{6}, column: "app", want: "http 200",
		why: "the response spans frames 6 to 8: tshark reassembles it and reports the status at the last segment, " +
			"we do not reassemble and report it at the segment that starts with the status line"},
	{file: "zeek-tunnels-vxlan-encapsulated-http.pcap", frames: []int{8}, column: "app", want: "-",
		why: "reassembly, as above"},
}

func TestConformanceWithTshark(t *testing.T) {
	dir := sharedpcaps.Require(t)
	files := sharedpcaps.Files()
	if len(files) != 38 {
		t.Errorf("%d captures in the corpus, MANIFEST.md lists 38", len(files))
	}
	used := map[int]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			ref := readReference(t, path)
			rows, err := decodeForConformance(path)
			if name == "libpcap-linktype-reserved-field-not-zero.pcap" {
				if !errors.Is(err, pcapread.ErrCorrupt) || len(ref) != 0 {
					t.Errorf("want the file refused as libpcap does, got %v with %d reference rows", err, len(ref))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(ref) {
				t.Fatalf("%d packets, tshark has %d", len(rows), len(ref))
			}
			for i, want := range ref {
				got := rows[i]
				for c := 1; c < len(tsvColumns)-1; c++ {
					col := tsvColumns[c]
					w := want[c]
					if di := deviationFor(name, want[0], col); di >= 0 {
						used[di] = true
						w = deviations[di].want
					}
					if got[c] != w {
						t.Errorf("frame %s %s: ours %q, tshark %q\n  tshark: %s\n  ours:   %s", want[0], col, got[c], w,
							strings.Join(want, " | "), strings.Join(got, " | "))
					}
				}
			}
		})
	}
	for i, d := range deviations {
		if !used[i] {
			t.Errorf("deviation %d (%s %s) matched no frame: remove it", i, d.file, d.column)
		}
		if d.oracle != "" {
			b, err := os.ReadFile(filepath.Join(dir, d.oracle))
			if err != nil || !strings.Contains(string(b), d.agree) {
				t.Errorf("deviation %d: %s does not say %q (%v)", i, d.oracle, d.agree, err)
			}
		}
	}
}

func deviationFor(file, frame, column string) int {
	n, _ := strconv.Atoi(frame)
	for i, d := range deviations {
		if d.file != file || d.column != column {
			continue
		}
		if d.frames == nil {
			return i
		}
		for _, f := range d.frames {
			if f == n {
				return i
			}
		}
	}
	return -1
}

// readReference reads tshark's rows for capture, with the link type column cut to its number: EN10MB(1)
// becomes (1).
func readReference(t *testing.T, capture string) [][]string {
	t.Helper()
	rows := sharedpcaps.Reference(t, capture)
	for _, cols := range rows {
		if len(cols) != len(tsvColumns) {
			t.Fatalf("%s: %d columns in %q", capture, len(cols), strings.Join(cols, "\t"))
		}
		cols[1] = cols[1][strings.LastIndexByte(cols[1], '('):]
	}
	return rows
}

// decodeForConformance decodes a capture and renders each packet as a reference row.
func decodeForConformance(path string) ([][]string, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rd, err := pcapread.NewReader(bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	d := newDecoder(nil)
	var rows [][]string
	var p pcapread.Packet
	var f frame
	for {
		if err := rd.Next(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return rows, nil
			}
			return rows, err
		}
		d.decode(&p, &f)
		rows = append(rows, referenceRow(rd, &p, &f, len(rows)+1))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func referenceRow(rd *pcapread.Reader, p *pcapread.Packet, f *frame, n int) []string {
	linkType := fmt.Sprintf("(%d)", p.LinkType)
	iface := ""
	if rd.Format() == pcapread.FormatPcapNG {
		iface = strconv.Itoa(rd.Interfaces()[p.Interface].ID)
	}
	if f.hasIfIndex {
		iface = strconv.FormatUint(uint64(f.ifIndex), 10)
	}
	pktType := ""
	if f.hasPktType {
		pktType = strconv.Itoa(int(f.pktType))
	}
	var outerSrc, outerDst, outerL4, innerSrc, innerDst, proto, sport, dport, flags string
	if f.net != netNone || f.nTunnels > 0 {
		outerSrc, outerDst = f.outerSrc().String(), f.outerDst().String()
	}
	encaps := make([]string, f.nTunnels)
	for i, tu := range f.tunnels[:f.nTunnels] {
		encaps[i] = tu.typ.String()
		if tu.typ == tunnelVXLAN || tu.typ == tunnelVXLANGPE || tu.typ == tunnelGeneve {
			encaps[i] += ":" + strconv.FormatUint(uint64(tu.vni), 10)
		}
	}
	encap := "none"
	if f.nTunnels > 0 {
		encap = strings.Join(encaps, ">")
		if t := f.tunnels[0]; t.sport != 0 || t.dport != 0 {
			outerL4 = fmt.Sprintf("udp:%d>%d", t.sport, t.dport)
		}
		if f.netDepth > 0 {
			innerSrc, innerDst = f.src.String(), f.dst.String()
		}
	}
	var app []string
	switch f.net {
	case netARP:
		proto = "arp"
	case netIPv4, netIPv6:
		proto = protocolName(f.proto)
		if f.hasPorts && (f.proto == protoTCP || f.proto == protoUDP) {
			sport, dport = strconv.Itoa(int(f.sport)), strconv.Itoa(int(f.dport))
		}
		if f.proto == protoTCP && f.hasTCPFlags {
			flags = tcpFlagLetters(f.tcpFlags)
		}
	}
	switch {
	case f.wgType != 0:
		app = append(app, []string{"", "wg-handshake-init", "wg-handshake-resp", "wg-cookie", "wg-data"}[f.wgType])
	case f.net == netARP:
		app = append(app, fmt.Sprintf("arp op %d", f.arpOp))
	case f.proto == protoICMP || f.proto == protoICMPv6:
		if f.net != netNone && !f.fragment {
			app = append(app, fmt.Sprintf("%s %d/%d", protocolName(f.proto), f.icmpType, f.icmpCode))
		}
		if f.quoted.ok {
			q := fmt.Sprintf("quoted %s>%s", f.quoted.src, f.quoted.dst)
			if f.quoted.hasPorts {
				q += fmt.Sprintf(" %s %d>%d", protocolName(f.quoted.proto), f.quoted.sport, f.quoted.dport)
			}
			app = append(app, q)
		}
	case f.httpRequest != nil:
		method, rest, _ := strings.Cut(string(f.httpRequest), " ")
		uri, _, _ := strings.Cut(rest, " ")
		app = append(app, "http "+method+" "+uri)
	case f.httpStatus != 0:
		app = append(app, "http "+strconv.Itoa(f.httpStatus))
	}
	return []string{strconv.Itoa(n), linkType, dash(iface), dash(pktType), dash(outerSrc), dash(outerDst), dash(outerL4),
		encap, dash(innerSrc), dash(innerDst), dash(proto), dash(sport), dash(dport), dash(flags), dash(strings.Join(app, "; "))}
}

func tcpFlagLetters(fl uint8) string {
	s := ""
	for _, b := range []struct {
		bit uint8
		c   string
	}{{tcpSYN, "S"}, {tcpFIN, "F"}, {tcpRST, "R"}, {tcpPSH, "P"}, {tcpURG, "U"}, {tcpECE, "E"}, {tcpCWR, "W"}} {
		if fl&b.bit != 0 {
			s += b.c
		}
	}
	if fl&tcpACK != 0 {
		s += "."
	}
	if s == "" {
		return "none"
	}
	return s
}
