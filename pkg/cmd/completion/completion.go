// Package completion is `kubectl-packetwalk completion SHELL`: shell completion for the plugin run on its
// own, as kubectl-packetwalk. Under kubectl, completion goes through kubectl_complete-packetwalk instead.
package completion

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"
)

// BinaryName is the name the shell knows the plugin by when it runs on its own. Cobra names the completion
// functions after the root command ("packetwalk"), which no shell would ever complete.
const BinaryName = "kubectl-packetwalk"

var (
	completionLong = templates.LongDesc(`
		Print a shell completion script for kubectl-packetwalk run on its own.

		Under kubectl (1.26 or later), put kubectl_complete-packetwalk on your PATH instead: kubectl runs it to
		complete "kubectl packetwalk …". krew cannot install that file on your PATH; see the README.`)

	completionExample = templates.Examples(`
		# bash, for this shell
		source <(kubectl-packetwalk completion bash)

		# zsh, for every new shell
		kubectl-packetwalk completion zsh > "${fpath[1]}/_kubectl-packetwalk"`)
)

// NewCmdCompletion builds the completion command of root.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:                   "completion bash|zsh|fish|powershell",
		Short:                 "Print a shell completion script for kubectl-packetwalk",
		Long:                  completionLong,
		Example:               completionExample,
		DisableFlagsInUseLine: true,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return write(cmd.Root(), args[0], streams)
		},
	}
}

// write generates the script with the root renamed to the binary, and restores the name after.
func write(root *cobra.Command, shell string, streams genericiooptions.IOStreams) error {
	use := root.Use
	root.Use = BinaryName
	defer func() { root.Use = use }()
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(streams.Out, true)
	case "zsh":
		return root.GenZshCompletion(streams.Out)
	case "fish":
		return root.GenFishCompletion(streams.Out, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(streams.Out)
	}
	return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", shell)
}
