// Package node is `kubectl packetwalk node`: a node's network at a glance.
package node

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/inspect"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
)

var (
	nodeLong = templates.LongDesc(`
		Show a node's network at a glance: the dataplane and how it was recognised (vxlan.calico, tunl0,
		flannel.1, cni0, cilium_host, lxc*…), the encapsulation between nodes (none, IPIP, VXLAN with its VNI
		and port, Geneve) with the tunnel and underlay MTUs and whether a full pod packet plus the overhead
		fits, the routes to other nodes' pod blocks, kube-proxy's mode, and the pods on the node with their
		host peers.

		-o json is the input of "packetwalk summarize --links" for naming interfaces and pods in a capture.`)

	nodeExample = templates.Examples(`
		# How does node m02 carry pod traffic?
		kubectl packetwalk node m02

		# Its links and pods as JSON, for the summarizer
		kubectl packetwalk node m02 -o json > m02.json`)
)

// Options is the node command's state.
type Options struct {
	genericiooptions.IOStreams
	Access *cmdshared.NodeAccess

	Output  string
	Explain bool

	name   string
	client kubernetes.Interface
	open   func() (*cmdshared.Session, error)
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, Access: cmdshared.NewNodeAccess(helperpod.ProfileNode)}
}

// NewCmdNode builds the cobra command.
func NewCmdNode(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:                   "node (NODE | node/NODE) [-o json|yaml]",
		DisableFlagsInUseLine: true,
		Short:                 "Show a node's network: dataplane, encapsulation, MTUs, routes, kube-proxy mode, pods",
		Long:                  nodeLong,
		Example:               nodeExample,
		ValidArgsFunction:     cmdshared.CompleteNodes(cmdshared.FactoryClient(f)),
		RunE:                  cmdshared.RunE(o, func(args []string) error { return o.Complete(f, args) }),
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags binds the flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: json or yaml")
	fs.BoolVar(&o.Explain, "explain", o.Explain, "Print each node command and what it was run for (to stderr with -o json|yaml)")
	o.Access.AddFlags(fs)
}

// Complete reads the argument and gets the clients.
func (o *Options) Complete(f cmdutil.Factory, args []string) error {
	if err := o.completeArgs(args); err != nil {
		return err
	}
	var err error
	if o.client, err = f.KubernetesClientSet(); err != nil {
		return err
	}
	o.open = func() (*cmdshared.Session, error) { return o.Access.Open(f, o.IOStreams) }
	return nil
}

// completeArgs reads NODE, written NAME or node/NAME.
func (o *Options) completeArgs(args []string) error {
	if len(args) > 1 {
		return fmt.Errorf("name one node, got %d: %v", len(args), args)
	}
	if len(args) == 1 {
		r, err := objref.Parse(args[0], objref.Node)
		if err != nil {
			return err
		}
		if r.Kind != objref.Node {
			return fmt.Errorf("%s is not a node: name a node (NODE or node/NODE; kubectl get nodes lists them)", args[0])
		}
		o.name = r.Name
	}
	return nil
}

// Validate checks the argument and flags.
func (o *Options) Validate() error {
	if o.name == "" {
		return fmt.Errorf("name the node to show: kubectl packetwalk node NODE (kubectl get nodes lists them)")
	}
	if err := printer.ValidateOutput(o.Output); err != nil {
		return err
	}
	return o.Access.Validate()
}

// Run opens a session, reads the node and prints it.
func (o *Options) Run(ctx context.Context) error {
	session, err := o.open()
	if err != nil {
		return err
	}
	defer session.Close()
	return o.run(ctx, session.Runner)
}

func (o *Options) run(ctx context.Context, r noderun.Runner) error {
	nn, ex, err := inspect.NodeNetwork(ctx, o.client, r, o.name)
	if err != nil {
		return err
	}
	p := printer.New(printer.Output(o.Output), printer.Streams(o.IOStreams))
	if o.Explain {
		if err := ex.Print(p.ExplainOut()); err != nil {
			return err
		}
	}
	return p.Print(nn, func(w io.Writer) error { return describe(w, nn) })
}
