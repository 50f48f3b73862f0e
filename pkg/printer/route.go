package printer

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
)

// Route prints a route of the API objects as `ip route` does, with iproute.Route's one formatter.
func Route(r api.Route) string {
	ir := iproute.Route{Dst: r.Dst, Gateway: r.Gateway, Dev: r.Dev}
	if r.OnLink {
		ir.Flags = []string{"onlink"}
	}
	return ir.String()
}
