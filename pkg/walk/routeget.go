package walk

import (
	"fmt"
	"sort"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// RouteQuery is one `ip route get` question to a node: where would the kernel send a packet to Dst that
// arrived from From on interface Iif (a forwarded packet, as the node sees a pod's), or, with no Iif, one the
// node itself sends. PID non-zero asks inside that process's network namespace (a pod's).
type RouteQuery struct {
	Node string
	PID  int
	Dst  string
	From string
	Iif  string
}

// Argv is the query's command as run on its node.
func (q RouteQuery) Argv() []string {
	argv := iproute.RouteGetForwarded(q.Dst, q.From, q.Iif)
	if q.PID != 0 {
		return podnet.NsenterArgv(q.PID, argv)
	}
	return argv
}

func (q RouteQuery) String() string { return q.Node + ": " + strings.Join(q.Argv(), " ") }

// RouteAnswer is what a node answered.
type RouteAnswer struct {
	// Route is the kernel's choice; valid when Err is "".
	Route iproute.Route
	// Err is the kernel's refusal ("RTNETLINK answers: Network is unreachable") or why the question
	// could not be asked.
	Err string
}

// RouteAnswers maps questions to answers.
type RouteAnswers map[RouteQuery]RouteAnswer

// parseRouteAnswer turns a command's result into an answer.
func parseRouteAnswer(res noderun.Result) RouteAnswer {
	if !res.OK() {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
		return RouteAnswer{Err: msg}
	}
	rs, err := iproute.ParseRoutes(res.Stdout)
	if err != nil {
		return RouteAnswer{Err: err.Error()}
	}
	if len(rs) == 0 {
		return RouteAnswer{Err: "ip route get printed no route"}
	}
	return RouteAnswer{Route: rs[0]}
}

// sortQueries orders questions by node, then command, so batches are stable.
func sortQueries(qs []RouteQuery) {
	sort.Slice(qs, func(i, j int) bool { return qs[i].String() < qs[j].String() })
}
