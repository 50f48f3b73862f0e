// Package pod is `kubectl packetwalk pod SRC --to DST`: the walk of a packet from a pod, hop by hop.
package pod

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk"
)

var (
	podLong = templates.LongDesc(`
		Walk a packet from a pod to a pod, a Service or an address, hop by hop, and show where it goes and
		where it stops.

		The expected path comes from the nodes and the API: the pod's route and how its gateway is answered
		(169.254.1.1 by proxy-ARP on the host veth, or a bridge address), the host peer, the Service's
		translation (the kube-proxy chain and the endpoints it can choose, with their shares), each node's
		routing decision (ip route get DST from SRC iif PEER), the tunnel (VXLAN, IPIP, Geneve: device, VNI,
		remote VTEP from the neighbour and FDB entries) or the direct route, the underlay, the remote node's
		decapsulation and its route to the destination's host peer. Each hop says which command on which
		node, or which API object, it rests on.

		Then, unless --no-probe, packetwalk sends a real packet from the pod's network namespace (an HTTP
		request with curl, a ping, or a UDP datagram; entered from the node's helper pod, so the pod needs no
		tools) while tcpdump captures at every hop's interface on both nodes, and finds the same packet at
		each hop, inside the encapsulation and after DNAT. The verdict is the reply with its round-trip time,
		or the last hop that saw the packet, the first that did not, and the likely causes found there.

		SRC and DST name pods as kubectl exec does: NAME, pod/NAME, NAMESPACE/NAME, or a workload
		(deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME), which stands for one of its pods, a ready one
		first, named on stderr; TYPE/NAMESPACE/NAME works too. A namespace named like a type (svc, deploy)
		is given with -n. DST may also be a Service (svc/NAME, svc/NAME:PORT with a port number or name),
		walked through its translation, or an address (IP, IP:PORT, [IPv6]:PORT). A bare NAME is a pod:
		when it is a Service, packetwalk says so and asks for svc/NAME. As SRC, svc/NAME is one of the
		Service's pods. The command exits non-zero when the packet does not get an answer.`)

	podExample = templates.Examples(`
		# How does a packet from pod curl reach pod httpbin, and does it?
		kubectl packetwalk pod curl --to httpbin --port 8080

		# From a pod of deployment web to a pod of statefulset db, port 5432
		kubectl packetwalk pod deploy/web --to sts/db --port 5432

		# Through the Service, with the commands behind every hop
		kubectl packetwalk pod curl --to svc/httpbin --explain

		# The probe's packets from every hop, one interface per hop, for Wireshark
		kubectl packetwalk pod curl --to svc/httpbin:http -w walk.pcapng

		# Reasoning only: no probe, no capture
		kubectl packetwalk pod curl --to 10.244.2.7:8080 --no-probe -o yaml

		# ICMP instead of TCP
		kubectl packetwalk pod curl --to httpbin --protocol icmp`)
)

// Options is the pod command's state.
type Options struct {
	genericiooptions.IOStreams
	Access *cmdshared.NodeAccess

	To       string
	Port     int
	Protocol string
	NoProbe  bool
	Output   string
	Explain  bool
	// WriteTo is -w: the probe's packets from every hop as one pcapng.
	WriteTo string
	// pcapng is WriteTo, opened before the walk so that a bad path does not throw a finished walk away.
	pcapng       *os.File
	ProbeTimeout time.Duration
	// SourcePort is the probe's source port; 0 picks one at random.
	SourcePort int

	source    objref.Ref
	target    walk.Target
	namespace string
	open      func() (*cmdshared.Session, error)
	// isTerminal says whether Out is a terminal (colours); swapped by tests.
	isTerminal func(io.Writer) bool
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, Access: cmdshared.NewNodeAccess(helperpod.ProfileWalk), Protocol: walk.ProtocolTCP,
		ProbeTimeout: 3 * time.Second, isTerminal: isTerminal}
}

// NewCmdPod builds the cobra command.
func NewCmdPod(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:                   "pod SRC --to DST [--port PORT] [--protocol tcp|udp|icmp] [--no-probe] [-o json|yaml] [--explain] [-w FILE]",
		DisableFlagsInUseLine: true,
		Short:                 "Walk a packet from a pod to a pod, Service or address, hop by hop, with evidence",
		Long:                  podLong,
		Example:               podExample,
		Args:                  cobra.ExactArgs(1),
		ValidArgsFunction:     cmdshared.CompletePods(cmdshared.FactoryClient(f)),
		RunE:                  cmdshared.RunE(o, func(args []string) error { return o.Complete(f, args) }),
	}
	o.AddFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("to", completeTo(cmdshared.FactoryClient(f)))
	_ = cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"tcp", "udp", "icmp"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// AddFlags binds the flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.To, "to", o.To, "Destination: a pod (NAME, pod/NAME, NAMESPACE/NAME), a workload (deploy/NAME, sts/NAME, …), svc/NAME[:PORT], or IP[:PORT]")
	fs.IntVar(&o.Port, "port", o.Port, "Destination port (default: the one in --to, the Service's only port, the pod's first container port, or 80)")
	fs.StringVar(&o.Protocol, "protocol", o.Protocol, "Probe protocol: tcp (an HTTP request), udp (one datagram) or icmp (one ping)")
	fs.BoolVar(&o.NoProbe, "no-probe", o.NoProbe, "Only reason the expected path: send nothing and capture nothing")
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: json or yaml (default: a hop table for people)")
	fs.BoolVar(&o.Explain, "explain", o.Explain, "Show the commands and API objects behind each hop, and tcpdump's messages")
	fs.StringVarP(&o.WriteTo, "write", "w", o.WriteTo, "Write the probe's packets from every hop to this pcapng file, one interface per hop")
	fs.DurationVar(&o.ProbeTimeout, "probe-timeout", o.ProbeTimeout, "How long the probe waits for an answer")
	fs.IntVar(&o.SourcePort, "source-port", o.SourcePort, "The probe's source port (default: a random one from 33000-59999), e.g. to match a firewall rule")
	o.Access.AddFlags(fs)
}

// Complete reads the arguments and the namespace.
func (o *Options) Complete(f cmdutil.Factory, args []string) error {
	ns, _, err := f.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.open = func() (*cmdshared.Session, error) { return o.Access.Open(f, o.IOStreams) }
	return o.complete(ns, args)
}

func (o *Options) complete(namespace string, args []string) error {
	o.namespace = namespace
	var err error
	if o.source, err = objref.Parse(args[0], objref.Pod); err != nil {
		return fmt.Errorf("SRC %w", err)
	}
	if o.To != "" {
		if o.target, err = walk.ParseTarget(o.To); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks flag combinations, naming the flags in the message.
func (o *Options) Validate() error {
	switch {
	case o.source.Kind != objref.Pod && !o.source.Kind.Workload():
		return fmt.Errorf("SRC must be a pod (%s), got %s", objref.Forms, o.source)
	case o.To == "":
		return fmt.Errorf("--to is required: a pod, svc/NAME[:PORT], NAMESPACE/NAME or an IP[:PORT]")
	case o.Port < 0 || o.Port > 65535:
		return fmt.Errorf("--port %d is out of range 1-65535", o.Port)
	case o.Port != 0 && o.target.Port != 0 && o.Port != o.target.Port:
		return fmt.Errorf("--port %d and the port in --to %s disagree: give one", o.Port, o.To)
	case o.NoProbe && o.WriteTo != "":
		return fmt.Errorf("-w needs the probe's captures: drop --no-probe")
	case o.WriteTo == "-":
		return fmt.Errorf("-w - is not supported: the walk itself goes to stdout; give a file name such as walk.pcapng")
	case o.SourcePort < 0 || o.SourcePort > 65535:
		return fmt.Errorf("--source-port %d is out of range 1-65535", o.SourcePort)
	case o.SourcePort != 0 && o.NoProbe:
		return fmt.Errorf("--source-port is the probe's: drop --no-probe")
	case o.ProbeTimeout < time.Second:
		return fmt.Errorf("--probe-timeout must be at least 1s, got %s", o.ProbeTimeout)
	}
	switch o.Protocol {
	case walk.ProtocolTCP, walk.ProtocolUDP, walk.ProtocolICMP:
	default:
		return fmt.Errorf("--protocol must be tcp, udp or icmp, got %q", o.Protocol)
	}
	if o.Protocol == walk.ProtocolICMP && (o.Port != 0 || o.target.Port != 0 && o.target.Kind == walk.TargetIP) {
		return fmt.Errorf("--protocol icmp has no port: drop --port or the :PORT in --to")
	}
	if err := printer.ValidateOutput(o.Output); err != nil {
		return err
	}
	return o.Access.Validate()
}

// request is what the walk is asked.
func (o *Options) request() walk.Request {
	ns := cmp.Or(o.source.Namespace, o.namespace)
	return walk.Request{
		Source:    api.PodRef{Namespace: ns, Name: o.source.Name},
		Target:    o.target,
		Namespace: o.namespace,
		Port:      o.Port,
		Protocol:  o.Protocol,
	}
}

// resolvePods turns SRC, and a --to that names a pod or workload, into the pods kubectl exec would pick,
// saying on stderr which pod stands for a workload. A bare name that is a Service and no pod is refused
// with a pointer to svc/NAME rather than walked to the Service: the two walks differ (DNAT, endpoints).
func (o *Options) resolvePods(ctx context.Context, client kubernetes.Interface) error {
	src, err := objref.PodFor(ctx, client, o.namespace, o.source, o.ErrOut)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	o.source = objref.Ref{Kind: objref.Pod, Namespace: src.Namespace, Name: src.Name, Typed: true}
	var dst objref.Ref
	switch o.target.Kind {
	case walk.TargetPod:
		dst = objref.Ref{Kind: objref.Pod, Namespace: o.target.Namespace, Name: o.target.Name}
	case walk.TargetWorkload:
		dst = objref.Ref{Kind: o.target.Workload, Namespace: o.target.Namespace, Name: o.target.Name, Typed: true}
	default:
		return nil
	}
	pod, err := objref.PodFor(ctx, client, o.namespace, dst, o.ErrOut)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	o.target = walk.Target{Kind: walk.TargetPod, Namespace: pod.Namespace, Name: pod.Name}
	return nil
}

// Run opens a session and walks.
func (o *Options) Run(ctx context.Context) error {
	session, err := o.open()
	if err != nil {
		return err
	}
	defer session.Close()
	return o.run(ctx, walk.Cluster{Client: session.Client, Runner: session.Runner, Preflight: session.Preflight})
}

// run is Run once the session is open: what tests drive with a fake client and a recorded runner.
func (o *Options) run(ctx context.Context, c walk.Cluster) error {
	start := time.Now()
	if err := o.resolvePods(ctx, c.Client); err != nil {
		return err
	}
	if o.WriteTo != "" {
		f, err := cmdshared.CreatePrivate(o.WriteTo)
		if err != nil {
			return fmt.Errorf("-w %s: %w", o.WriteTo, err)
		}
		defer f.Close()
		o.pcapng = f
	}
	res, err := walk.Run(ctx, c, o.request(), o.walkOptions())
	if err != nil {
		return err
	}
	if o.WriteTo != "" {
		if err := o.writePcapng(res); err != nil {
			return err
		}
	}
	w := res.Walk
	if err := o.print(w); err != nil {
		return err
	}
	if o.Explain {
		fmt.Fprintf(o.ErrOut, "walked in %s\n", time.Since(start).Round(time.Millisecond))
	}
	switch w.Verdict.Result {
	case api.VerdictReplyReceived, api.VerdictNotProbed:
		return nil
	}
	return fmt.Errorf("no answer from %s: %s", o.To, w.Verdict.Summary)
}

// walkOptions are the walk's options from the flags; --explain adds the phases' times and tcpdump's
// messages on stderr.
func (o *Options) walkOptions() walk.Options {
	opts := walk.DefaultOptions()
	opts.NoProbe, opts.SourcePort = o.NoProbe, o.SourcePort
	opts.Observe.ProbeTimeout = o.ProbeTimeout
	if o.Explain {
		opts.Phases, opts.Observe.Messages = o.ErrOut, o.ErrOut
	}
	return opts
}

func (o *Options) writePcapng(res *walk.Result) error {
	n, err := walk.WritePcapng(o.pcapng, res.Walk, res.Input, res.Observation)
	if cerr := o.pcapng.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("-w %s: %w", o.WriteTo, err)
	}
	fmt.Fprintf(o.ErrOut, "wrote %d packets of the probe from every hop to %s\n", n, o.WriteTo)
	return nil
}

func (o *Options) print(w *api.Walk) error {
	p := printer.New(printer.Output(o.Output), printer.Streams(o.IOStreams))
	return p.Print(w, func(out io.Writer) error {
		color := o.isTerminal(out) && os.Getenv("NO_COLOR") == ""
		return walk.PrintText(out, w, walk.TextOptions{Color: color, Explain: o.Explain})
	})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// completeTo completes --to with pod names and svc/ names of the namespace in use.
func completeTo(clients cmdshared.ClientFunc) cmdshared.CompletionFunc {
	pods := cmdshared.CompletePods(clients)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if strings.HasPrefix(toComplete, "svc/") {
			return completeServices(cmd, clients, strings.TrimPrefix(toComplete, "svc/"))
		}
		out, dir := pods(cmd, args, toComplete)
		if strings.HasPrefix("svc/", toComplete) {
			out = append(out, "svc/")
		}
		return out, dir
	}
}
