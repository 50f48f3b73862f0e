// Package veth is `kubectl packetwalk veth`: where each pod plugs into its node.
package veth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/inspect"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
)

var (
	vethLong = templates.LongDesc(`
		Show where each pod plugs into its node: the pod's interface and its peer index (eth0@if19), the host
		peer in the node's namespace (cali35e3a5cb80b@if3, vethXXXX, lxcXXXX), both MACs and MTUs, proxy-ARP on
		the host side, the pod's gateway and how its MAC is resolved, the node's route back to the pod, and
		the dataplane.

		Nothing runs in the application pods: from each node's helper pod, packetwalk finds the pod's network
		namespace by its UID and container IDs in /proc, checks that it holds the pod's IP, and reads it with
		nsenter. Pods without a shell work the same. All pods on a node cost two commands on its helper pod.

		Pods are named as kubectl names them: NAME, pod/NAME, NAMESPACE/NAME, or a workload or Service
		(deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME), which stands for one of its pods, a
		ready one first, named on stderr. A namespace named like a type (svc, deploy) is given with -n.

		--explain prints each command that was run, on which node, and what its output proved: the manual
		method, step by step.`)

	vethExample = templates.Examples(`
		# Where does pod curl plug into its node?
		kubectl packetwalk veth curl

		# A pod of deployment httpbin (a ready one, as kubectl exec picks it) and pod curl in namespace apps
		kubectl packetwalk veth deploy/httpbin apps/curl

		# Every pod with app=httpbin, with MACs, MTUs and routes
		kubectl packetwalk veth -l app=httpbin -o wide

		# All pods in all namespaces, as JSON
		kubectl packetwalk veth -A -o json

		# Learn the manual method: each command and what it proved
		kubectl packetwalk veth curl --explain`)
)

// Options is the veth command's state.
type Options struct {
	genericiooptions.IOStreams
	Access *cmdshared.NodeAccess

	Selector      string
	AllNamespaces bool
	Output        string
	Explain       bool

	names     []string
	namespace string
	client    kubernetes.Interface
	open      func() (*cmdshared.Session, error)
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, Access: cmdshared.NewNodeAccess(helperpod.ProfileVeth)}
}

// NewCmdVeth builds the cobra command.
func NewCmdVeth(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:                   "veth ((POD | TYPE/NAME)... | -l SELECTOR | -A) [-o wide|json|yaml] [--explain]",
		DisableFlagsInUseLine: true,
		Short:                 "Show where pods plug into their nodes: veth pairs, MACs, proxy-ARP, gateways",
		Long:                  vethLong,
		Example:               vethExample,
		ValidArgsFunction:     cmdshared.CompletePods(cmdshared.FactoryClient(f)),
		RunE:                  cmdshared.RunE(o, func(args []string) error { return o.Complete(f, args) }),
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags binds the flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVarP(&o.Selector, "selector", "l", o.Selector, "Show every pod matching this label selector (e.g. app=httpbin)")
	fs.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces, "Look in every namespace (all pods, or those matching -l)")
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: wide, json or yaml")
	fs.BoolVar(&o.Explain, "explain", o.Explain, "Print each node command, where it ran and what its output proved (to stderr with -o json|yaml)")
	o.Access.AddFlags(fs)
}

// Complete reads the arguments and gets the clients.
func (o *Options) Complete(f cmdutil.Factory, args []string) error {
	o.names = args
	ns, _, err := f.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	if o.client, err = f.KubernetesClientSet(); err != nil {
		return err
	}
	o.open = func() (*cmdshared.Session, error) { return o.Access.Open(f, o.IOStreams) }
	return nil
}

// Validate checks flag combinations, naming the flags in the message.
func (o *Options) Validate() error {
	switch {
	case len(o.names) == 0 && o.Selector == "" && !o.AllNamespaces:
		return fmt.Errorf("name one or more pods, or use -l SELECTOR or -A")
	case len(o.names) > 0 && o.Selector != "":
		return fmt.Errorf("pod names and -l cannot be combined: use one or the other")
	case len(o.names) > 0 && o.AllNamespaces:
		return fmt.Errorf("pod names and -A cannot be combined: name pods with -n NAMESPACE")
	}
	if _, err := o.refs(); err != nil {
		return err
	}
	if err := printer.ValidateOutput(o.Output, "wide"); err != nil {
		return err
	}
	return o.Access.Validate()
}

// Run opens a session, looks at the pods and prints the rows.
func (o *Options) Run(ctx context.Context) error {
	pods, err := o.selectPods(ctx)
	if err != nil {
		return err
	}
	session, err := o.open()
	if err != nil {
		return err
	}
	defer session.Close()
	// A refusal by the helper namespace (RBAC, PodSecurity, quota) is the same on every node and ends the
	// command; a node's own refusal (NotReady, say) becomes that node's rows.
	for _, node := range nodesOf(pods) {
		var nodeRefusal *helperpod.NodeRefusal
		if err := session.Preflight(ctx, node); err != nil && !errors.As(err, &nodeRefusal) {
			return err
		}
	}
	return o.run(ctx, session.Runner, pods)
}

// run is Run after the session is open: what tests drive with a fake client and a recorded runner.
func (o *Options) run(ctx context.Context, r noderun.Runner, pods []*corev1.Pod) error {
	list, ex, err := inspect.Veths(ctx, o.client, r, pods)
	if err != nil {
		return err
	}
	p := printer.New(printer.Output(o.Output), printer.Streams(o.IOStreams))
	if o.Explain {
		if err := ex.Print(p.ExplainOut()); err != nil {
			return err
		}
	}
	if err := p.Print(list, func(w io.Writer) error { return printTable(w, list, o.Output == "wide") }); err != nil {
		return err
	}
	failed := 0
	for _, v := range list.Items {
		if v.Status == api.VethError || v.Status == api.VethNetnsNotFound {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rows could not be worked out: see their messages", failed, len(list.Items))
	}
	return nil
}

// selectPods resolves the names, -l or -A to pods, in the order asked.
func (o *Options) selectPods(ctx context.Context) ([]*corev1.Pod, error) {
	if len(o.names) > 0 {
		refs, err := o.refs()
		if err != nil {
			return nil, err
		}
		var pods []*corev1.Pod
		for _, r := range refs {
			p, err := objref.PodFor(ctx, o.client, o.namespace, r, o.ErrOut)
			if err != nil {
				return nil, err
			}
			pods = append(pods, p)
		}
		return pods, nil
	}
	ns := o.namespace
	if o.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	list, err := o.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	if len(list.Items) == 0 {
		where := "namespace " + ns
		if o.AllNamespaces {
			where = "any namespace"
		}
		return nil, fmt.Errorf("no pods match %q in %s", o.Selector, where)
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
	}
	return pods, nil
}

// refs reads the POD arguments: NAME, TYPE/NAME or NAMESPACE/NAME.
func (o *Options) refs() ([]objref.Ref, error) {
	var refs []objref.Ref
	for _, name := range o.names {
		r, err := objref.Parse(name, objref.Pod)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// nodesOf lists the nodes the pods run on, each once, in the pods' order.
func nodesOf(pods []*corev1.Pod) []string {
	var nodes []string
	for _, p := range pods {
		if n := p.Spec.NodeName; n != "" && !slices.Contains(nodes, n) {
			nodes = append(nodes, n)
		}
	}
	return nodes
}
