package walk

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/apiget"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
)

// Request is what the user asked for.
type Request struct {
	// Source is the source pod.
	Source api.PodRef
	Target Target
	// Namespace applies to a target that names no namespace.
	Namespace string
	// Port is --port (0: the target's own port, the Service's only port, the pod's first container port,
	// or 80); Protocol is tcp, udp or icmp.
	Port     int
	Protocol string
}

// resolved is the API's side of a walk: the pods, Service and endpoints it involves.
type resolved struct {
	source    *corev1.Pod
	sourceIP  netip.Addr
	dest      Destination
	service   *ServiceInput
	endpoints []EndpointInput
	// pods are the endpoint pods, by endpoint IP.
	pods map[netip.Addr]*corev1.Pod
}

// resolve reads the source pod and the destination from the API.
func resolve(ctx context.Context, client kubernetes.Interface, req Request) (*resolved, error) {
	src, err := apiget.Pod(ctx, client, req.Source.Namespace, req.Source.Name)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if err := nodefacts.Started(src); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	res := &resolved{source: src, pods: map[netip.Addr]*corev1.Pod{}}
	t := req.Target
	ns := cmp.Or(t.Namespace, req.Namespace)
	switch t.Kind {
	case TargetPod:
		pod, err := apiget.Pod(ctx, client, ns, t.Name)
		if err != nil {
			return nil, fmt.Errorf("destination: %w", err)
		}
		if err := res.toPod(pod, req); err != nil {
			return nil, err
		}
	case TargetService:
		svc, err := apiget.Service(ctx, client, ns, t.Name)
		if err != nil {
			return nil, fmt.Errorf("destination: %w", err)
		}
		if err := res.toService(ctx, client, svc, req); err != nil {
			return nil, err
		}
	case TargetIP:
		if err := res.toIP(ctx, client, req); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown destination %q", t)
	}
	return res, nil
}

// pickSource chooses the source pod's address of dst's family.
func (res *resolved) pickSource(dst netip.Addr) error {
	for _, ip := range nodefacts.PodIPs(res.source) {
		if ip.Is4() == dst.Is4() {
			res.sourceIP = ip
			return nil
		}
	}
	return fmt.Errorf("pod %s/%s has no %s address to reach %s from", res.source.Namespace, res.source.Name, familyName(dst), dst)
}

func familyName(ip netip.Addr) string {
	if ip.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// podAddr is the pod's address of the source's family (IPv4 first when the source has both).
func (res *resolved) podAddr(pod *corev1.Pod) (netip.Addr, error) {
	ips := nodefacts.PodIPs(pod)
	for _, want4 := range []bool{true, false} {
		for _, ip := range ips {
			if ip.Is4() != want4 {
				continue
			}
			for _, sip := range nodefacts.PodIPs(res.source) {
				if sip.Is4() == ip.Is4() {
					return ip, nil
				}
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("pod %s/%s (%v) has no address of a family the source pod has", pod.Namespace, pod.Name, ips)
}

func (res *resolved) toPod(pod *corev1.Pod, req Request) error {
	if err := nodefacts.Started(pod); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	ip, err := res.podAddr(pod)
	if err != nil {
		return err
	}
	if err := res.pickSource(ip); err != nil {
		return err
	}
	port := req.Port
	if port == 0 && req.Protocol != ProtocolICMP {
		port = firstContainerPort(pod, req.Protocol)
	}
	res.dest = Destination{Kind: api.DestinationPod, Namespace: pod.Namespace, Name: pod.Name, IP: ip, Port: port,
		Node: pod.Spec.NodeName, HostNetwork: pod.Spec.HostNetwork}
	res.endpoints = []EndpointInput{{IP: ip, Port: port, Node: pod.Spec.NodeName, Ready: podReady(pod), Pod: podView(pod)}}
	res.pods[ip] = pod
	return nil
}

// firstContainerPort is the pod's first declared port of protocol, or 80.
func firstContainerPort(pod *corev1.Pod, protocol string) int {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if strings.EqualFold(string(p.Protocol), protocol) || (p.Protocol == "" && protocol == ProtocolTCP) {
				return int(p.ContainerPort)
			}
		}
	}
	return 80
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return pod.Status.Phase == corev1.PodRunning
}

func podView(pod *corev1.Pod) *PodView {
	return &PodView{Ref: api.PodRef{Namespace: pod.Namespace, Name: pod.Name}, Node: pod.Spec.NodeName,
		IPs: nodefacts.PodIPs(pod), HostNetwork: pod.Spec.HostNetwork}
}

func (res *resolved) toService(ctx context.Context, client kubernetes.Interface, svc *corev1.Service, req Request) error {
	name := svc.Namespace + "/" + svc.Name
	sp, err := servicePort(svc, req)
	if err != nil {
		return err
	}
	if req.Protocol != ProtocolICMP && !strings.EqualFold(string(sp.Protocol), req.Protocol) && sp.Protocol != "" {
		return fmt.Errorf("the Service %s port %d is %s, not %s: use --protocol %s", name, sp.Port, sp.Protocol, req.Protocol, strings.ToLower(string(sp.Protocol)))
	}
	slices, err := client.DiscoveryV1().EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name})
	if err != nil {
		return fmt.Errorf("listing the EndpointSlices of Service %s: %w", name, err)
	}
	in := &ServiceInput{Namespace: svc.Namespace, Name: svc.Name, Port: int(sp.Port), PortName: sp.Name,
		Objects: []string{"Service " + name}}
	if sp.TargetPort.Type == intstr.Int {
		in.TargetPort = sp.TargetPort.IntValue()
	}
	headless := svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.ClusterIP == ""
	var clusterIPs []netip.Addr
	for _, s := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
		if ip, err := netip.ParseAddr(s); err == nil {
			clusterIPs = append(clusterIPs, ip)
		}
	}
	// Endpoints of the source's families; the Service address is chosen to match.
	var eps []EndpointInput
	for i := range slices.Items {
		sl := &slices.Items[i]
		in.Objects = append(in.Objects, "EndpointSlice "+sl.Namespace+"/"+sl.Name)
		port := slicePort(sl, sp)
		if port != 0 {
			in.TargetPort = port
		}
		for _, e := range sl.Endpoints {
			for _, a := range e.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				ep := EndpointInput{IP: ip, Port: port, Ready: e.Conditions.Ready == nil || *e.Conditions.Ready}
				if e.NodeName != nil {
					ep.Node = *e.NodeName
				}
				if ref := e.TargetRef; ref != nil && ref.Kind == "Pod" {
					pod, err := client.CoreV1().Pods(cmp.Or(ref.Namespace, svc.Namespace)).Get(ctx, ref.Name, metav1.GetOptions{})
					if err == nil {
						ep.Pod = podView(pod)
						ep.Node = cmp.Or(ep.Node, pod.Spec.NodeName)
						res.pods[ip] = pod
					}
				}
				eps = append(eps, ep)
			}
		}
	}
	var chosen netip.Addr
	if headless {
		if len(eps) == 0 {
			return fmt.Errorf("the Service %s is headless and has no endpoints to walk to", name)
		}
		chosen = eps[0].IP
	} else {
		for _, ip := range clusterIPs {
			if res.pickSource(ip) == nil {
				chosen = ip
				break
			}
		}
		if !chosen.IsValid() {
			return fmt.Errorf("the Service %s has no ClusterIP of a family the source pod has (%v)", name, clusterIPs)
		}
	}
	if err := res.pickSource(chosen); err != nil {
		return err
	}
	for _, e := range eps {
		if e.IP.Is4() == chosen.Is4() {
			res.endpoints = append(res.endpoints, e)
		}
	}
	sort.SliceStable(res.endpoints, func(i, j int) bool { return res.endpoints[i].AddrPort() < res.endpoints[j].AddrPort() })
	if headless {
		// Clients of a headless Service connect to an endpoint's address directly: no translation.
		ep := res.endpoints[0]
		res.dest = Destination{Kind: api.DestinationService, Namespace: svc.Namespace, Name: svc.Name, IP: ep.IP, Port: ep.Port, Node: ep.Node}
		res.endpoints = res.endpoints[:1]
		return nil
	}
	in.ClusterIP = chosen
	res.service = in
	res.dest = Destination{Kind: api.DestinationService, Namespace: svc.Namespace, Name: svc.Name, IP: chosen, Port: int(sp.Port)}
	return nil
}

// servicePort picks the Service port the walk goes to: the one named or numbered in --to, else --port,
// else the only one.
func servicePort(svc *corev1.Service, req Request) (corev1.ServicePort, error) {
	name := svc.Namespace + "/" + svc.Name
	want, wantName := req.Target.Port, req.Target.PortName
	if want == 0 && wantName == "" {
		want = req.Port
	}
	var names []string
	for _, p := range svc.Spec.Ports {
		names = append(names, fmt.Sprintf("%d/%s (%s)", p.Port, strings.ToLower(string(p.Protocol)), cmp.Or(p.Name, "unnamed")))
		switch {
		case wantName != "" && p.Name == wantName:
			return p, nil
		case want != 0 && int(p.Port) == want:
			return p, nil
		}
	}
	if want == 0 && wantName == "" && len(svc.Spec.Ports) == 1 {
		return svc.Spec.Ports[0], nil
	}
	if len(svc.Spec.Ports) == 0 {
		return corev1.ServicePort{}, fmt.Errorf("the Service %s has no ports", name)
	}
	what := "a port"
	if wantName != "" {
		what = "port " + wantName
	} else if want != 0 {
		what = fmt.Sprintf("port %d", want)
	}
	return corev1.ServicePort{}, fmt.Errorf("the Service %s has no %s; choose one of %s with svc/%s:PORT or --port", name, what, strings.Join(names, ", "), svc.Name)
}

// slicePort is the endpoint port of sp in a slice (matched by the port's name, as kube-proxy does).
func slicePort(sl *discoveryv1.EndpointSlice, sp corev1.ServicePort) int {
	for _, p := range sl.Ports {
		if p.Port != nil && (p.Name == nil && sp.Name == "" || p.Name != nil && *p.Name == sp.Name) {
			return int(*p.Port)
		}
	}
	return 0
}

// toIP resolves an address: a Service's ClusterIP, a pod's IP or a node's address become that object;
// anything else is walked as an address outside the cluster.
func (res *resolved) toIP(ctx context.Context, client kubernetes.Interface, req Request) error {
	ip := req.Target.IP
	port := firstNonZero(req.Target.Port, req.Port)
	if port == 0 && req.Protocol != ProtocolICMP {
		port = 80
	}
	svcs, err := client.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing Services to look %s up: %w", ip, err)
	}
	for i := range svcs.Items {
		svc := &svcs.Items[i]
		for _, c := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
			if c == ip.String() {
				r := req
				r.Target = Target{Kind: TargetService, Namespace: svc.Namespace, Name: svc.Name, Port: port}
				return res.toService(ctx, client, svc, r)
			}
		}
	}
	pods, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("status.podIP", ip.String()).String()})
	if err != nil {
		return fmt.Errorf("listing pods to look %s up: %w", ip, err)
	}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !pod.Spec.HostNetwork && pod.Status.Phase == corev1.PodRunning && hasIP(pod, ip) {
			r := req
			r.Port = port
			if err := res.toPod(pod, r); err != nil {
				return err
			}
			res.dest.Kind, res.dest.IP, res.endpoints[0].IP = api.DestinationIP, ip, ip
			return nil
		}
	}
	if err := res.pickSource(ip); err != nil {
		return err
	}
	res.dest = Destination{Kind: api.DestinationIP, IP: ip, Port: port}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing nodes to look %s up: %w", ip, err)
	}
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Address == ip.String() {
				res.dest.Node, res.dest.HostNetwork = n.Name, true
			}
		}
	}
	res.endpoints = []EndpointInput{{IP: ip, Port: port, Node: res.dest.Node, Ready: true}}
	return nil
}

func firstNonZero(ns ...int) int {
	for _, n := range ns {
		if n != 0 {
			return n
		}
	}
	return 0
}

func hasIP(pod *corev1.Pod, ip netip.Addr) bool {
	for _, a := range nodefacts.PodIPs(pod) {
		if a == ip {
			return true
		}
	}
	return false
}
