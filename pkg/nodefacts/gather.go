package nodefacts

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/iproute"
	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/batch"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
)

// Remote addresses asked about with `ip route get` inside a pod: documentation prefixes (RFC 5737, RFC
// 3849) that no cluster uses, so the answer is the pod's route for "anywhere else".
var (
	RemoteProbe4 = netip.MustParseAddr("192.0.2.1")
	RemoteProbe6 = netip.MustParseAddr("2001:db8::1")
)

// PodLookup is the result of looking for one pod's network namespace on its node.
type PodLookup struct {
	Pod *corev1.Pod
	// Net is the pod's namespace; nil when it was not found (Err says why).
	Net *PodNet
	// Candidates are the namespaces whose processes matched the pod, before the IP check.
	Candidates []podnet.Candidate
	// Scan is the /proc scan command that found them.
	Scan Command
	Err  error
}

// Gather collects node's facts and, for each of pods (which must be scheduled on node and have their
// IPs in status), its network namespace. It runs two batches on the node: the node's own commands with
// the /proc scan, then the commands inside each candidate namespace.
func Gather(ctx context.Context, r noderun.Runner, node string, pods []*corev1.Pod, want Want) (*Node, []PodLookup, error) {
	n := &Node{Name: node}
	hcs := hostCommands(want)
	cmds := make([][]string, 0, len(hcs)+1)
	for _, hc := range hcs {
		cmds = append(cmds, hc.argv)
	}
	var patterns []string
	for _, p := range pods {
		patterns = append(patterns, podnet.Patterns(p)...)
	}
	scanAt := -1
	if len(patterns) > 0 {
		scanAt = len(cmds)
		cmds = append(cmds, podnet.ScanArgv(patterns))
	}
	results, err := batch.Run(ctx, r, node, cmds)
	if err != nil {
		return nil, nil, fmt.Errorf("gathering network facts on node %s: %w", node, err)
	}
	for i, hc := range hcs {
		c := Command{Node: node, Argv: hc.argv, ExitCode: results[i].ExitCode, Purpose: hc.purpose}
		if err := commandError(results[i]); err != nil {
			c.Err = err.Error()
			n.Problems = append(n.Problems, fmt.Sprintf("%s: %s", strings.Join(hc.argv, " "), c.Err))
		} else if err := hc.parse(n, results[i].Stdout); err != nil {
			c.Err = err.Error()
			n.Problems = append(n.Problems, c.Err)
		}
		n.Commands = append(n.Commands, c)
	}
	if want&WantNAT != 0 {
		n.KubeProxy = netfilter.DetectProxyMode(n.NAT, n.NFT, n.Links)
	}
	if len(n.Links) == 0 {
		return n, nil, fmt.Errorf("reading the links of node %s: %s", node, strings.Join(n.Problems, "; "))
	}
	if scanAt < 0 {
		return n, lookupsWithoutScan(pods), nil
	}
	scan := Command{Node: node, Argv: cmds[scanAt], ExitCode: results[scanAt].ExitCode,
		Purpose: "processes whose cgroup names the pods' UIDs or container IDs, with their network namespaces"}
	var procs []podnet.Process
	if err := commandError(results[scanAt]); err != nil {
		scan.Err = err.Error()
	} else if procs, err = podnet.ParseScan(results[scanAt].Stdout); err != nil {
		scan.Err = err.Error()
	}
	lookups, err := enterPods(ctx, r, node, pods, procs, scan)
	return n, lookups, err
}

func lookupsWithoutScan(pods []*corev1.Pod) []PodLookup {
	var out []PodLookup
	for _, p := range pods {
		out = append(out, PodLookup{Pod: p, Err: fmt.Errorf("pod %s/%s has no UID or container IDs to look for", p.Namespace, p.Name)})
	}
	return out
}

// podCommand is one command run inside a candidate namespace.
type podCommand struct {
	argv    []string
	purpose string
	parse   func(pn *PodNet, out []byte) error
}

func podCommands() []podCommand {
	cmds := []podCommand{{
		argv:    iproute.AddrShow(),
		purpose: "the pod's interfaces, their peer ifindexes (eth0@ifN), MACs, MTUs and addresses",
		parse: func(pn *PodNet, out []byte) (err error) {
			pn.Links, err = iproute.ParseLinks(out)
			return err
		},
	}}
	for _, fam := range []string{"inet", "inet6"} {
		cmds = append(cmds, podCommand{
			argv:    iproute.RouteShow(fam),
			purpose: "the pod's " + familyName(fam) + " routes (its gateway)",
			parse: func(pn *PodNet, out []byte) error {
				rs, err := iproute.ParseRoutes(out)
				pn.Routes = append(pn.Routes, rs...)
				return err
			},
		})
	}
	cmds = append(cmds, podCommand{
		argv:    iproute.NeighShow(),
		purpose: "the pod's ARP/NDP cache (the MAC its gateway resolved to)",
		parse: func(pn *PodNet, out []byte) (err error) {
			pn.Neighbours, err = iproute.ParseNeighbours(out)
			return err
		},
	})
	for _, probe := range []netip.Addr{RemoteProbe4, RemoteProbe6} {
		cmds = append(cmds, podCommand{
			argv:    iproute.RouteGet(probe.String()),
			purpose: "the route the kernel picks in the pod for a remote " + familyOf(probe) + " address",
			parse: func(pn *PodNet, out []byte) error {
				rs, err := iproute.ParseRoutes(out)
				if err == nil && len(rs) > 0 {
					pn.RouteGet[probe] = rs[0]
				}
				return err
			},
		})
	}
	return cmds
}

func familyOf(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// enterPods runs podCommands in every candidate namespace of every pod, in one batch, and keeps for each
// pod the namespace that holds all of its IPs.
func enterPods(ctx context.Context, r noderun.Runner, node string, pods []*corev1.Pod, procs []podnet.Process, scan Command) ([]PodLookup, error) {
	pcs := podCommands()
	lookups := make([]PodLookup, len(pods))
	// Namespaces are entered once even if several pods' patterns matched them.
	firstCmd := map[string]int{}
	var cmds [][]string
	var entered []podnet.Candidate
	for i, p := range pods {
		lookups[i] = PodLookup{Pod: p, Scan: scan, Candidates: podnet.Candidates(procs, p)}
		for _, c := range lookups[i].Candidates {
			if _, ok := firstCmd[c.Netns]; ok {
				continue
			}
			firstCmd[c.Netns] = len(cmds)
			entered = append(entered, c)
			for _, pc := range pcs {
				cmds = append(cmds, podnet.NsenterArgv(c.PIDs[0], pc.argv))
			}
		}
	}
	var results []noderun.Result
	if len(cmds) > 0 {
		var err error
		if results, err = batch.Run(ctx, r, node, cmds); err != nil {
			return nil, fmt.Errorf("reading pod network namespaces on node %s: %w", node, err)
		}
	}
	nets := map[string]*PodNet{}
	for _, c := range entered {
		at := firstCmd[c.Netns]
		pn := &PodNet{Node: node, PID: c.PIDs[0], NetnsInode: c.Netns, RouteGet: map[netip.Addr]iproute.Route{}}
		for k, pc := range pcs {
			res := results[at+k]
			cmd := Command{Node: node, Argv: cmds[at+k], ExitCode: res.ExitCode, Purpose: pc.purpose}
			if err := commandError(res); err != nil {
				cmd.Err = err.Error()
			} else if err := pc.parse(pn, res.Stdout); err != nil {
				cmd.Err = err.Error()
			}
			pn.Commands = append(pn.Commands, cmd)
		}
		nets[c.Netns] = pn
	}
	for i := range lookups {
		l := &lookups[i]
		ips := PodIPs(l.Pod)
		for _, c := range l.Candidates {
			pn := nets[c.Netns]
			if pn != nil && podnet.HoldsIPs(pn.Links, ips) {
				found := *pn
				found.Namespace, found.Name = l.Pod.Namespace, l.Pod.Name
				l.Net = &found
				break
			}
		}
		if l.Net == nil {
			l.Err = notFound(l, ips, scan)
		}
	}
	return lookups, nil
}

func notFound(l *PodLookup, ips []netip.Addr, scan Command) error {
	pod := l.Pod.Namespace + "/" + l.Pod.Name
	switch {
	case scan.Err != "":
		return fmt.Errorf("scanning /proc for pod %s: %s", pod, scan.Err)
	case len(ips) == 0:
		return fmt.Errorf("pod %s has no IP in its status yet", pod)
	case len(l.Candidates) == 0:
		return fmt.Errorf("no process of pod %s found in /proc on node %s (is the helper pod running with hostPID?)", pod, l.Pod.Spec.NodeName)
	}
	return fmt.Errorf("none of the %d network namespaces of pod %s's processes holds its IPs %v", len(l.Candidates), pod, ips)
}

// PodIPs are the pod's IPs from its status.
func PodIPs(p *corev1.Pod) []netip.Addr {
	var ips []netip.Addr
	seen := map[netip.Addr]bool{}
	add := func(s string) {
		if a, err := netip.ParseAddr(s); err == nil && !seen[a] {
			seen[a] = true
			ips = append(ips, a)
		}
	}
	for _, ip := range p.Status.PodIPs {
		add(ip.IP)
	}
	add(p.Status.PodIP)
	return ips
}

// commandError turns a command's failure into an error: a missing tool by name, otherwise the first
// line of what it printed on stderr.
func commandError(res noderun.Result) error {
	if res.OK() {
		return nil
	}
	msg := strings.TrimSpace(string(res.Stderr))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if res.ExitCode == 127 || res.ExitCode == 126 {
		return fmt.Errorf("not available in the helper image (%s)", msg)
	}
	return fmt.Errorf("exit status %d: %s", res.ExitCode, msg)
}
