// Package cleanup is `kubectl packetwalk cleanup`: it deletes helper pods whose run is over.
package cleanup

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

var (
	cleanupLong = templates.LongDesc(`
		Delete packetwalk's node helper pods whose run is over, in the current namespace (-n) or in all
		namespaces (-A). Helper pods live in --helper-namespace of the command that made them, "default"
		unless you chose another.

		packetwalk deletes its helper pods when it exits, Ctrl-C included. A plugin killed with SIGKILL, or a
		lost connection, leaves its pods behind. While a run is alive it renews a heartbeat on its pods
		(annotation ` + helperpod.HeartbeatAnnotation + `); a helper whose heartbeat is older than its
		--helper-deadline stops itself, and its pod stays until it is deleted. This command deletes the pods
		of runs that are over: finished, or with no heartbeat for the deadline plus a minute of clock skew.
		Pods of live runs, other users' included, are kept unless you give --all.

		Helper pods carry the label ` + helperpod.Selector + `.`)

	cleanupExample = templates.Examples(`
		# List the helper pods that would be deleted, in the current namespace
		kubectl packetwalk cleanup --dry-run

		# Delete the helper pods of runs that are over, in every namespace
		kubectl packetwalk cleanup -A

		# Delete every helper pod in namespace netdebug, live runs too (asks first on a terminal)
		kubectl packetwalk cleanup --all -n netdebug`)
)

// Options is the cleanup command's state.
type Options struct {
	genericiooptions.IOStreams
	DryRun        bool
	All           bool
	AllNamespaces bool

	namespace string
	client    kubernetes.Interface
	now       func() time.Time
	// confirm asks the user on a terminal; it reports false when there is none to ask.
	confirm func(question string) (asked, yes bool)
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	o := &Options{IOStreams: streams, now: time.Now}
	o.confirm = o.askOnTerminal
	return o
}

// NewCmdCleanup builds the cobra command.
func NewCmdCleanup(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:     "cleanup [--dry-run] [--all] [-n NAMESPACE | -A]",
		Short:   "Delete helper pods whose packetwalk run is over",
		Long:    cleanupLong,
		Example: cleanupExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(f); err != nil {
				return err
			}
			cmd.SilenceUsage = true
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", o.DryRun, "Only list the helper pods that would be deleted")
	cmd.Flags().BoolVar(&o.All, "all", o.All, "Delete the helper pods of live runs too, other users' included (asks first on a terminal)")
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces, "Clean up in every namespace instead of the current one")
	return cmd
}

// Complete gets the client and the namespace, as kubectl does: -n, else the kubeconfig context's.
func (o *Options) Complete(f cmdutil.Factory) error {
	client, err := f.KubernetesClientSet()
	if err != nil {
		return err
	}
	o.client = client
	if o.AllNamespaces {
		o.namespace = metav1.NamespaceAll
		return nil
	}
	o.namespace, _, err = f.ToRawKubeConfigLoader().Namespace()
	return err
}

// Run deletes the helper pods of runs that are over (of every run with --all), going on past a failed delete.
func (o *Options) Run(ctx context.Context) error {
	pods, err := helperpod.List(ctx, o.client, o.namespace)
	if err != nil {
		return err
	}
	if len(pods) == 0 {
		fmt.Fprintln(o.Out, "No packetwalk helper pods found.")
		return nil
	}
	var doomed []*corev1.Pod
	live := 0
	for i := range pods {
		p := &pods[i]
		over, why := helperpod.RunOver(p, o.now())
		switch {
		case over:
		case o.All:
			live++
		default:
			fmt.Fprintf(o.Out, "%s kept: its run is live (%s); --all deletes it\n", o.describe(p), why)
			continue
		}
		doomed = append(doomed, p)
	}
	if live > 0 && !o.DryRun {
		question := fmt.Sprintf("Delete %d helper pods, %d of them in live runs that may be someone's capture? [y/N] ", len(doomed), live)
		if asked, yes := o.confirm(question); asked && !yes {
			fmt.Fprintln(o.Out, "Nothing deleted.")
			return nil
		}
	}
	var first error
	failed := 0
	for _, p := range doomed {
		if o.DryRun {
			fmt.Fprintf(o.Out, "%s would be deleted (dry run)\n", o.describe(p))
			continue
		}
		if err := helperpod.Delete(ctx, o.client, p); err != nil {
			failed++
			if first == nil {
				first = err
			}
			continue
		}
		fmt.Fprintf(o.Out, "%s deleted\n", o.describe(p))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d helper pods not deleted, the first: %w", failed, len(doomed), first)
	}
	return nil
}

func (o *Options) describe(p *corev1.Pod) string {
	age := duration.HumanDuration(o.now().Sub(p.CreationTimestamp.Time))
	return fmt.Sprintf("pod/%s in namespace %s on node %s (run %s, age %s)", p.Name, p.Namespace, p.Spec.NodeName, p.Labels[helperpod.RunLabel], age)
}
