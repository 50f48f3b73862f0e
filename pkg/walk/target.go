package walk

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
)

// TargetKind is what a --to argument names.
type TargetKind int

const (
	TargetPod TargetKind = iota + 1
	TargetService
	TargetIP
	// TargetWorkload is a Deployment, StatefulSet, … that the command turns into one of its pods before
	// the walk.
	TargetWorkload
)

func (k TargetKind) String() string {
	switch k {
	case TargetPod:
		return "pod"
	case TargetService:
		return "service"
	case TargetIP:
		return "ip"
	case TargetWorkload:
		return "workload"
	}
	return "unknown"
}

// Target is a parsed --to argument.
type Target struct {
	Kind TargetKind
	// Namespace is empty when the argument did not name one (the command's namespace applies).
	Namespace string
	Name      string
	IP        netip.Addr
	// Port is the port given in the argument (0 when none); PortName a Service port's name given instead.
	Port     int
	PortName string
	// Workload is the kind of a TargetWorkload.
	Workload objref.Kind
}

func (t Target) String() string {
	var s string
	switch t.Kind {
	case TargetIP:
		s = t.IP.String()
		if t.Port != 0 {
			return net.JoinHostPort(s, strconv.Itoa(t.Port))
		}
		return s
	case TargetService:
		s = "svc/"
	case TargetWorkload:
		s = string(t.Workload) + "/"
	default:
		s = "pod/"
	}
	if t.Namespace != "" {
		s += t.Namespace + "/"
	}
	s += t.Name
	switch {
	case t.PortName != "":
		s += ":" + t.PortName
	case t.Port != 0:
		s += ":" + strconv.Itoa(t.Port)
	}
	return s
}

// ParseTarget parses the forms --to accepts: a name as objref reads it (NAME, pod/NAME, NAMESPACE/NAME,
// deploy/NAME and the other workloads, svc/NAME, with TYPE/NAMESPACE/NAME too), svc/NAME:PORT with a port
// number or name, an IP, or IP:PORT ([IPv6]:PORT).
func ParseTarget(s string) (Target, error) {
	if s == "" {
		return Target{}, fmt.Errorf("--to is required: a pod, svc/NAME[:PORT], NAMESPACE/NAME or an IP[:PORT]")
	}
	if t, ok, err := parseIPTarget(s); ok || err != nil {
		return t, err
	}
	base, port, hasPort := strings.Cut(s, ":")
	r, err := objref.Parse(base, objref.Pod)
	if err != nil {
		return Target{}, fmt.Errorf("--to %w, svc/NAME[:PORT] or an IP[:PORT]", err)
	}
	t := Target{Kind: TargetPod, Namespace: r.Namespace, Name: r.Name}
	switch {
	case r.Kind == objref.Pod:
	case r.Kind == objref.Service:
		t.Kind = TargetService
	case r.Kind.Workload():
		t.Kind, t.Workload = TargetWorkload, r.Kind
	default:
		return Target{}, fmt.Errorf("--to %q: a %s is no destination: name a pod, a workload, svc/NAME or an IP", s, r.Kind)
	}
	if !hasPort {
		return t, nil
	}
	if t.Kind != TargetService {
		return Target{}, fmt.Errorf("--to %q: a port after a pod name is not supported; use --port", s)
	}
	if port == "" {
		return Target{}, fmt.Errorf("--to %q: expected svc/NAME:PORT", s)
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("--to %q: port %d is out of range 1-65535", s, n)
		}
		t.Port = n
	} else {
		t.PortName = port
	}
	return t, nil
}

// parseIPTarget accepts IP, IPv4:PORT and [IPv6]:PORT. ok is false when s is not an address at all.
func parseIPTarget(s string) (t Target, ok bool, err error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return Target{Kind: TargetIP, IP: ip.Unmap()}, true, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Target{}, false, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return Target{}, false, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Target{}, true, fmt.Errorf("--to %q: port must be a number from 1 to 65535", s)
	}
	return Target{Kind: TargetIP, IP: ip.Unmap(), Port: n}, true, nil
}
