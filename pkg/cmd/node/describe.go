package node

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"k8s.io/cli-runtime/pkg/printers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// describe prints nn for a person, in kubectl describe's manner.
func describe(w io.Writer, nn *api.NodeNetwork) error {
	tw := printers.GetNewTabWriter(w)
	ready := "Ready"
	if !nn.Ready {
		ready = "NotReady"
	}
	termsafe.Fprintf(tw, "Node:\t%s (%s, %s)\n", nn.Node, ready, nn.OS)
	termsafe.Fprintf(tw, "Dataplane:\t%s\n", nn.Dataplane)
	for _, e := range nn.DataplaneEvidence {
		termsafe.Fprintf(tw, "\t  %s\n", e)
	}
	if len(nn.Encapsulation) == 0 {
		termsafe.Fprintf(tw, "Encapsulation:\tnone: pod packets leave the node as they are\n")
	} else {
		termsafe.Fprintf(tw, "Encapsulation:\t\n")
		for _, e := range nn.Encapsulation {
			termsafe.Fprintf(tw, "\t  %s\n", encapLine(e, nn.PodMTU))
		}
	}
	if nn.PodMTU != 0 {
		termsafe.Fprintf(tw, "Pod MTU:\t%d\n", nn.PodMTU)
	}
	if len(nn.PodRoutes) == 0 {
		termsafe.Fprintf(tw, "Routes to other nodes' pods:\tnone found (a single node, or routing the node's tables do not show)\n")
	} else {
		termsafe.Fprintf(tw, "Routes to other nodes' pods:\t\n")
		for _, r := range nn.PodRoutes {
			owner := r.Node
			if r.VTEP != "" {
				owner += " (VTEP " + r.VTEP + ")"
			}
			termsafe.Fprintf(tw, "\t  %s → %s\n", printer.Route(r), owner)
		}
	}
	termsafe.Fprintf(tw, "Kube-proxy:\t%s\n", nn.KubeProxyMode)
	for _, e := range nn.KubeProxyEvidence {
		termsafe.Fprintf(tw, "\t  %s\n", e)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	termsafe.Fprintf(w, "Pods:\n")
	if len(nn.Pods) == 0 {
		termsafe.Fprintf(w, "  none\n")
	} else {
		pw := printers.GetNewTabWriter(w)
		fmt.Fprintln(pw, "  POD\tIPS\tINTERFACE\tHOST-PEER\tNOTE")
		for _, p := range nn.Pods {
			peer, note := "-", p.Message
			if p.HostInterface != "" {
				peer = fmt.Sprintf("%s (ifindex %d)", p.HostInterface, p.HostIfIndex)
			}
			if p.HostNetwork {
				peer, note = "node's own", "hostNetwork"
			}
			termsafe.Fprintf(pw, "  %s\t%s\t%s\t%s\t%s\n", p.Pod, cmp.Or(strings.Join(p.IPs, ","), "-"), cmp.Or(p.Interface, "-"), peer, note)
		}
		if err := pw.Flush(); err != nil {
			return err
		}
	}
	if len(nn.Warnings) > 0 {
		termsafe.Fprintf(w, "Warnings:\n")
		for _, warn := range nn.Warnings {
			termsafe.Fprintf(w, "  %s\n", warn)
		}
	}
	return nil
}

func encapLine(e api.Encapsulation, podMTU int) string {
	s := e.Type + " on " + e.Device
	if e.VNI != 0 {
		s += fmt.Sprintf(", VNI %d", e.VNI)
	} else if e.Type == "VXLAN" || e.Type == "Geneve" {
		s += ", VNI per packet"
	}
	if e.Port != 0 {
		s += fmt.Sprintf(", UDP %d", e.Port)
	}
	if e.Local != "" {
		s += ", local " + e.Local
	}
	s += fmt.Sprintf(", MTU %d", e.MTU)
	if e.Underlay != "" {
		s += fmt.Sprintf(", over %s (MTU %d)", e.Underlay, e.UnderlayMTU)
	}
	if podMTU != 0 && e.UnderlayMTU != 0 {
		verdict := "fits"
		if !e.Fits {
			verdict = "does NOT fit"
		}
		s += fmt.Sprintf(": pod MTU %d + %d overhead = %d %s", podMTU, e.Overhead, podMTU+e.Overhead, verdict)
	}
	return s
}
