package walk

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// TargetKind is what a --to argument names.
type TargetKind int

const (
	TargetPod TargetKind = iota + 1
	TargetService
	TargetIP
)

func (k TargetKind) String() string {
	switch k {
	case TargetPod:
		return "pod"
	case TargetService:
		return "service"
	case TargetIP:
		return "ip"
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

var (
	podWords     = map[string]bool{"pod": true, "pods": true, "po": true}
	serviceWords = map[string]bool{"svc": true, "service": true, "services": true}
)

// ParseTarget parses the forms --to accepts: NAME, pod/NAME, NAMESPACE/NAME (a pod), svc/NAME[:PORT],
// svc/NAMESPACE/NAME[:PORT], pod/NAMESPACE/NAME, an IP, or IP:PORT ([IPv6]:PORT). A Service port may be a
// number or the port's name.
func ParseTarget(s string) (Target, error) {
	if s == "" {
		return Target{}, fmt.Errorf("--to is required: a pod, svc/NAME[:PORT], NAMESPACE/NAME or an IP[:PORT]")
	}
	if t, ok, err := parseIPTarget(s); ok || err != nil {
		return t, err
	}
	parts := strings.Split(s, "/")
	for _, p := range parts {
		if p == "" {
			return Target{}, fmt.Errorf("--to %q has an empty part: use NAME, pod/NAME, svc/NAME[:PORT], NAMESPACE/NAME or an IP[:PORT]", s)
		}
	}
	t := Target{Kind: TargetPod}
	switch {
	case len(parts) == 1:
		t.Name = parts[0]
	case len(parts) == 2 && serviceWords[parts[0]]:
		t.Kind, t.Name = TargetService, parts[1]
	case len(parts) == 2 && podWords[parts[0]]:
		t.Name = parts[1]
	case len(parts) == 2:
		t.Namespace, t.Name = parts[0], parts[1]
	case len(parts) == 3 && serviceWords[parts[0]]:
		t.Kind, t.Namespace, t.Name = TargetService, parts[1], parts[2]
	case len(parts) == 3 && podWords[parts[0]]:
		t.Namespace, t.Name = parts[1], parts[2]
	default:
		return Target{}, fmt.Errorf("--to %q: use NAME, pod/NAME, svc/NAME[:PORT], NAMESPACE/NAME or an IP[:PORT]", s)
	}
	if name, port, ok := strings.Cut(t.Name, ":"); ok {
		if t.Kind != TargetService {
			return Target{}, fmt.Errorf("--to %q: a port after a pod name is not supported; use --port", s)
		}
		if name == "" || port == "" {
			return Target{}, fmt.Errorf("--to %q: expected svc/NAME:PORT", s)
		}
		t.Name = name
		if n, err := strconv.Atoi(port); err == nil {
			if n < 1 || n > 65535 {
				return Target{}, fmt.Errorf("--to %q: port %d is out of range 1-65535", s, n)
			}
			t.Port = n
		} else {
			t.PortName = port
		}
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
