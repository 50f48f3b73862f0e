package summary

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestDecodeSLL2PlainAndVXLAN(t *testing.T) {
	seg := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 43512, dport: 8080, flags: tcpPSH | tcpACK,
		seq: 1000, ack: 2000, ipID: 77, payload: []byte("GET /status/418 HTTP/1.1\r\nHost: httpbin\r\n\r\n")}
	d := newDecoder([]uint16{9999})
	ts := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name    string
		data    []byte
		tunnels []tunnel
		ifindex uint32
	}{
		{"plain on the veth", seg.plain(t, 19), nil, 19},
		{"vxlan 4789 on eth0", seg.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 4789, 4096), []tunnel{{typ: tunnelVXLAN, hasVNI: true,
			vni: 4096, src: ip("192.168.49.2"), dst: ip("192.168.49.3"), sport: 40000 + 512, dport: 4789}}, 2},
		{"vxlan 8472 on flannel's eth0", seg.vxlan(t, 2, "192.168.49.2", "192.168.49.3", 8472, 1), []tunnel{{typ: tunnelVXLAN,
			hasVNI: true, vni: 1, src: ip("192.168.49.2"), dst: ip("192.168.49.3"), sport: 40512, dport: 8472}}, 2},
		{"vxlan on a port given by option", seg.vxlan(t, 3, "10.0.0.1", "10.0.0.2", 9999, 7), []tunnel{{typ: tunnelVXLAN,
			hasVNI: true, vni: 7, src: ip("10.0.0.1"), dst: ip("10.0.0.2"), sport: 40512, dport: 9999}}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f frame
			d.decode(packetOf(layers.LinkTypeLinuxSLL2, ts, tc.data), &f)
			if f.err != nil {
				t.Fatalf("decode error in %s: %v", f.errLayer, f.err)
			}
			if !f.hasIfIndex || f.ifIndex != tc.ifindex {
				t.Errorf("ifindex %d (%v), want %d", f.ifIndex, f.hasIfIndex, tc.ifindex)
			}
			if got := f.tunnels[:f.nTunnels]; len(got) != len(tc.tunnels) || (len(got) > 0 && got[0] != tc.tunnels[0]) {
				t.Errorf("tunnels %+v, want %+v", got, tc.tunnels)
			}
			if f.net != netIPv4 || f.src != ip("10.244.1.5") || f.dst != ip("10.244.2.7") || f.proto != protoTCP ||
				f.sport != 43512 || f.dport != 8080 || f.seq != 1000 || f.ack != 2000 || f.ipID != 77 ||
				f.tcpFlags != tcpPSH|tcpACK || f.netDepth != len(tc.tunnels) {
				t.Errorf("inner packet decoded as %s:%d > %s:%d proto %d seq %d ack %d id %d flags %#x depth %d",
					f.src, f.sport, f.dst, f.dport, f.proto, f.seq, f.ack, f.ipID, f.tcpFlags, f.netDepth)
			}
			if string(f.httpRequest) != "GET /status/418 HTTP/1.1" {
				t.Errorf("request line %q", f.httpRequest)
			}
		})
	}
}

// TestSLLOversizedAddressIsClamped: gopacket drops such frames; the address field is 8 bytes whatever the
// length says, so the frame decodes.
func TestSLLOversizedAddressIsClamped(t *testing.T) {
	seg := tcpSeg{src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, flags: tcpSYN}
	for _, lt := range []layers.LinkType{layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
		var hdr []byte
		if lt == layers.LinkTypeLinuxSLL {
			hdr = make([]byte, sllHeaderLen)
			binary.BigEndian.PutUint16(hdr[4:], 50438)
			binary.BigEndian.PutUint16(hdr[14:], etherTypeIPv4)
		} else {
			hdr = sll2Header(etherTypeIPv4, 4, 0)
			hdr[11] = 200
		}
		var f frame
		newDecoder(nil).decode(packetOf(lt, time.Now(), append(hdr, serialize(t, seg.layers()...)...)), &f)
		if f.err != nil || !f.sllClamped || f.src != ip("10.0.0.1") || f.tcpFlags != tcpSYN {
			t.Errorf("link type %d: err %v, clamped %v, src %s, flags %#x", lt, f.err, f.sllClamped, f.src, f.tcpFlags)
		}
	}
}

func TestDecodeICMPFragmentationNeeded(t *testing.T) {
	inner := serialize(t, tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 43512, dport: 8080, flags: tcpACK,
		payload: bytes.Repeat([]byte("x"), 1400)}.layers()...)
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 4), Seq: 1450}
	outer := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: ip("192.168.49.1").netip().AsSlice(), DstIP: ip("10.244.1.5").netip().AsSlice()}
	data := serialize(t, outer, icmp, gopacket.Payload(inner[:28]))
	var f frame
	newDecoder(nil).decode(packetOf(layers.LinkTypeRaw, time.Now(), data), &f)
	q := f.quoted
	if !f.icmpError || f.mtu != 1450 || !q.ok || q.src != ip("10.244.1.5") || q.dst != ip("10.244.2.7") || q.sport != 43512 || q.dport != 8080 {
		t.Errorf("icmp error %v mtu %d quoted %+v", f.icmpError, f.mtu, q)
	}
}

func TestDecodeDNS(t *testing.T) {
	q := &layers.DNS{ID: 7, RD: true, Questions: []layers.DNSQuestion{{Name: []byte("HTTPBin.Default.svc.cluster.local"),
		Type: layers.DNSTypeAAAA, Class: layers.DNSClassIN}}}
	r := *q
	r.QR, r.ResponseCode = true, layers.DNSResponseCodeNXDomain
	for _, tc := range []struct {
		msg      *layers.DNS
		response bool
	}{{q, false}, {&r, true}} {
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 244, 1, 5}, DstIP: []byte{10, 96, 0, 10}}
		udp := &layers.UDP{SrcPort: 40000, DstPort: 53}
		_ = udp.SetNetworkLayerForChecksum(ip4)
		var f frame
		newDecoder(nil).decode(packetOf(layers.LinkTypeRaw, time.Now(), serialize(t, ip4, udp, tc.msg)), &f)
		wantRCode := uint8(0)
		if tc.response {
			wantRCode = 3
		}
		if !f.isDNS || f.dnsResponse != tc.response || string(f.dnsName) != "httpbin.default.svc.cluster.local" ||
			f.dnsType != uint16(layers.DNSTypeAAAA) || f.dnsRCode != wantRCode {
			t.Errorf("dns %v response %v name %q type %d rcode %d", f.isDNS, f.dnsResponse, f.dnsName, f.dnsType, f.dnsRCode)
		}
	}
}

func ip(s string) addr { return addrFromNetip(netip.MustParseAddr(s)) }

// BenchmarkDecode measures the decode loop on the packet mix of an `-i any` node capture: plain pod
// traffic and its VXLAN-encapsulated copy. It must not allocate.
func BenchmarkDecode(b *testing.B) {
	seg := tcpSeg{src: "10.244.1.5", dst: "10.244.2.7", sport: 43512, dport: 8080, flags: tcpACK | tcpPSH,
		seq: 1, ack: 1, payload: bytes.Repeat([]byte("y"), 1400)}
	pkts := []*[]byte{}
	plain, vx := seg.plain(b, 19), seg.vxlan(b, 2, "192.168.49.2", "192.168.49.3", 4789, 4096)
	pkts = append(pkts, &plain, &vx)
	d := newDecoder(nil)
	var f frame
	p := packetOf(layers.LinkTypeLinuxSLL2, time.Unix(1, 0), nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Data = *pkts[i&1]
		p.CaptureLength, p.Length = len(p.Data), len(p.Data)
		d.decode(p, &f)
	}
	if f.err != nil {
		b.Fatal(f.err)
	}
}
