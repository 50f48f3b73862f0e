package cmdshared

import (
	"fmt"

	"github.com/spf13/cobra"
)

// usageError is a mistake on the command line. Like kubectl, it is said with one line pointing at -h,
// instead of the command's whole usage above the error.
type usageError struct {
	err     error
	command string
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%s\nSee '%s -h' for help and examples", e.err, e.command)
}

func (e *usageError) Unwrap() error { return e.err }

// UsageError marks err as a mistake in how cmd was called.
func UsageError(cmd *cobra.Command, err error) error {
	return &usageError{err: err, command: cmd.CommandPath()}
}

// ShortUsage makes root and every command under it answer a usage mistake (a wrong flag, a wrong number
// of arguments) with the error and a pointer to -h, never with the usage text.
func ShortUsage(root *cobra.Command) {
	root.SilenceUsage = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return UsageError(cmd, err) })
	var wrap func(*cobra.Command)
	wrap = func(cmd *cobra.Command) {
		if args := cmd.Args; args != nil {
			cmd.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return UsageError(cmd, err)
				}
				return nil
			}
		}
		for _, sub := range cmd.Commands() {
			wrap(sub)
		}
	}
	wrap(root)
}
