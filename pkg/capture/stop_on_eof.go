package capture

// stopOnEOFScript runs "$@" in the background and stops it with SIGTERM when stdin reaches EOF, so closing
// the exec session's stdin stops tcpdump on the node. It also exits as soon as the command exits by itself
// (tcpdump -c, a bad filter) without waiting for stdin, and exits with the command's status.
//
// Background jobs of a non-interactive sh get /dev/null as stdin, so the real stdin is kept on fd 3 for the
// watcher. The watcher loops on the read builtin, not cat, so killing the watcher's pid leaves no process
// behind holding the session's stderr open, and the watcher holds neither stdout nor stderr: should it outlive
// the kill (a TERM landing before the forked subshell has reset the inherited trap), the exec session still
// ends when the command does. The wait loop restarts when a trapped signal interrupts wait.
const stopOnEOFScript = `exec 3<&0 </dev/null
"$@" 3<&- &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' HUP INT TERM
(
	while read -r line; do :; done <&3
	kill -TERM "$pid" 2>/dev/null
) >/dev/null 2>&1 &
watcher=$!
exec 3<&-
while :; do
	wait "$pid"
	status=$?
	kill -0 "$pid" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
`

// stopOnEOFName is the wrapper's $0: it names the wrapper in `ps` on the node and in sh's own messages.
const stopOnEOFName = "packetwalk-capture"

// StopOnEOF wraps argv so that it stops when the session's stdin is closed. argv reaches the command only as
// positional parameters of a fixed script: nothing in it is ever parsed by the shell.
func StopOnEOF(argv []string) []string {
	return append([]string{"/bin/sh", "-c", stopOnEOFScript, stopOnEOFName}, argv...)
}
