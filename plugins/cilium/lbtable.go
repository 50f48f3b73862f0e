package cilium

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// Where the agent runs and how its Service table is read: `cilium-dbg bpf lb list -o json` in the agent's
// container dumps the eBPF load-balancing map the socket and tc programs translate with.
const (
	agentNamespace = "kube-system"
	agentSelector  = "k8s-app=cilium"
	agentContainer = "cilium-agent"
)

// ciliumAgent is the agent pod on each node, where cilium-dbg asks the agent and reads its eBPF maps.
var ciliumAgent = dataplane.Agent{Name: "the Cilium agent", Namespace: agentNamespace, Selector: agentSelector, Container: agentContainer}

// lbListArgv dumps Cilium's eBPF Service map as JSON.
func lbListArgv() []string { return []string{"cilium-dbg", "bpf", "lb", "list", "-o", "json"} }

// parseLBList reads `cilium-dbg bpf lb list -o json`: an object whose keys are frontends with their slot
// ("10.96.0.1:443/TCP (1)") and whose values are lists of one backend each ("10.201.0.1:6443/TCP (1) (1)");
// slot 0 is the Service's own entry (its flags, no backend) and is skipped.
func parseLBList(stdout []byte) (dataplane.ServiceTable, error) {
	var raw map[string][]string
	if err := json.Unmarshal(stdout, &raw); err != nil {
		return nil, fmt.Errorf("reading cilium-dbg bpf lb list: %w", err)
	}
	type key struct {
		fe    netip.AddrPort
		proto string
	}
	byKey := map[key]*dataplane.ServiceEntry{}
	var order []key
	for k, values := range raw {
		fe, proto, slot, err := parseLBKey(k)
		if err != nil {
			return nil, err
		}
		kk := key{fe, proto}
		e, ok := byKey[kk]
		if !ok {
			e = &dataplane.ServiceEntry{Frontend: fe, Protocol: proto}
			byKey[kk] = e
			order = append(order, kk)
		}
		if slot == 0 {
			continue
		}
		for _, v := range values {
			be, err := parseLBBackend(v)
			if err != nil {
				return nil, err
			}
			e.Backends = append(e.Backends, be)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if c := order[i].fe.Compare(order[j].fe); c != 0 {
			return c < 0
		}
		return order[i].proto < order[j].proto
	})
	out := make(dataplane.ServiceTable, 0, len(order))
	for _, k := range order {
		e := byKey[k]
		sort.Slice(e.Backends, func(i, j int) bool { return e.Backends[i].Compare(e.Backends[j]) < 0 })
		out = append(out, *e)
	}
	return out, nil
}

// parseLBKey splits "10.96.0.1:443/TCP (1)" into frontend, protocol and slot.
func parseLBKey(k string) (netip.AddrPort, string, int, error) {
	addr, rest, ok := strings.Cut(k, " ")
	if !ok || !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return netip.AddrPort{}, "", 0, fmt.Errorf("cilium-dbg bpf lb list: unexpected frontend %q", k)
	}
	slot, err := strconv.Atoi(rest[1 : len(rest)-1])
	if err != nil || slot < 0 {
		return netip.AddrPort{}, "", 0, fmt.Errorf("cilium-dbg bpf lb list: unexpected slot in %q", k)
	}
	fe, proto, err := parseAddrProto(addr)
	if err != nil {
		return netip.AddrPort{}, "", 0, fmt.Errorf("cilium-dbg bpf lb list: frontend %q: %w", k, err)
	}
	return fe, proto, slot, nil
}

// parseLBBackend reads the backend address of "10.201.0.1:6443/TCP (1) (1)"; what follows it (the
// reverse-NAT id, the slot, a state) is not needed.
func parseLBBackend(v string) (netip.AddrPort, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(v), " ")
	be, _, err := parseAddrProto(first)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("cilium-dbg bpf lb list: backend %q: %w", v, err)
	}
	return be, nil
}

// parseAddrProto reads "10.96.0.1:443/TCP" or "[fd00::1]:443/TCP"; the protocol is optional.
func parseAddrProto(s string) (netip.AddrPort, string, error) {
	addr, proto, _ := strings.Cut(s, "/")
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.AddrPort{}, "", err
	}
	for _, r := range proto {
		if r < 'A' || r > 'Z' {
			return netip.AddrPort{}, "", fmt.Errorf("unexpected protocol %q", proto)
		}
	}
	return ap, proto, nil
}
