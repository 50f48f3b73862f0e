package walk

import (
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// ingressPeer is what a NetworkPolicy's ingress rules are matched against: the probe's source and the
// port it was sent to.
type ingressPeer struct {
	Pod       *corev1.Pod // nil for a source that is no pod (hostNetwork counts as its node)
	Namespace *corev1.Namespace
	IP        netip.Addr
	Port      int
	Protocol  string // "tcp", "udp", "sctp" or "icmp"
}

// denyingPolicies are the NetworkPolicies that select dst for ingress when none of them admits from:
// Kubernetes' rule is that a pod selected by any ingress policy takes only what one of them allows. Empty
// when no policy selects dst or one admits the packet. Named ports are taken to admit (they are not
// resolved here).
func denyingPolicies(dst *corev1.Pod, from ingressPeer, policies []networkingv1.NetworkPolicy) []string {
	var selecting []string
	for i := range policies {
		np := &policies[i]
		if np.Namespace != dst.Namespace || !hasIngress(np) || !selects(&np.Spec.PodSelector, dst.Labels) {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			if admits(rule, np.Namespace, from) {
				return nil
			}
		}
		selecting = append(selecting, np.Namespace+"/"+np.Name)
	}
	return selecting
}

func hasIngress(np *networkingv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true
	}
	for _, t := range np.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(l))
}

func admits(rule networkingv1.NetworkPolicyIngressRule, policyNS string, from ingressPeer) bool {
	if !portAdmitted(rule.Ports, from) {
		return false
	}
	if len(rule.From) == 0 {
		return true
	}
	for _, peer := range rule.From {
		if peerAdmits(peer, policyNS, from) {
			return true
		}
	}
	return false
}

func portAdmitted(ports []networkingv1.NetworkPolicyPort, from ingressPeer) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		proto := "tcp"
		if p.Protocol != nil {
			proto = strings.ToLower(string(*p.Protocol))
		}
		if proto != from.Protocol {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.StrVal != "":
			return true
		case p.EndPort != nil && from.Port >= p.Port.IntValue() && from.Port <= int(*p.EndPort):
			return true
		case from.Port == p.Port.IntValue():
			return true
		}
	}
	return false
}

func peerAdmits(peer networkingv1.NetworkPolicyPeer, policyNS string, from ingressPeer) bool {
	if b := peer.IPBlock; b != nil {
		cidr, err := netip.ParsePrefix(b.CIDR)
		if err != nil || !cidr.Contains(from.IP) {
			return false
		}
		for _, ex := range b.Except {
			if e, err := netip.ParsePrefix(ex); err == nil && e.Contains(from.IP) {
				return false
			}
		}
		return true
	}
	if from.Pod == nil {
		return false
	}
	if peer.NamespaceSelector == nil {
		if from.Pod.Namespace != policyNS {
			return false
		}
	} else if from.Namespace == nil || !selects(peer.NamespaceSelector, from.Namespace.Labels) {
		return false
	}
	return peer.PodSelector == nil || selects(peer.PodSelector, from.Pod.Labels)
}
