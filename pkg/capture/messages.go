package capture

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// tcpdumpSummaryLine matches the counts tcpdump prints when it stops ("12 packets captured", "1 packet
// received by filter", "0 packets dropped by kernel").
var tcpdumpSummaryLine = regexp.MustCompile(`^[0-9]+ packets? (captured|received by filter|dropped by (kernel|interface))`)

// maxKeptMessages bounds the lines kept for an error message; they are all forwarded anyway.
const maxKeptMessages = 20

// TcpdumpMessages is the stderr of one tcpdump. It forwards each line, prefixed, to the user's stderr (never
// into the capture stream), tells when tcpdump is listening, and keeps its closing counts and other messages.
type TcpdumpMessages struct {
	prefix   string
	out      io.Writer
	ready    chan struct{}
	mu       sync.Mutex
	partial  []byte
	isReady  bool
	summary  []string
	messages []string
}

// NewTcpdumpMessages forwards lines to out as "prefix: line"; out may be nil. Each line is one Write, so a
// writer shared by several targets can serialize whole lines.
func NewTcpdumpMessages(prefix string, out io.Writer) *TcpdumpMessages {
	return &TcpdumpMessages{prefix: prefix, out: out, ready: make(chan struct{})}
}

// Ready is closed when tcpdump has printed "listening on …": its capture is open and packets are kept from
// then on.
func (m *TcpdumpMessages) Ready() <-chan struct{} { return m.ready }

// Summary is tcpdump's closing counts, as it printed them.
func (m *TcpdumpMessages) Summary() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.summary...)
}

// Messages is every other line tcpdump printed (errors, warnings), at most the last 20.
func (m *TcpdumpMessages) Messages() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.messages...)
}

// Write implements io.Writer.
func (m *TcpdumpMessages) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.partial = append(m.partial, p...)
	for {
		i := bytes.IndexByte(m.partial, '\n')
		if i < 0 {
			break
		}
		m.line(string(m.partial[:i]))
		m.partial = m.partial[i+1:]
	}
	if len(m.partial) == 0 {
		m.partial = nil
	}
	return len(p), nil
}

// Close handles a last line without a newline.
func (m *TcpdumpMessages) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.partial) > 0 {
		m.line(string(m.partial))
		m.partial = nil
	}
	return nil
}

func (m *TcpdumpMessages) line(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	switch {
	case strings.HasPrefix(strings.TrimPrefix(line, "tcpdump: "), "listening on "):
		if !m.isReady {
			m.isReady = true
			close(m.ready)
		}
	case tcpdumpSummaryLine.MatchString(line):
		m.summary = append(m.summary, line)
	default:
		if len(m.messages) == maxKeptMessages {
			m.messages = m.messages[1:]
		}
		m.messages = append(m.messages, line)
	}
	if m.out != nil {
		_, _ = io.WriteString(m.out, termsafe.Escape(m.prefix+": "+line)+"\n")
	}
}

// SyncWriter serializes the writes of several goroutines to one writer, such as several targets' messages
// to one stderr.
type SyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewSyncWriter returns a SyncWriter to w.
func NewSyncWriter(w io.Writer) *SyncWriter { return &SyncWriter{w: w} }

func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// tcpdumpError joins tcpdump's messages into one line, without its informational ones.
func tcpdumpError(lines []string) string {
	var kept []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "tcpdump: data link type") || tcpdumpSummaryLine.MatchString(l) {
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == 0 {
		return "no message"
	}
	return termsafe.Escape(strings.Join(kept, "; "))
}
