package nodefacts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// batchScript runs several commands in one exec and frames each one's output, so gathering a node's facts
// costs one round trip through the API server instead of one per command. It is constant: the commands
// arrive as positional parameters (a frame mark, then for each command its argument count and arguments).
// The eval only ever sees text of the form `"${3}" "${4}"`, built from counters, so every argument is
// expanded as one quoted word and never parsed as shell.
const batchScript = `m=$1; shift; i=0
while [ $# -gt 0 ]; do
  n=$1; shift; c=''; k=1
  while [ "$k" -le "$n" ]; do c="$c \"\${$k}\""; k=$((k+1)); done
  printf '%s %d\n' "$m" "$i" >&2
  eval "$c" </dev/null; rc=$?
  printf '\n%s %d %d\n' "$m" "$i" "$rc"
  shift "$n"; i=$((i+1))
done`

// batchArgv packs cmds into one argv for batchScript, with the frame mark it will print.
func batchArgv(cmds [][]string) (argv []string, mark string) {
	h := sha256.New()
	for _, c := range cmds {
		for _, a := range c {
			h.Write([]byte(a))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	mark = "--packetwalk-" + hex.EncodeToString(h.Sum(nil))[:24]
	argv = []string{"sh", "-c", batchScript, "packetwalk-batch", mark}
	for _, c := range cmds {
		argv = append(argv, strconv.Itoa(len(c)))
		argv = append(argv, c...)
	}
	return argv, mark
}

// splitBatch cuts a batch's stdout and stderr into one Result per command. A command whose frame is
// missing (the batch was cut short) is an error.
func splitBatch(res noderun.Result, mark string, n int) ([]noderun.Result, error) {
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

// runBatch runs cmds on node in one exec and returns each command's result.
func runBatch(ctx context.Context, r noderun.Runner, node string, cmds [][]string) ([]noderun.Result, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	argv, mark := batchArgv(cmds)
	res, err := r.Run(ctx, node, argv)
	if err != nil {
		return nil, err
	}
	return splitBatch(res, mark, len(cmds))
}
