// Package summarize is `kubectl packetwalk summarize`: a capture turned into flows and problems, offline.
package summarize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
	"github.com/packetwalk/kubectl-packetwalk/pkg/summary"
)

var (
	summarizeLong = templates.LongDesc(`
		Summarize a packet capture: the flows it holds and the problems it shows. No cluster is needed.

		Flows are keyed by their innermost addresses and ports, so a pod's packet seen plain on its veth and
		VXLAN-encapsulated on eth0 is one flow seen at two points, not a retransmission. Each flow shows its
		client and server, packets and bytes each way, TCP state, HTTP request lines and status codes, DNS
		questions and answers, where it was seen and inside which tunnels (IPIP, VXLAN, Geneve, GRE,
		VXLAN-GPE; WireGuard by its outer flow). The notes list MTU problems (ICMP "fragmentation needed"),
		SYNs without answer, refused and reset connections, retransmissions, other ICMP errors, DNS failures,
		Service DNAT seen as a pair of flows, ARP answers (such as proxy-ARP for 169.254.1.1), and frames that
		could not be decoded.

		It reads pcap and pcapng files (or standard input) as tcpdump, dumpcap and "kubectl packetwalk capture"
		write them. With --links, the interface indexes of an -i any capture are named after the node's links
		and pod IPs after their pods.`)

	summarizeExample = templates.Examples(`
		# Summarize a capture
		kubectl packetwalk summarize node1.pcap

		# Name interfaces and pods with the node's facts
		kubectl packetwalk node kb-node1 -o json > node1.json
		kubectl packetwalk summarize node1.pcap --links node1.json

		# Read a capture from standard input, write JSON
		tcpdump -i any -w - -c 1000 | kubectl packetwalk summarize - -o json

		# A dataplane that runs VXLAN on another UDP port
		kubectl packetwalk summarize capture.pcapng --vxlan-port 4800`)
)

// Options is the summarize command's state.
type Options struct {
	genericiooptions.IOStreams

	// File is the capture to read; "-" reads standard input.
	File       string
	Output     string
	LinksFile  string
	VXLANPorts []uint
	MaxFlows   int
	// Flows is how many flows the text table shows; 0 shows them all.
	Flows int

	links []api.NodeNetwork
}

// NewOptions returns Options with every default set.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{
		IOStreams: streams,
		Output:    "text",
		MaxFlows:  summary.DefaultMaxFlows,
		Flows:     summary.DefaultTextFlows,
	}
}

// NewCmdSummarize builds the cobra command.
func NewCmdSummarize(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:                   "summarize [FILE|-] [-o text|json] [--links FILE]",
		DisableFlagsInUseLine: true,
		Short:                 "Summarize a pcap or pcapng capture: flows, tunnels, DNAT and problems",
		Long:                  summarizeLong,
		Example:               summarizeExample,
		Args:                  cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"pcap", "pcapng", "cap"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: cmdshared.RunE(o, o.Complete),
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags binds the flags to the options.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: text or json")
	f.StringVar(&o.LinksFile, "links", o.LinksFile,
		"`FILE` of JSON from 'kubectl packetwalk node NODE -o json' (one node, an array or a List): names interface indexes and pod IPs")
	f.UintSliceVar(&o.VXLANPorts, "vxlan-port", o.VXLANPorts, "Decode this UDP `PORT` as VXLAN too (4789 and 8472 always are); repeatable")
	f.IntVar(&o.MaxFlows, "max-flows", o.MaxFlows, "Flows kept in memory at once; finished, then least recently seen flows make room")
	f.IntVar(&o.Flows, "flows", o.Flows, "Flows shown in the text table, largest first (0: all); -o json shows all")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.MarkFlagFilename("links", "json")
}

// Complete takes the file argument and reads the links file.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.File = args[0]
	}
	if o.File == "" {
		if f, ok := o.In.(*os.File); !ok || term.IsTerminal(int(f.Fd())) {
			return errors.New("give a capture file to summarize, or pipe one in and use - (e.g. tcpdump -w - | kubectl packetwalk summarize -)")
		}
		o.File = "-"
	}
	if o.LinksFile != "" {
		f, err := os.Open(o.LinksFile)
		if err != nil {
			return fmt.Errorf("--links: %w", err)
		}
		defer f.Close()
		if o.links, err = summary.ReadLinks(f); err != nil {
			return fmt.Errorf("--links %s: %w", o.LinksFile, err)
		}
	}
	return nil
}

// Validate checks the flag values.
func (o *Options) Validate() error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("--output must be text or json, not %q", o.Output)
	}
	for _, p := range o.VXLANPorts {
		if p == 0 || p > 65535 {
			return fmt.Errorf("--vxlan-port %d is not a UDP port (1-65535)", p)
		}
	}
	if o.MaxFlows < 1 {
		return fmt.Errorf("--max-flows must be at least 1, not %d", o.MaxFlows)
	}
	if o.Flows < 0 {
		return fmt.Errorf("--flows must be 0 (all) or more, not %d", o.Flows)
	}
	return nil
}

// Run reads the capture and prints its summary.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	in := o.In
	name := "standard input"
	if o.File != "-" {
		f, err := os.Open(o.File)
		if err != nil {
			return fmt.Errorf("opening the capture: %w", err)
		}
		defer f.Close()
		in, name = f, o.File
	}
	ports := make([]uint16, len(o.VXLANPorts))
	for i, p := range o.VXLANPorts {
		ports[i] = uint16(p)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The summarizer's memory is bounded by --max-flows; a soft limit sized from it keeps the heap near
		// what is live without making the garbage collector run all the time (GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(summary.MemoryLimit(o.MaxFlows))
	}
	s := summary.New(summary.Options{VXLANPorts: ports, MaxFlows: o.MaxFlows, Links: o.links})
	readErr := s.ReadStream(ctx, in)
	if errors.Is(readErr, pcapread.ErrUnknownFormat) {
		return fmt.Errorf("%s is not a pcap or pcapng capture (%w); write one with tcpdump -w or kubectl packetwalk capture -w", name, readErr)
	}
	var report api.Summary
	var err error
	if o.Output == "json" {
		report = s.Report()
		err = summary.WriteJSON(o.Out, report)
	} else {
		limit := o.Flows
		if limit == 0 {
			report = s.Report()
			limit = -1
		} else {
			report = s.ReportTop(limit)
		}
		err = summary.WriteText(o.Out, report, summary.TextOptions{MaxFlows: limit, Width: terminalWidth(o.Out)})
	}
	if capture.IsReaderGone(err) {
		return nil // `| head`: the reader has all it wanted, as with other Unix tools
	}
	if err != nil {
		return err
	}
	switch {
	case readErr == nil:
		return nil
	case errors.Is(readErr, pcapread.ErrTruncated):
		// A capture cut short (tcpdump killed, a full disk) is common: the summary covers what is there.
		fmt.Fprintf(o.ErrOut, "warning: %s is truncated; the summary covers the %d packets before the cut\n", name, report.Capture.Packets)
		return nil
	}
	return fmt.Errorf("%s: %w (the summary above covers the %d packets before the error)", name, readErr, report.Capture.Packets)
}

// terminalWidth is the width of the terminal out writes to, between 80 and 200 columns, or 0 when out is not
// a terminal.
func terminalWidth(out io.Writer) int {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return min(max(w, 80), 200)
}
