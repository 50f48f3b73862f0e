// Package noderun runs commands on cluster nodes through packetwalk's node helper pods.
//
// Every node command in packetwalk is an argv slice built by a pure function and run through a Runner.
// The real Runner execs into the node's helper pod with client-go's remotecommand; tests use a Recorded
// runner that replays output recorded from the kernel lab and the local cluster.
package noderun

import (
	"context"
	"io"
)

// Runner runs argv on a node. Implementations must never pass argv through a shell.
type Runner interface {
	// Run runs argv on node and collects its output. A command that ran and exited non-zero is not an
	// error: its status is in Result.ExitCode. Errors mean the command could not be run at all.
	Run(ctx context.Context, node string, argv []string) (Result, error)

	// Stream runs argv on node and copies its stdout and stderr as they come, without a TTY, so stdout
	// can carry binary data such as pcap. The command's stdin stays open until ctx is done and is then
	// closed: node-side wrappers use that EOF to stop what they started (see capture.StopOnEOF). Stream
	// returns when the command has exited; a command killed because ctx ended is not an error.
	Stream(ctx context.Context, node string, argv []string, stdout, stderr io.Writer) (exitCode int, err error)
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// OK reports whether the command exited zero.
func (r Result) OK() bool { return r.ExitCode == 0 }
