package api

import "time"

// KindSummary is the Kind of a Summary.
const KindSummary = "Summary"

// Summary is `kubectl packetwalk summarize -o json` and the final object of `capture --summary -o json`: what
// a capture shows, flow by flow, with the problems found in it. docs/summary-json.md documents every field.
type Summary struct {
	TypeMeta `json:",inline"`
	Capture  CaptureStats `json:"capture"`
	// Flows are sorted by bytes, largest first.
	Flows []Flow `json:"flows"`
	// Notes are the problems and facts worth a person's attention, most serious first, one line each. The
	// typed lists below (DNAT, ARP, ICMPErrors, DNS, DecodeErrors) hold the same facts as data.
	Notes        []SummaryNote      `json:"notes,omitempty"`
	DNAT         []DNATPair         `json:"dnat,omitempty"`
	ARP          []ARPEntry         `json:"arp,omitempty"`
	ICMPErrors   []ICMPError        `json:"icmpErrors,omitempty"`
	DNS          []DNSQuery         `json:"dns,omitempty"`
	DecodeErrors []DecodeErrorCount `json:"decodeErrors,omitempty"`
}

// CaptureStats describes the capture as a whole.
type CaptureStats struct {
	// Format is "pcap" or "pcapng"; empty when packets were handed to the summarizer one by one.
	Format string     `json:"format,omitempty"`
	Start  *time.Time `json:"start,omitempty"`
	End    *time.Time `json:"end,omitempty"`
	// Packets counts every frame read and Bytes their length on the wire. UniquePackets leaves out Copies:
	// frames that are a packet already seen at another interface (plain on a pod's veth and encapsulated on
	// eth0, or on a veth and a bridge in an `-i any` capture).
	Packets       int64 `json:"packets"`
	Bytes         int64 `json:"bytes"`
	UniquePackets int64 `json:"uniquePackets"`
	Copies        int64 `json:"copies"`
	// NonIP counts frames with no IP packet (ARP, LLC, unknown link-layer protocols).
	NonIP int64 `json:"nonIP"`
	// CutBySnaplen counts frames captured shorter than they were on the wire.
	CutBySnaplen int64 `json:"cutBySnaplen,omitempty"`
	// Malformed counts frames with a header that could not be decoded (see DecodeErrors).
	Malformed int64 `json:"malformed"`
	// SkippedRecords counts packet records the reader could not return (e.g. naming an undescribed interface).
	SkippedRecords int64 `json:"skippedRecords,omitempty"`
	// NotDecoded counts the frames of link types the summarizer does not decode (PPP, …), by link type.
	NotDecoded []LinkTypeCount `json:"notDecoded,omitempty"`
	// Truncated is set when the stream ended inside a record; ReadError says how reading ended if not cleanly.
	Truncated  bool               `json:"truncated,omitempty"`
	ReadError  string             `json:"readError,omitempty"`
	Interfaces []CaptureInterface `json:"interfaces,omitempty"`
	// OtherInterfacePackets counts the frames at interfaces beyond the first 4096, which are not listed.
	OtherInterfacePackets int64          `json:"otherInterfacePackets,omitempty"`
	FlowTable             FlowTableStats `json:"flowTable"`
}

// LinkTypeCount counts the frames of one link type.
type LinkTypeCount struct {
	LinkType string `json:"linkType"`
	Frames   int64  `json:"frames"`
}

// CaptureInterface is one interface of the capture file, or one interface index seen in the Linux cooked
// headers of an `-i any` capture.
type CaptureInterface struct {
	// ID is the capture file's interface number (across pcapng sections); IfIndex is the node's interface
	// index from a Linux cooked (SLL2) header, 0 when the link type has none.
	ID      int `json:"id"`
	IfIndex int `json:"ifIndex,omitempty"`
	// Name comes from the pcapng interface block or, for an ifindex, from the node's link table (--links).
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Node        string `json:"node,omitempty"`
	// LinkType is the libpcap link-type name, e.g. "LINUX_SLL2", "EN10MB".
	LinkType string `json:"linkType"`
	Packets  int64  `json:"packets"`
}

// FlowTableStats says how the bounded flow table coped.
type FlowTableStats struct {
	MaxFlows int   `json:"maxFlows"`
	Flows    int64 `json:"flows"`
	// Evicted counts finished or idle flows removed to make room; their problems are still in the notes.
	// Dropped counts flows still active when they had to be removed because the table was full.
	Evicted int64 `json:"evicted"`
	Dropped int64 `json:"dropped"`
}

// Flow is one conversation, keyed by its innermost 5-tuple: a packet seen plain on a veth and VXLAN-encapsulated
// on eth0 belongs to one flow, observed twice.
type Flow struct {
	// Protocol is "tcp", "udp", "icmp", "icmpv6", "sctp" or "ip/N" for another IP protocol number.
	Protocol string `json:"protocol"`
	// Client started the flow (sent the SYN, the first packet, or uses the higher port when neither is known:
	// RolesGuessed then says so).
	Client       FlowEndpoint `json:"client"`
	Server       FlowEndpoint `json:"server"`
	RolesGuessed bool         `json:"rolesGuessed,omitempty"`
	FirstSeen    time.Time    `json:"firstSeen"`
	LastSeen     time.Time    `json:"lastSeen"`
	// ClientToServer and ServerToClient count unique packets; Copies counts the extra sightings of a packet
	// at other interfaces, which are not in those counts.
	ClientToServer FlowCounters `json:"clientToServer"`
	ServerToClient FlowCounters `json:"serverToClient"`
	Copies         int64        `json:"copies,omitempty"`
	// State is one of the FlowState* constants.
	State string `json:"state"`
	// Observations are the points the flow was seen at: interface and encapsulation.
	Observations []FlowObservation `json:"observations"`
	TCP          *TCPInfo          `json:"tcp,omitempty"`
	HTTP         *HTTPInfo         `json:"http,omitempty"`
	// DNS is the flow's first DNS question, with this flow's counts.
	DNS *DNSQuery `json:"dns,omitempty"`
	// DNAT is set when this flow is one side of a Service translation seen in the capture.
	DNAT *FlowDNAT `json:"dnat,omitempty"`
	// ICMPErrors counts ICMP errors that quote a packet of this flow.
	ICMPErrors int64 `json:"icmpErrors,omitempty"`
	// Fragments counts the IP fragments of the flow's packets, the first ones included.
	Fragments int64 `json:"fragments,omitempty"`
	// Done is set when the flow finished (FIN both ways, RST, DNS answered), went idle or was evicted before
	// the end of the capture.
	Done bool `json:"done,omitempty"`
}

// Flow states.
const (
	FlowStateEstablished   = "established"    // TCP handshake completed, not closed
	FlowStateClosed        = "closed"         // TCP FIN in both directions
	FlowStateReset         = "reset"          // TCP RST after the handshake
	FlowStateRefused       = "refused"        // TCP SYN answered by RST
	FlowStateSynUnanswered = "syn-unanswered" // TCP SYN with no SYN-ACK
	FlowStateSynAckOnly    = "syn-ack-seen"   // SYN-ACK seen but not the final ACK
	FlowStateMidStream     = "mid-stream"     // TCP flow whose start is not in the capture
	FlowStateAnswered      = "answered"       // UDP/ICMP with packets both ways
	FlowStateOneWay        = "one-way"        // UDP/ICMP with packets in one direction only
)

// FlowEndpoint is one end of a flow.
type FlowEndpoint struct {
	IP   string `json:"ip"`
	Port int    `json:"port,omitempty"`
	// Name is what the IP is known as: "default/curl" for a pod, "svc default/httpbin" for a Service, a node.
	Name string `json:"name,omitempty"`
}

// FlowCounters count packets and bytes (on the wire, innermost packets' outer frames included) one way.
type FlowCounters struct {
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
}

// FlowObservation is one place a flow was seen: an interface, and the tunnel headers around it there.
type FlowObservation struct {
	Interface string `json:"interface"`
	// Encapsulation lists the tunnel headers from the outermost in; empty when the flow was seen plain.
	Encapsulation []TunnelHeader `json:"encapsulation,omitempty"`
	Packets       int64          `json:"packets"`
}

// TunnelHeader is one encapsulation layer.
type TunnelHeader struct {
	// Type is "ipip", "6in4", "4in6", "6in6", "gre", "erspan", "vxlan", "vxlan-gpe", "nsh", "geneve" or "wireguard".
	Type string `json:"type"`
	// VNI is the VXLAN, VXLAN-GPE or Geneve network identifier.
	VNI *uint32 `json:"vni,omitempty"`
	// Source and Destination are the outer IP header around this layer (the node pair), oriented from the
	// flow's client; Destination.Port is a UDP tunnel's port (4789, 8472, 6081, …). They are absent only when
	// the summary had too many distinct tunnels to keep them all.
	Source      *FlowEndpoint `json:"source,omitempty"`
	Destination *FlowEndpoint `json:"destination,omitempty"`
}

// TCPInfo is what the TCP headers of a flow showed.
type TCPInfo struct {
	HandshakeCompleted bool  `json:"handshakeCompleted"`
	SYNs               int64 `json:"syns"`
	Resets             int64 `json:"resets"`
	// Retransmissions counts segments seen again at the same observation point; a packet seen once on a veth
	// and once encapsulated on eth0 is not a retransmission.
	Retransmissions int64 `json:"retransmissions"`
	ClientFIN       bool  `json:"clientFIN,omitempty"`
	ServerFIN       bool  `json:"serverFIN,omitempty"`
}

// HTTPInfo is the HTTP/1.x seen at the start of the flow's segments.
type HTTPInfo struct {
	// Requests counts request lines; FirstRequest is the first, e.g. "GET /status/200 HTTP/1.1".
	Requests     int64             `json:"requests"`
	FirstRequest string            `json:"firstRequest,omitempty"`
	Responses    []HTTPStatusCount `json:"responses,omitempty"`
}

// HTTPStatusCount counts responses with one status code.
type HTTPStatusCount struct {
	Code  int   `json:"code"`
	Count int64 `json:"count"`
}

// DNSQuery is a DNS question and what became of it.
type DNSQuery struct {
	Name string `json:"name"`
	// Type is the query type ("A", "AAAA", "SRV", … or "TYPE65").
	Type      string `json:"type"`
	Queries   int64  `json:"queries"`
	Responses int64  `json:"responses"`
	// RCodes counts responses by code name ("NOERROR", "NXDOMAIN", "SERVFAIL", …).
	RCodes map[string]int64 `json:"rcodes,omitempty"`
}

// FlowDNAT links a flow to its other side across a Service translation.
type FlowDNAT struct {
	// Role is "original" (addressed to the Service) or "translated" (addressed to the endpoint).
	Role string `json:"role"`
	// Peer is the server of the flow on the other side of the translation.
	Peer FlowEndpoint `json:"peer"`
}

// DNATPair is a destination translation seen on one node: the same client packet addressed to Original
// and, moments later, to Translated.
type DNATPair struct {
	Protocol   string       `json:"protocol"`
	Original   FlowEndpoint `json:"original"`
	Translated FlowEndpoint `json:"translated"`
	// Client is the first client seen translated this way; Clients counts the distinct clients (counting
	// stops at 64).
	Client      FlowEndpoint `json:"client"`
	Clients     int          `json:"clients"`
	Connections int64        `json:"connections"`
}

// ARPEntry is what the capture shows about one IPv4 address asked for by ARP.
type ARPEntry struct {
	IP        string `json:"ip"`
	Requests  int64  `json:"requests"`
	Replies   int64  `json:"replies"`
	AnswerMAC string `json:"answerMAC,omitempty"`
	// OtherMACs lists further MACs that answered for the same IP (a conflict unless it is expected).
	OtherMACs  []string `json:"otherMACs,omitempty"`
	AskedBy    []string `json:"askedBy,omitempty"`
	Unanswered bool     `json:"unanswered,omitempty"`
}

// ICMPError is one kind of ICMP error seen, with the packet it quotes.
type ICMPError struct {
	// Type and Code are the ICMP (or ICMPv6) numbers; Message says what they mean.
	Protocol string `json:"protocol"`
	Type     int    `json:"type"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	// Reporter sent the error; Quoted is the flow of the packet it refers to.
	Reporter       FlowEndpoint `json:"reporter"`
	QuotedProtocol string       `json:"quotedProtocol,omitempty"`
	QuotedSource   FlowEndpoint `json:"quotedSource"`
	QuotedDest     FlowEndpoint `json:"quotedDestination"`
	// MTU is the next-hop MTU of a "fragmentation needed" or "packet too big" error: an MTU problem.
	MTU   int   `json:"mtu,omitempty"`
	Count int64 `json:"count"`
}

// DecodeErrorCount counts frames whose decoding stopped at one layer.
type DecodeErrorCount struct {
	Layer string `json:"layer"`
	Count int64  `json:"count"`
	// Example is the first error message, FirstPacket the 1-based number of the frame it came from.
	Example     string `json:"example"`
	FirstPacket int64  `json:"firstPacket"`
}

// SummaryNote is one line of the notes section.
type SummaryNote struct {
	// Kind is one of the Note* constants.
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Note kinds.
const (
	NoteMTU           = "mtu"
	NoteFragments     = "fragments"
	NoteSynUnanswered = "syn-unanswered"
	NoteRefused       = "refused"
	NoteReset         = "reset"
	NoteRetransmit    = "retransmissions"
	NoteICMP          = "icmp"
	NoteDNS           = "dns"
	NoteHTTP          = "http"
	NoteDNAT          = "dnat"
	NoteARP           = "arp"
	NoteDecodeError   = "decode-error"
	NoteEviction      = "eviction"
	NoteCapture       = "capture"
)
