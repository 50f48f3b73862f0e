package walk

import (
	"fmt"
	"net/netip"
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

// RouteGetArgv is the argv of `ip -j route get DST [from FROM iif IIF]`. It could live with the other
// iproute2 argv builders (iproute.RouteGet has no from/iif); it is here until the two are merged.
func RouteGetArgv(dst, from, iif string) []string {
	argv := []string{"ip", "-j", "route", "get", dst}
	if from != "" {
		argv = append(argv, "from", from)
	}
	if iif != "" {
		argv = append(argv, "iif", iif)
	}
	return argv
}

// Argv is the query's command as run on its node.
func (q RouteQuery) Argv() []string {
	argv := RouteGetArgv(q.Dst, q.From, q.Iif)
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

// ParseRouteAnswer turns a command's result into an answer.
func ParseRouteAnswer(res noderun.Result) RouteAnswer {
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

// lookup is the table's most specific route to ip, among the routes of ip's family only. A table holds
// both families (`ip -4 route` then `ip -6 route`) and a "default" route does not say its family, so
// iproute.Routes.Lookup alone would match an IPv4 default route for an IPv6 address; the gateway tells.
func lookup(table iproute.Routes, ip netip.Addr) (iproute.Route, bool) {
	var same iproute.Routes
	for _, r := range table {
		if r.Dst == "default" && otherFamily(r, ip) {
			continue
		}
		same = append(same, r)
	}
	return same.Lookup(ip)
}

// otherFamily says a route's gateway (or its first next hop's) is not of ip's family.
func otherFamily(r iproute.Route, ip netip.Addr) bool {
	gw := r.Gateway
	if gw == "" && len(r.Nexthops) > 0 {
		gw = r.Nexthops[0].Gateway
	}
	a, err := netip.ParseAddr(gw)
	return err == nil && a.Is4() != ip.Is4()
}
