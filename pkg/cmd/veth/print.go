package veth

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	"k8s.io/cli-runtime/pkg/printers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

func printTable(w io.Writer, list *api.VethList, wide bool) error {
	tw := printers.GetNewTabWriter(w)
	header := []string{"POD", "NODE", "POD-IF", "POD-IP", "POD-MAC", "HOST-PEER", "HOST-MAC", "MTU", "PROXY-ARP", "GATEWAY", "DATAPLANE"}
	if wide {
		header = append(header, "GATEWAY-MAC", "HOST-ROUTE", "CHECKED-BY")
	}
	var notes []string
	rows := 0
	for _, v := range list.Items {
		pod := v.Pod.String()
		if v.Interface == nil {
			notes = append(notes, termsafe.Sprintf("%s: %s", pod, v.Message))
			continue
		}
		if rows == 0 {
			fmt.Fprintln(tw, strings.Join(header, "\t"))
		}
		rows++
		in := v.Interface
		cells := []string{pod, v.Node, ifName(in.Name, in.PeerIndex), cmp.Or(strings.Join(in.IPs, ","), "-"), cmp.Or(in.MAC, "-")}
		hp := v.HostPeer
		if hp == nil {
			cells = append(cells, "-", "-", mtu(in.MTU, 0, in.RouteMTU), "-", "-", cmp.Or(v.Dataplane, "-"))
			notes = append(notes, termsafe.Sprintf("%s %s: %s", pod, in.Name, v.Message))
		} else {
			cells = append(cells, ifName(hp.Name, hp.PeerIndex), cmp.Or(hp.MAC, "-"), mtu(in.MTU, hp.MTU, in.RouteMTU), proxyARP(hp.ProxyARP), gateway(v.Gateway), cmp.Or(v.Dataplane, "-"))
		}
		if wide {
			gwMAC, checked := "-", "-"
			if v.Gateway != nil && v.Gateway.MAC != "" {
				gwMAC = v.Gateway.MAC
			}
			if hp != nil {
				checked = "peer index"
				if hp.ConfirmedBy != "" {
					checked = "peer index, " + hp.ConfirmedBy
				}
			}
			cells = append(cells, gwMAC, routes(v.HostRoutes), checked)
		}
		for i := range cells {
			cells[i] = termsafe.Escape(cells[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		for _, warn := range v.Warnings {
			notes = append(notes, termsafe.Sprintf("warning: %s %s: %s", pod, in.Name, warn))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rows > 0 && len(notes) > 0 {
		fmt.Fprintln(w)
	}
	seen := map[string]bool{}
	for _, n := range notes {
		if !seen[n] {
			seen[n] = true
			fmt.Fprintln(w, n)
		}
	}
	for _, v := range list.Items {
		if v.Gateway != nil && v.Gateway.Explanation != "" && wide {
			termsafe.Fprintf(w, "gateway of %s %s: %s\n", v.Pod, v.Interface.Name, v.Gateway.Explanation)
		}
	}
	return nil
}

// ifName renders an interface as `ip` does: name@ifPEER.
func ifName(name string, peer int) string {
	if peer == 0 {
		return name
	}
	return name + "@if" + strconv.Itoa(peer)
}

func mtu(pod, host, route int) string {
	s := strconv.Itoa(pod)
	if route != 0 {
		s += "(route " + strconv.Itoa(route) + ")"
	}
	if host != 0 {
		s += "/" + strconv.Itoa(host)
	}
	return s
}

func proxyARP(p *bool) string {
	switch {
	case p == nil:
		return "?"
	case *p:
		return "on"
	}
	return "off"
}

func gateway(g *api.Gateway) string {
	if g == nil {
		return "-"
	}
	how := map[string]string{
		api.GatewayProxyARP:      "proxy-ARP",
		api.GatewayBridge:        "bridge",
		api.GatewayHostInterface: "host interface",
		api.GatewayUnknown:       "unresolved",
	}[g.Resolution]
	return fmt.Sprintf("%s (%s)", g.IP, how)
}

func routes(rs []api.Route) string {
	var s []string
	for _, r := range rs {
		s = append(s, printer.Route(r))
	}
	return cmp.Or(strings.Join(s, ", "), "-")
}
