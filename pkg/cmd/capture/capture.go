// Package capture is `kubectl packetwalk capture`: live captures on nodes and pods, streamed as pcap or
// pcapng to Wireshark, a file, or the built-in summarizer.
package capture

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	pwcapture "github.com/packetwalk/kubectl-packetwalk/pkg/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

var (
	captureLong = templates.LongDesc(`
		Capture packets on nodes and pods, as tcpdump would on the node, and stream them to Wireshark, a
		file, or the built-in summarizer.

		A node is captured on all its interfaces (-i any) unless -i says otherwise; a pod is captured from its
		node on its host peer (caliX, lxcX, vethX), so the pod needs no tools and no privileges. One target
		with --format pcap streams tcpdump's bytes as they come. Several targets, an -i any capture, or
		--format pcapng give one pcapng with an interface per node and interface, named like
		"node1/cali35e3a5cb80b (default/curl)", so Wireshark shows real interface names.

		The capture stops on Ctrl-C, after -c packets on every target, after --duration, or when the reader
		goes away (Wireshark closed). tcpdump is stopped on the node at once and the helper pods are deleted.
		tcpdump's own messages and the packet counts go to stderr, never into the stream.

		The capture travels from the node to you through the kubelet's port 10250 and the node's loopback, so
		that port and loopback TCP are left out of every capture (otherwise a capture records itself without
		end); --include-own-stream keeps them.`)

	captureExample = templates.Examples(`
		# Watch a node's traffic live in Wireshark
		kubectl packetwalk capture node/m03 | wireshark -k -i -

		# Capture a pod on its host veth, 100 packets of HTTP, into a file
		kubectl packetwalk capture pod/curl -f 'tcp port 80' -c 100 -w curl.pcapng

		# Two pods and a node in one pcapng, for 30 seconds
		kubectl packetwalk capture pod/curl pod/httpbin node/m02 --duration 30s -w walk.pcapng

		# Every pod with app=httpbin, summarized in the terminal as flows complete
		kubectl packetwalk capture -l app=httpbin --summary`)
)

// Options is the capture command's state.
type Options struct {
	genericiooptions.IOStreams
	Access *cmdshared.NodeAccess

	Interface string
	Filter    string
	Count     int
	Duration  time.Duration
	SnapLen   int
	Output    string
	Format    string
	Wireshark bool
	Summary   bool
	Selector  string
	// IncludeOwnStream keeps the traffic that carries the capture itself (see ownStream).
	IncludeOwnStream bool

	args      []string
	targets   []targetArg
	namespace string
	client    kubernetes.Interface
	open      func() (*cmdshared.Session, error)
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, Access: cmdshared.NewNodeAccess(helperpod.ProfileNodeCapture)}
}

// NewCmdCapture builds the cobra command.
func NewCmdCapture(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:                   "capture (node/NAME | pod/NAME)... [-l SELECTOR] [-i IFACE] [-f FILTER] [-c COUNT] [--duration D] [-w FILE] [--summary]",
		DisableFlagsInUseLine: true,
		Short:                 "Capture packets on nodes and pods for Wireshark, a file or a summary",
		Long:                  captureLong,
		Example:               captureExample,
		ValidArgsFunction:     cmdshared.CompleteTargets(cmdshared.FactoryClient(f)),
		RunE:                  cmdshared.RunE(o, func(args []string) error { return o.Complete(f, args) }),
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags binds the flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&o.Interface, "interface", "i", o.Interface, "Interface to capture on a node (default any); a pod is always captured on its host peer")
	fs.StringVarP(&o.Filter, "filter", "f", o.Filter, "BPF filter in tcpdump's syntax, e.g. 'tcp port 80'")
	fs.IntVarP(&o.Count, "count", "c", o.Count, "Stop each target after this many packets (0: no limit)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "Stop after this long (e.g. 30s; 0: until Ctrl-C)")
	fs.IntVar(&o.SnapLen, "snaplen", o.SnapLen, "Bytes kept of each packet (0: tcpdump's default, the whole packet)")
	fs.StringVarP(&o.Output, "write", "w", o.Output, "Write the capture to FILE, or - for stdout (the default unless --summary)")
	fs.StringVar(&o.Format, "format", o.Format, "pcap or pcapng (default: pcap for one target on one interface, pcapng otherwise)")
	fs.BoolVar(&o.Wireshark, "wireshark", o.Wireshark, "Start the local Wireshark reading the capture")
	fs.BoolVar(&o.Summary, "summary", o.Summary, "Summarize the capture in the terminal: flows as they complete, then a table")
	fs.StringVarP(&o.Selector, "selector", "l", o.Selector, "Capture every pod matching this label selector (e.g. app=httpbin)")
	fs.BoolVar(&o.IncludeOwnStream, "include-own-stream", o.IncludeOwnStream, "Keep TCP port 10250 and loopback TCP, which carry the capture itself")
	o.Access.AddFlags(fs)
}

// Complete reads the arguments and gets the clients.
func (o *Options) Complete(f cmdutil.Factory, args []string) error {
	o.args = args
	for _, a := range args {
		t, err := parseTarget(a)
		if err != nil {
			return err
		}
		o.targets = append(o.targets, t)
	}
	ns, _, err := f.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	if o.client, err = f.KubernetesClientSet(); err != nil {
		return err
	}
	if o.Selector != "" || slices.ContainsFunc(o.targets, func(t targetArg) bool { return t.Kind == podTarget }) {
		o.Access.Profile = helperpod.ProfilePodCapture // tcpdump inside pods' network namespaces
	}
	o.open = func() (*cmdshared.Session, error) { return o.Access.Open(f, o.IOStreams) }
	return nil
}

// Validate checks flag combinations, naming the flags in the message.
func (o *Options) Validate() error {
	switch {
	case len(o.targets) == 0 && o.Selector == "":
		return fmt.Errorf("nothing to capture: give node/NAME or pod/NAME targets, or -l SELECTOR for pods")
	case o.Count < 0:
		return fmt.Errorf("-c must not be negative, got %d", o.Count)
	case o.Duration < 0:
		return fmt.Errorf("--duration must not be negative, got %s", o.Duration)
	case o.SnapLen < 0 || o.SnapLen > 262144:
		return fmt.Errorf("--snaplen must be between 0 and 262144, got %d", o.SnapLen)
	case o.Format != "" && o.Format != string(pwcapture.FormatPcap) && o.Format != string(pwcapture.FormatPcapng):
		return fmt.Errorf("--format must be pcap or pcapng, got %q", o.Format)
	case o.Wireshark && o.Output == "-":
		return fmt.Errorf("--wireshark and -w - both want the stream: pipe it yourself (| wireshark -k -i -) or drop -w -")
	case o.Summary && o.Output == "-":
		return fmt.Errorf("--summary prints to stdout, so -w - cannot too: use -w FILE to keep the capture")
	}
	if o.Interface != "" {
		for _, t := range o.targets {
			if t.Kind == podTarget {
				return fmt.Errorf("-i applies to node targets: %s is captured on its host peer", t)
			}
		}
		if o.Selector != "" {
			return fmt.Errorf("-i applies to node targets: pods selected with -l are captured on their host peers")
		}
	}
	if o.streamsToStdout() {
		if err := pwcapture.RefuseTerminal(o.Out); err != nil {
			return err
		}
	}
	return o.Access.Validate()
}

// streamsToStdout says whether the binary capture goes to stdout.
func (o *Options) streamsToStdout() bool {
	return o.Output == "-" || (o.Output == "" && !o.Summary && !o.Wireshark)
}

// openFile is a variable so tests can capture into memory.
var openFile = cmdshared.CreatePrivate
