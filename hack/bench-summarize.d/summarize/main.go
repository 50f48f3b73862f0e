// Command summarize runs `kubectl packetwalk summarize` on its own, for hack/bench-summarize when the plugin
// binary at hand does not have the verb yet.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/summarize"
)

func main() {
	cmd := summarize.NewCmdSummarize(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
