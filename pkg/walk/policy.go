package walk

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

// diagnosePolicy looks, after a probe to a pod was lost, for the NetworkPolicies that deny it, and asks
// the destination node's dataplane for its own count of policy drops. A policy that denies the probe
// makes the verdict "denied by policy".
func diagnosePolicy(ctx context.Context, c Cluster, in *Input, w *api.Walk) {
	v := &w.Verdict
	if c.Client == nil || (v.Result != api.VerdictStopped && v.Result != api.VerdictNoReply) {
		return
	}
	pi, _ := judgedPath(w)
	if pi >= len(w.Paths) || w.Paths[pi].Pod == nil {
		return
	}
	path := w.Paths[pi]
	dst, err := c.Client.CoreV1().Pods(path.Pod.Namespace).Get(ctx, path.Pod.Name, metav1.GetOptions{})
	if err != nil {
		return
	}
	policies, err := c.Client.NetworkingV1().NetworkPolicies(dst.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(policies.Items) == 0 {
		return
	}
	from := ingressPeer{IP: in.SourceIP, Port: endpointFromAddress(path.Endpoint).Port, Protocol: in.Protocol}
	if src, err := c.Client.CoreV1().Pods(in.Source.Ref.Namespace).Get(ctx, in.Source.Ref.Name, metav1.GetOptions{}); err == nil && !src.Spec.HostNetwork {
		from.Pod = src
		if ns, err := c.Client.CoreV1().Namespaces().Get(ctx, src.Namespace, metav1.GetOptions{}); err == nil {
			from.Namespace = ns
		}
	}
	if from.Port == 0 {
		from.Port = in.Dest.Port
	}
	denied := denyingPolicies(dst, from, policies.Items)
	if len(denied) == 0 {
		return
	}
	v.DeniedBy = denied
	v.Summary = fmt.Sprintf("denied by policy: NetworkPolicy %s selects %s/%s and admits no ingress from %s to port %d/%s; %s",
		strings.Join(denied, ", "), dst.Namespace, dst.Name, in.SourceIP, from.Port, in.Protocol, v.Summary)
	v.DropEvidence = dataplaneDrops(ctx, c, in, dst)
	cause := fmt.Sprintf("NetworkPolicy %s selects the destination pod %s/%s and none of its ingress rules admits %s to port %d/%s: check kubectl -n %s get networkpolicy -o yaml",
		strings.Join(denied, ", "), dst.Namespace, dst.Name, in.SourceIP, from.Port, in.Protocol, dst.Namespace)
	if len(v.DropEvidence) > 0 {
		cause += "; the dataplane counts the drops: " + strings.Join(v.DropEvidence, "; ")
	}
	v.LikelyCauses = append([]string{cause}, v.LikelyCauses...)
}

// dataplaneDrops is the destination node's dataplane's own evidence of policy drops, if it keeps any.
func dataplaneDrops(ctx context.Context, c Cluster, in *Input, dst *corev1.Pod) []string {
	nv := in.Nodes[dst.Spec.NodeName]
	if nv == nil {
		return nil
	}
	pd, ok := nv.plugin().(dataplane.PolicyDrops)
	if !ok {
		return nil
	}
	q := pd.PolicyDropCounters()
	res, _, err := runInAgent(ctx, c, q.Agent, nv.Name, q.Argv)
	if err != nil {
		return []string{fmt.Sprintf("%s on node %s could not be read: %v", q.Source, nv.Name, err)}
	}
	lines, err := q.Parse(res.Stdout)
	if err != nil {
		return []string{fmt.Sprintf("%s on node %s: %v", q.Source, nv.Name, err)}
	}
	var out []string
	for _, l := range lines {
		out = append(out, fmt.Sprintf("%s on node %s (%s): %s", q.Source, nv.Name, strings.Join(q.Argv, " "), l))
	}
	return out
}
