package cmdshared

import (
	"context"

	"github.com/spf13/cobra"
)

// Verb is the part of a command's Options that runs it, as in kubectl: Validate checks flags and arguments,
// Run does the work.
type Verb interface {
	Validate() error
	Run(ctx context.Context) error
}

// RunE runs complete, then o.Validate, then o.Run. A mistake found before Run is a usage error (said with a
// pointer to -h); one from Run is not.
func RunE(o Verb, complete func(args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := complete(args); err != nil {
			return UsageError(cmd, err)
		}
		if err := o.Validate(); err != nil {
			return UsageError(cmd, err)
		}
		return o.Run(cmd.Context())
	}
}
