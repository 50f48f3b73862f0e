// Package batch runs several node commands in one exec: a constant POSIX-sh script takes the commands
// as positional parameters and frames each one's output and exit status, so gathering a node's facts costs
// one round trip through the API server instead of one per command.
package batch

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// script runs several commands in one exec and frames each one's output. It is constant: the commands
// arrive as positional parameters (a frame mark, then for each command its argument count and arguments).
// The eval only ever sees text of the form `"${3}" "${4}"`, built from counters, so every argument is
// expanded as one quoted word and never parsed as shell.
const script = `m=$1; shift; i=0
while [ $# -gt 0 ]; do
  n=$1; shift; c=''; k=1
  while [ "$k" -le "$n" ]; do c="$c \"\${$k}\""; k=$((k+1)); done
  printf '%s %d\n' "$m" "$i" >&2
  eval "$c" </dev/null; rc=$?
  printf '\n%s %d %d\n' "$m" "$i" "$rc"
  shift "$n"; i=$((i+1))
done`

// Name is the $0 of the batch script, which marks a batch argv.
const Name = "packetwalk-batch"

// Argv packs cmds into one argv for the batch script, with the frame mark it will print. The mark is new
// and random for every batch: the commands print text from the node (interface names, rule comments) that
// must not be able to end a command's frame early and forge the next one's result.
func Argv(cmds [][]string) (argv []string, mark string) {
	mark = "--packetwalk-" + rand.Text()
	argv = []string{"sh", "-c", script, Name, mark}
	for _, c := range cmds {
		argv = append(argv, strconv.Itoa(len(c)))
		argv = append(argv, c...)
	}
	return argv, mark
}

// Split cuts a batch's stdout and stderr into one Result per command. A command whose frame is missing
// (the batch was cut short) is an error.
func Split(res noderun.Result, mark string, n int) ([]noderun.Result, error) {
	out := make([]noderun.Result, n)
	stdout := res.Stdout
	for i := 0; i < n; i++ {
		end := []byte("\n" + mark + " " + strconv.Itoa(i) + " ")
		at := bytes.Index(stdout, end)
		if at < 0 {
			return nil, fmt.Errorf("batch output ends before command %d of %d (exit status %d): %s", i+1, n, res.ExitCode, lastLine(res.Stderr))
		}
		out[i].Stdout = stdout[:at]
		rest := stdout[at+len(end):]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			nl = len(rest)
		}
		code, err := strconv.Atoi(string(rest[:nl]))
		if err != nil {
			return nil, fmt.Errorf("batch frame %d has no exit status: %q", i, rest[:nl])
		}
		out[i].ExitCode = code
		stdout = rest[min(nl+1, len(rest)):]
	}
	for i, chunk := range strings.Split(string(res.Stderr), mark+" ") {
		if i == 0 {
			continue
		}
		num, body, _ := strings.Cut(chunk, "\n")
		if k, err := strconv.Atoi(num); err == nil && k >= 0 && k < n {
			out[k].Stderr = []byte(body)
		}
	}
	return out, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// Run runs cmds on node in one exec and returns each command's result.
func Run(ctx context.Context, r noderun.Runner, node string, cmds [][]string) ([]noderun.Result, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	argv, mark := Argv(cmds)
	res, err := r.Run(ctx, node, argv)
	if err != nil {
		return nil, err
	}
	return Split(res, mark, len(cmds))
}

// Decode unpacks a batch argv into its commands and frame mark; ok is false for any other argv.
func Decode(argv []string) (cmds [][]string, mark string, ok bool) {
	if len(argv) < 5 || argv[0] != "sh" || argv[1] != "-c" || argv[3] != Name {
		return nil, "", false
	}
	mark = argv[4]
	rest := argv[5:]
	for len(rest) > 0 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 0 || n > len(rest)-1 {
			return nil, "", false
		}
		cmds = append(cmds, rest[1:1+n])
		rest = rest[1+n:]
	}
	return cmds, mark, true
}

// Frame is the output the batch script prints for results: what a fake node answers to a batch.
func Frame(results []noderun.Result, mark string) noderun.Result {
	var res noderun.Result
	for i, sub := range results {
		res.Stderr = append(res.Stderr, fmt.Sprintf("%s %d\n", mark, i)...)
		res.Stderr = append(res.Stderr, sub.Stderr...)
		res.Stdout = append(res.Stdout, sub.Stdout...)
		res.Stdout = append(res.Stdout, fmt.Sprintf("\n%s %d %d\n", mark, i, sub.ExitCode)...)
	}
	return res
}
