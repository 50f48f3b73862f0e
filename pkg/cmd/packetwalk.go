// Package cmd builds the root `kubectl packetwalk` command.
package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cleanup"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/completion"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/node"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/pod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/summarize"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/version"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/veth"
)

var rootLong = templates.LongDesc(`
	Show the way a packet takes through a Kubernetes cluster.

	packetwalk finds where a pod plugs into its node (the pod's eth0 and its host peer, MACs, proxy-ARP,
	routes), captures traffic on nodes and pods for Wireshark, summarizes captures, and walks a packet hop by
	hop from a pod to another pod or a Service, with evidence from the nodes.

	It works through short-lived helper pods on the nodes (host network and PID namespaces, a few
	capabilities), deleted when it exits. Application pods are never touched and need no tools.`)

// NewPacketwalkCommand builds the root command with every verb.
func NewPacketwalkCommand(streams genericiooptions.IOStreams) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true).WithDiscoveryBurst(300).WithDiscoveryQPS(50.0)
	f := cmdutil.NewFactory(configFlags)

	cmd := &cobra.Command{
		Use:   "packetwalk",
		Short: "Show the way a packet takes through a Kubernetes cluster",
		Long:  rootLong,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl packetwalk",
		},
		SilenceErrors: true,
		Run:           func(cmd *cobra.Command, args []string) { _ = cmd.Help() },
	}
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	configFlags.AddFlags(cmd.PersistentFlags())
	clients := cmdshared.FactoryClient(f)
	_ = cmd.RegisterFlagCompletionFunc("namespace", cmdshared.CompleteNamespaces(clients))

	cmd.AddCommand(
		veth.NewCmdVeth(f, streams),
		node.NewCmdNode(f, streams),
		pod.NewCmdPod(f, streams),
		capture.NewCmdCapture(f, streams),
		summarize.NewCmdSummarize(streams),
		cleanup.NewCmdCleanup(f, streams),
		version.NewCmdVersion(streams),
		completion.NewCmdCompletion(streams),
	)
	return cmd
}
