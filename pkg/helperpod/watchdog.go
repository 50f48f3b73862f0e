package helperpod

import (
	"strconv"
	"time"
)

// watchdogScript is the helper container's main process. It stops the helper once the heartbeat file (the
// downward API copy of HeartbeatAnnotation) has not changed for $1 seconds: the plugin that renews it is gone,
// or the kubelet that copies it is. It counts its own sleeps instead of comparing the plugin's clock with the
// node's, so clock skew does not matter. activeDeadlineSeconds cannot do this: it can only be shortened, so it
// would end a capture that runs longer than the deadline.
const watchdogScript = `last=
quiet=0
while [ "$quiet" -lt "$1" ]; do
	beat=$(cat ` + heartbeatFile + ` 2>/dev/null)
	if [ "$beat" != "$last" ]; then
		last=$beat
		quiet=0
	else
		quiet=$((quiet + ` + watchdogPollSeconds + `))
	fi
	sleep ` + watchdogPollSeconds + `
done
echo "packetwalk: no heartbeat for $1s, the plugin is gone: stopping" >&2
`

const (
	heartbeatDir        = "/etc/packetwalk"
	heartbeatFile       = heartbeatDir + "/heartbeat"
	watchdogPollSeconds = "5"
	// WatchdogPoll is how late the watchdog may notice a lapsed heartbeat.
	WatchdogPoll = 5 * time.Second
)

// watchdogCommand is the helper container's command: the constant script, with the deadline as its only
// (positional) parameter.
func watchdogCommand(deadline time.Duration) []string {
	return []string{"/bin/sh", "-c", watchdogScript, "packetwalk-watchdog", strconv.FormatInt(deadlineSeconds(deadline), 10)}
}

func deadlineSeconds(d time.Duration) int64 {
	return max(int64(d/time.Second), 1)
}
