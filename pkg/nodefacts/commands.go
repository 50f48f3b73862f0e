package nodefacts

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/sysctl"
)

// Want selects which node facts to gather. Links are always gathered.
type Want uint

const (
	WantRoutes Want = 1 << iota
	WantNeighbours
	WantFDB
	WantSysctls
	// WantNAT reads kube-proxy's rules (iptables-save -t nat, nft -j list ruleset) and the proxy mode.
	WantNAT

	// WantPeer is enough to name a pod's host peer and confirm it from the node's tables.
	WantPeer Want = WantRoutes | WantFDB
	// WantVeth is what `packetwalk veth` shows.
	WantVeth = WantRoutes | WantNeighbours | WantSysctls | WantFDB
	// WantAll is everything: the node view and the path walk.
	WantAll = WantRoutes | WantNeighbours | WantFDB | WantSysctls | WantNAT
)

// hostCommand is one command of a node's host-namespace batch and how its output lands in Node.
type hostCommand struct {
	argv    []string
	purpose string
	parse   func(n *Node, out []byte) error
}

func hostCommands(want Want) []hostCommand {
	cmds := []hostCommand{{
		argv:    iproute.AddrShow(),
		purpose: "the node's links (ifindex, kind, MAC, MTU, veth peers) and addresses",
		parse: func(n *Node, out []byte) (err error) {
			n.Links, err = iproute.ParseLinks(out)
			return err
		},
	}}
	if want&WantRoutes != 0 {
		for _, fam := range []string{"inet", "inet6"} {
			cmds = append(cmds, hostCommand{
				argv:    iproute.RouteShow(fam),
				purpose: "the node's " + familyName(fam) + " routes (to pods, to other nodes' pod blocks)",
				parse: func(n *Node, out []byte) error {
					rs, err := iproute.ParseRoutes(out)
					n.Routes = append(n.Routes, rs...)
					return err
				},
			})
		}
	}
	if want&WantNeighbours != 0 {
		cmds = append(cmds, hostCommand{
			argv:    iproute.NeighShow(),
			purpose: "the node's ARP/NDP entries (static ones for tunnel VTEPs)",
			parse: func(n *Node, out []byte) (err error) {
				n.Neighbours, err = iproute.ParseNeighbours(out)
				return err
			},
		})
	}
	if want&WantFDB != 0 {
		cmds = append(cmds, hostCommand{
			argv:    iproute.FDBShow(),
			purpose: "the forwarding database (which remote VTEP owns each tunnel MAC)",
			parse: func(n *Node, out []byte) (err error) {
				n.FDB, err = iproute.ParseFDB(out)
				return err
			},
		})
	}
	if want&WantSysctls != 0 {
		cmds = append(cmds, hostCommand{
			argv:    sysctl.ReadArgv(),
			purpose: "ip_forward and each interface's proxy_arp and rp_filter",
			parse: func(n *Node, out []byte) (err error) {
				n.Sysctls, err = sysctl.Parse(out)
				return err
			},
		})
	}
	if want&WantNAT != 0 {
		cmds = append(cmds, hostCommand{
			argv:    netfilter.IPTablesSaveArgv(),
			purpose: "kube-proxy's iptables nat rules",
			parse: func(n *Node, out []byte) (err error) {
				n.NAT, err = netfilter.ParseIPTablesSave(out)
				return err
			},
		}, hostCommand{
			argv:    netfilter.NFTListArgv(),
			purpose: "the nftables ruleset (kube-proxy's nftables mode)",
			parse: func(n *Node, out []byte) (err error) {
				n.NFT, err = netfilter.ParseNFT(out)
				return err
			},
		})
	}
	return cmds
}

func familyName(fam string) string {
	if fam == "inet6" {
		return "IPv6"
	}
	return "IPv4"
}
