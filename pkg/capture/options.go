package capture

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// Format is the container of the capture stream.
type Format string

const (
	// FormatAuto is pcap for one target on a named interface (tcpdump's bytes as they come), pcapng otherwise.
	FormatAuto Format = ""
	// FormatPcap passes one target's tcpdump stream through unchanged.
	FormatPcap Format = "pcap"
	// FormatPcapng is one pcapng with an interface block per (node, interface).
	FormatPcapng Format = "pcapng"
)

// Options is how every target of a capture is captured.
type Options struct {
	Filter   string        // -f: a BPF expression in tcpdump's syntax
	Count    int           // -c: each tcpdump stops after this many packets; 0 means no limit
	Duration time.Duration // --duration: the capture stops this long after every tcpdump listens; 0 means none
	SnapLen  int           // --snaplen: bytes kept per packet; 0 means DefaultSnapLen
	Format   Format        // --format

	// Messages receives tcpdump's own messages (listening on …, packet counts, errors), one line per write,
	// prefixed by target. Never the capture stream. nil drops them.
	Messages io.Writer
	// OnReady, if set, is called once when every tcpdump is listening.
	OnReady func()
}

// ResolveFormat is the format Run writes for format and targets, or a user error naming the flag.
func ResolveFormat(format Format, targets []Target) (Format, error) {
	switch format {
	case FormatAuto:
		if len(targets) == 1 && targets[0].IfaceName() != AnyInterface {
			return FormatPcap, nil
		}
		return FormatPcapng, nil
	case FormatPcap:
		if len(targets) > 1 {
			return "", fmt.Errorf("--format pcap holds one capture and %d targets were given: "+
				"use --format pcapng (one interface per target) or capture one target", len(targets))
		}
		return FormatPcap, nil
	case FormatPcapng:
		return FormatPcapng, nil
	}
	return "", fmt.Errorf("unknown --format %q: use pcap or pcapng", format)
}

// Validate checks targets and options before anything runs.
func (o Options) Validate(targets []Target) error {
	if len(targets) == 0 {
		return errors.New("nothing to capture: name at least one target, e.g. node/NAME or pod/NAME")
	}
	for i, t := range targets {
		if t.Node == "" {
			return fmt.Errorf("target %d (%s) has no node", i+1, t)
		}
	}
	switch {
	case o.Count < 0:
		return fmt.Errorf("-c %d: the packet count must be 0 (no limit) or more", o.Count)
	case o.Duration < 0:
		return fmt.Errorf("--duration %s: must be 0 (no limit) or more", o.Duration)
	case o.SnapLen < 0 || o.SnapLen > DefaultSnapLen:
		return fmt.Errorf("--snaplen %d: must be between 1 and %d, or 0 for whole packets", o.SnapLen, DefaultSnapLen)
	}
	_, err := ResolveFormat(o.Format, targets)
	return err
}

// StopReason is why a capture ended.
type StopReason string

const (
	StoppedInterrupted StopReason = "interrupted"      // the caller's context ended (Ctrl-C)
	StoppedDuration    StopReason = "duration"         // Options.Duration passed
	StoppedCount       StopReason = "count"            // every tcpdump exited after Options.Count packets
	StoppedReaderGone  StopReason = "reader gone"      // the output's reader went away
	StoppedExited      StopReason = "tcpdump exited"   // tcpdump exited by itself otherwise
	StoppedFailed      StopReason = "a capture failed" // a tcpdump or its session failed; see the error
)

// Report is what a capture did.
type Report struct {
	Format  Format
	Stopped StopReason
	Targets []TargetReport // in the order of the targets given
}

// TargetReport is what one target's tcpdump did.
type TargetReport struct {
	Target   Target
	Packets  int64    // packets written to the output
	Summary  []string // tcpdump's own closing counts ("12 packets captured", …)
	ExitCode int
}

// WriteCounts writes one line per target with its packet count and tcpdump's own counts.
func (r Report) WriteCounts(w io.Writer) error {
	for _, t := range r.Targets {
		line := fmt.Sprintf("%s: %d packets", t.Target, t.Packets)
		for _, s := range t.Summary {
			line += ", " + s
		}
		if _, err := fmt.Fprintln(w, termsafe.Escape(line)); err != nil {
			return err
		}
	}
	return nil
}
