//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

// TestWalkNamesTheDenyingNetworkPolicy puts a deny-all ingress NetworkPolicy on httpbin and checks the
// walk says the probe was denied by policy, names the policy, and shows Cilium's own count of the drop.
func TestWalkNamesTheDenyingNetworkPolicy(t *testing.T) {
	c := framework.Load(t)
	if c.Dataplane != framework.Cilium {
		t.Skip("the dataplane's own drop evidence is read from Cilium's agent")
	}
	ctx := context.Background()
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "packetwalk-e2e-deny-httpbin"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "httpbin"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}
	if _, err := c.Client.NetworkingV1().NetworkPolicies("default").Create(ctx, np, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Client.NetworkingV1().NetworkPolicies("default").Delete(context.Background(), np.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("removing the policy: %v", err)
		}
	})

	w, res := runWalk(t, c, "--to", "httpbin", "--port", "8080", "--probe-timeout", "2s")
	v := w.Verdict
	if v.Result == api.VerdictReplyReceived || !strings.HasPrefix(v.Summary, "denied by policy") {
		t.Fatalf("exit %d, verdict %+v\nstderr: %s", res.ExitCode, v, res.Stderr)
	}
	if len(v.DeniedBy) != 1 || v.DeniedBy[0] != "default/"+np.Name {
		t.Errorf("denied by %q, want default/%s", v.DeniedBy, np.Name)
	}
	if len(v.DropEvidence) == 0 || !strings.Contains(v.DropEvidence[0], "Policy denied ingress") {
		t.Errorf("Cilium's drop evidence %q, want its Policy denied counter", v.DropEvidence)
	}
	t.Logf("verdict: %s; Cilium: %q", v.Summary, v.DropEvidence)
}
