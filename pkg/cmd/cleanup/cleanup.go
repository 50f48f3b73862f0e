// Package cleanup is `kubectl packetwalk cleanup`: it deletes helper pods left behind by a killed plugin.
package cleanup

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

var (
	cleanupLong = templates.LongDesc(`
		Find and delete packetwalk's node helper pods in every namespace.

		packetwalk deletes its helper pods when it exits, Ctrl-C included, and each pod carries a deadline
		after which the cluster removes it. A plugin killed with SIGKILL, or a lost connection, can leave a
		pod until that deadline: this command removes it now. Helper pods carry the label ` + helperpod.Selector + `.`)

	cleanupExample = templates.Examples(`
		# List leftover helper pods without deleting them
		kubectl packetwalk cleanup --dry-run

		# Delete them
		kubectl packetwalk cleanup`)
)

// Options is the cleanup command's state.
type Options struct {
	genericiooptions.IOStreams
	DryRun bool

	client kubernetes.Interface
	now    func() time.Time
}

// NewOptions returns Options with defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, now: time.Now}
}

// NewCmdCleanup builds the cobra command.
func NewCmdCleanup(f cmdutil.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:     "cleanup [--dry-run]",
		Short:   "Delete helper pods left behind by an interrupted packetwalk",
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
	return cmd
}

// Complete gets the client.
func (o *Options) Complete(f cmdutil.Factory) error {
	client, err := f.KubernetesClientSet()
	if err != nil {
		return err
	}
	o.client = client
	return nil
}

// Run lists and deletes the leftovers.
func (o *Options) Run(ctx context.Context) error {
	pods, err := helperpod.Leftovers(ctx, o.client)
	if err != nil {
		return err
	}
	if len(pods) == 0 {
		fmt.Fprintln(o.Out, "No packetwalk helper pods found.")
		return nil
	}
	for i := range pods {
		p := &pods[i]
		age := duration.HumanDuration(o.now().Sub(p.CreationTimestamp.Time))
		what := fmt.Sprintf("pod/%s in namespace %s on node %s (run %s, age %s)", p.Name, p.Namespace, p.Spec.NodeName, p.Labels[helperpod.RunLabel], age)
		if o.DryRun {
			fmt.Fprintf(o.Out, "%s would be deleted (dry run)\n", what)
			continue
		}
		if err := helperpod.Delete(ctx, o.client, p); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s deleted\n", what)
	}
	return nil
}
