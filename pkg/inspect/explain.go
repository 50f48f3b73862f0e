// Package inspect turns node and pod network facts into packetwalk's answers: the veth rows of
// `packetwalk veth`, the node view of `packetwalk node`, and the step-by-step explanation of how each
// fact was found (--explain).
package inspect

import (
	"fmt"
	"io"

	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// Step is one command run on a node and what its output proved.
type Step struct {
	Node    string
	Argv    []string
	Purpose string
	Proved  []string
	// Err is set when the command failed; what it would have proved is then unknown.
	Err string
}

// Explanation is the manual method behind an answer, step by step.
type Explanation struct {
	Steps []Step
}

func (e *Explanation) add(c nodefacts.Command, proved ...string) {
	if e == nil {
		return
	}
	e.Steps = append(e.Steps, Step{Node: c.Node, Argv: c.Argv, Purpose: c.Purpose, Proved: proved, Err: c.Err})
}

// Print writes the explanation for a person learning the manual method.
func (e *Explanation) Print(w io.Writer) error {
	for i, s := range e.Steps {
		if _, err := termsafe.Fprintf(w, "Step %d, on node %s: %s\n  $ %s\n", i+1, s.Node, s.Purpose, printer.ShellQuote(s.Argv)); err != nil {
			return err
		}
		if s.Err != "" {
			if _, err := termsafe.Fprintf(w, "  ✗ %s\n", s.Err); err != nil {
				return err
			}
		}
		for _, p := range s.Proved {
			if _, err := termsafe.Fprintf(w, "  → %s\n", p); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}
