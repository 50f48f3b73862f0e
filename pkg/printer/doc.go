// Package printer writes packetwalk's answers the way -o asks: the stable API objects of pkg/api as JSON or
// YAML (docs/output.md), or the verb's own text view for people; and it sends --explain where it does not
// mix with an object on stdout. It also holds the formatters every view shares: a command line for a
// person to paste (ShellQuote). It is modelled on hubble's printer: one Printer built from options.
package printer
