// Command kubectl-packetwalk is the kubectl plugin `kubectl packetwalk`.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd"
	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
)

func main() {
	// Ctrl-C and SIGTERM cancel the context, so every command deletes its helper pods on the way out.
	// A second signal kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	// A closed reader (Wireshark quit, `| head`) must be a write error the command handles, not death by
	// SIGPIPE before the helper pods are deleted.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewPacketwalkCommand(streams)
	addKlogFlags(root)
	if err := root.ExecuteContext(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		cmdutil.CheckErr(cmdshared.ConnectionHint(err))
	}
}
