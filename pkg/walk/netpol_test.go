package walk

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDenyingPolicies(t *testing.T) {
	pod := func(ns, name string, l map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l}}
	}
	httpbin := pod("default", "httpbin", map[string]string{"app": "httpbin"})
	curl := pod("default", "curl", map[string]string{"app": "curl"})
	from := ingressPeer{Pod: curl, Namespace: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		IP: netip.MustParseAddr("10.244.1.204"), Port: 8080, Protocol: "tcp"}
	np := func(name string, sel map[string]string, types []networkingv1.PolicyType, rules ...networkingv1.NetworkPolicyIngressRule) networkingv1.NetworkPolicy {
		return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel}, PolicyTypes: types, Ingress: rules}}
	}
	ingress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	port := func(p int) []networkingv1.NetworkPolicyPort {
		v := intstr.FromInt32(int32(p))
		return []networkingv1.NetworkPolicyPort{{Port: &v}}
	}
	fromApp := func(app string) []networkingv1.NetworkPolicyPeer {
		return []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}}
	}
	denyAll := np("deny-all", map[string]string{"app": "httpbin"}, ingress)
	for _, tt := range []struct {
		name     string
		policies []networkingv1.NetworkPolicy
		want     []string
	}{
		{"no policy", nil, nil},
		{"deny all ingress", []networkingv1.NetworkPolicy{denyAll}, []string{"default/deny-all"}},
		{"deny all, no policyTypes", []networkingv1.NetworkPolicy{np("implicit", map[string]string{"app": "httpbin"}, nil)}, []string{"default/implicit"}},
		{"egress only", []networkingv1.NetworkPolicy{np("egress", map[string]string{"app": "httpbin"}, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress})}, nil},
		{"selects another pod", []networkingv1.NetworkPolicy{np("other", map[string]string{"app": "other"}, ingress)}, nil},
		{"another policy admits curl", []networkingv1.NetworkPolicy{denyAll, np("allow-curl", map[string]string{"app": "httpbin"}, ingress,
			networkingv1.NetworkPolicyIngressRule{From: fromApp("curl"), Ports: port(8080)})}, nil},
		{"admits another port", []networkingv1.NetworkPolicy{np("port-80", map[string]string{"app": "httpbin"}, ingress,
			networkingv1.NetworkPolicyIngressRule{Ports: port(80)})}, []string{"default/port-80"}},
		{"admits another pod", []networkingv1.NetworkPolicy{np("from-web", nil, ingress,
			networkingv1.NetworkPolicyIngressRule{From: fromApp("web")})}, []string{"default/from-web"}},
		{"ipBlock with the source", []networkingv1.NetworkPolicy{np("cidr", nil, ingress,
			networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.244.0.0/16"}}}})}, nil},
		{"ipBlock except the source", []networkingv1.NetworkPolicy{np("cidr-except", nil, ingress,
			networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.244.0.0/16", Except: []string{"10.244.1.0/24"}}}}})}, []string{"default/cidr-except"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, denyingPolicies(httpbin, from, tt.policies)); diff != "" {
				t.Errorf("denying policies (-want +got):\n%s", diff)
			}
		})
	}
}
