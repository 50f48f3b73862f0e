package summary

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// bigTCPPayload is the TCP payload of the BIG TCP packets below: over 64 KiB, so no IP length field holds it.
const bigTCPPayload = 90000

// bigTCPFrame is an Ethernet frame of a BIG TCP segment of bigTCPPayload bytes, as tcpdump records it with a
// snap length of 128: every IP and UDP length field 0 (Linux writes IPv6 BIG TCP without a hop-by-hop jumbo
// header), only the headers and a few payload bytes captured.
func bigTCPFrame(t testing.TB, inner6 bool, tunnel string) *pcapread.Packet {
	t.Helper()
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 5001, ACK: true, PSH: true, Seq: 1, Ack: 1, Window: 64}
	var innerIP gopacket.SerializableLayer
	innerType := layers.EthernetTypeIPv4
	if inner6 {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: net.ParseIP("fd0a::1"), DstIP: net.ParseIP("fd0a::2")}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		innerIP, innerType = ip, layers.EthernetTypeIPv6
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 244, 1, 5}, DstIP: net.IP{10, 244, 2, 7}}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		innerIP = ip
	}
	var ls []gopacket.SerializableLayer
	var lengths []int // offsets of the length fields to clear
	switch tunnel {
	case "":
		ls = []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: innerType}, innerIP, tcp}
		lengths = []int{14 + lengthField(inner6)}
	case "vxlan over ipv4":
		outer := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{192, 168, 49, 2}, DstIP: net.IP{192, 168, 49, 3}}
		udp := &layers.UDP{SrcPort: 41000, DstPort: 4789}
		_ = udp.SetNetworkLayerForChecksum(outer)
		ls = []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: layers.EthernetTypeIPv4}, outer, udp,
			&layers.VXLAN{ValidIDFlag: true, VNI: 4096}, &layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: innerType}, innerIP, tcp}
		lengths = []int{14 + 2, 14 + 20 + 4, 14 + 20 + 8 + 8 + 14 + lengthField(inner6)}
	case "vxlan over ipv6":
		outer := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP("fd00::2"), DstIP: net.ParseIP("fd00::3")}
		udp := &layers.UDP{SrcPort: 41000, DstPort: 4789}
		_ = udp.SetNetworkLayerForChecksum(outer)
		ls = []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: layers.EthernetTypeIPv6}, outer, udp,
			&layers.VXLAN{ValidIDFlag: true, VNI: 4096}, &layers.Ethernet{SrcMAC: mac, DstMAC: mac, EthernetType: innerType}, innerIP, tcp}
		lengths = []int{14 + 4, 14 + 40 + 4, 14 + 40 + 8 + 8 + 14 + lengthField(inner6)}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, append(ls, gopacket.Payload(make([]byte, 20)))...); err != nil {
		t.Fatal(err)
	}
	data := append([]byte(nil), buf.Bytes()...)
	for _, o := range lengths {
		data[o], data[o+1] = 0, 0
	}
	return &pcapread.Packet{LinkType: layers.LinkTypeEthernet, Timestamp: time.Unix(1700000000, 0), CaptureLength: len(data),
		Length: len(data) - 20 + bigTCPPayload, Data: data}
}

func lengthField(ipv6 bool) int {
	if ipv6 {
		return 4
	}
	return 2
}

// TestBigTCP: BIG TCP packets, IPv4 and IPv6, plain and inside VXLAN over either family, are TCP flows of
// their full length, not malformed frames.
func TestBigTCP(t *testing.T) {
	for _, tunnel := range []string{"", "vxlan over ipv4", "vxlan over ipv6"} {
		for _, inner6 := range []bool{false, true} {
			name := map[bool]string{false: "ipv4", true: "ipv6"}[inner6] + " " + tunnel
			t.Run(name, func(t *testing.T) {
				s := New(Options{})
				s.AddPacket(bigTCPFrame(t, inner6, tunnel))
				r := s.Report()
				if r.Capture.Malformed != 0 || len(r.DecodeErrors) != 0 {
					t.Fatalf("malformed: %+v", r.DecodeErrors)
				}
				fl := onlyFlow(t, r)
				hdr := map[bool]int64{false: 20, true: 40}[inner6] + 20
				if fl.Protocol != "tcp" || fl.Server.Port != 5001 || fl.Client.Port != 40000 || fl.ClientToServer.Bytes+fl.ServerToClient.Bytes != hdr+bigTCPPayload {
					t.Errorf("flow %s %+v → %+v, %+v/%+v; want tcp 40000 → 5001 of %d bytes", fl.Protocol, fl.Client, fl.Server,
						fl.ClientToServer, fl.ServerToClient, hdr+bigTCPPayload)
				}
				if wantTunnel := tunnel != ""; hasTunnel(fl) != wantTunnel {
					t.Errorf("observations %+v, tunnel expected: %v", fl.Observations, wantTunnel)
				}
			})
		}
	}
}
