package summary

import (
	"bytes"
	"encoding/binary"
)

const (
	maxDNSName     = 255
	maxRequestLine = 200
)

var httpMethods = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("PUT "), []byte("HEAD "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("PATCH "), []byte("CONNECT "), []byte("TRACE "),
}

var httpVersionPrefix = []byte("HTTP/1.")

// parseHTTP recognises an HTTP/1.x request line or status line at the start of a TCP segment. Segments are
// not reassembled: a request line split across segments is not seen, which real clients rarely do.
func parseHTTP(p []byte, f *frame) {
	if len(p) < 12 {
		return
	}
	if p[0] == 'H' && bytes.HasPrefix(p, httpVersionPrefix) && p[8] == ' ' {
		code := 0
		for _, c := range p[9:12] {
			if c < '0' || c > '9' {
				return
			}
			code = code*10 + int(c-'0')
		}
		f.httpStatus = code
		return
	}
	switch p[0] {
	case 'G', 'P', 'H', 'D', 'O', 'C', 'T':
	default:
		return
	}
	for _, m := range httpMethods {
		if !bytes.HasPrefix(p, m) {
			continue
		}
		line := p
		if len(line) > maxRequestLine {
			line = line[:maxRequestLine]
		}
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > len(m) {
			f.httpRequest = line
		}
		return
	}
}

// parseDNS reads a DNS header and its first question, copying the name, lower-cased, into buf (no
// allocation; buf must hold maxDNSName bytes). A message that does not parse leaves dnsName empty.
func parseDNS(p []byte, buf []byte, f *frame) {
	if len(p) < 12 {
		return
	}
	f.isDNS = true
	f.dnsResponse = p[2]&0x80 != 0
	f.dnsRCode = p[3] & 0x0f
	if binary.BigEndian.Uint16(p[4:]) == 0 {
		return
	}
	name := buf[:0]
	i := 12
	for {
		if i >= len(p) {
			return
		}
		n := int(p[i])
		if n == 0 {
			i++
			break
		}
		// A compression pointer in the first question is not something a real resolver sends.
		if n&0xc0 != 0 || i+1+n > len(p) || len(name)+n+1 > maxDNSName {
			return
		}
		if len(name) > 0 {
			name = append(name, '.')
		}
		for _, c := range p[i+1 : i+1+n] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			name = append(name, c)
		}
		i += 1 + n
	}
	if i+2 > len(p) {
		return
	}
	if len(name) == 0 {
		name = append(name, '.')
	}
	f.dnsType = binary.BigEndian.Uint16(p[i:])
	f.dnsName = name
}

// parseQuoted reads the IP header (and ports) that an ICMP error quotes.
func parseQuoted(b []byte) (q quoted) {
	if len(b) == 0 {
		return q
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return q
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 {
			return q
		}
		q.src, q.dst, q.proto, q.ok = addrFrom4(b[12:]), addrFrom4(b[16:]), b[9], true
		if binary.BigEndian.Uint16(b[6:])&0x1fff != 0 || ihl > len(b) {
			return q
		}
		l4 = b[ihl:]
	case 6:
		if len(b) < 40 {
			return q
		}
		q.src, q.dst, q.proto, q.ok = addrFrom16(b[8:]), addrFrom16(b[24:]), b[6], true
		l4 = b[40:]
	default:
		return q
	}
	switch q.proto {
	case protoTCP, protoUDP, protoSCTP, protoUDPLite:
		if len(l4) >= 4 {
			q.hasPorts = true
			q.sport, q.dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		}
	}
	return q
}

// IP protocol numbers.
const (
	protoICMP    = 1
	protoIPIP    = 4
	protoTCP     = 6
	protoUDP     = 17
	protoIPv6    = 41
	protoGRE     = 47
	protoICMPv6  = 58
	protoSCTP    = 132
	protoUDPLite = 136
)
