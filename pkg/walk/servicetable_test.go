package walk

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/pkg/netfilter"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
	"github.com/packetwalk/kubectl-packetwalk/plugins/cilium"
)

// agentRunner answers cilium-dbg in the agent's pod with recorded output; it runs nothing on nodes.
type agentRunner struct {
	stdout []byte
	ran    []string
}

func (a *agentRunner) Run(context.Context, string, []string) (noderun.Result, error) {
	return noderun.Result{}, nil
}

func (a *agentRunner) Stream(context.Context, string, []string, io.Writer, io.Writer) (int, error) {
	return 0, nil
}

func (a *agentRunner) RunInPod(_ context.Context, pod *corev1.Pod, container string, argv []string) (noderun.Result, error) {
	a.ran = append(a.ran, pod.Name+"/"+container+": "+strings.Join(argv, " "))
	return noderun.Result{Stdout: a.stdout}, nil
}

func agentPodOn(node string, ready corev1.ConditionStatus, waiting string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cilium-" + node, Labels: map[string]string{"k8s-app": "cilium"}},
		Spec:   corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}}}
	if waiting != "" {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "cilium-agent", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting}}}}
	}
	return p
}

// TestReadServiceTableFromTheAgent reads Cilium's Service map through its agent on the source node
// (recorded from the local cluster), and says in one line when the agent is not there to ask.
func TestReadServiceTableFromTheAgent(t *testing.T) {
	lb, err := os.ReadFile("../../plugins/cilium/testdata/bpf-lb-list-node1.json")
	if err != nil {
		t.Fatal(err)
	}
	nv := &NodeView{Name: "node1", Plugin: cilium.Plugin{}, Facts: &nodefacts.Node{KubeProxy: netfilter.ProxyDetection{Mode: netfilter.ProxyNone}}}
	for _, tt := range []struct {
		name    string
		pods    []*corev1.Pod
		wantErr string
	}{
		{"ready", []*corev1.Pod{agentPodOn("node1", corev1.ConditionTrue, ""), agentPodOn("node2", corev1.ConditionFalse, "")}, ""},
		{"not ready", []*corev1.Pod{agentPodOn("node1", corev1.ConditionFalse, "CrashLoopBackOff")},
			"the Cilium agent on node node1 is not ready (pod cilium-node1: cilium-agent CrashLoopBackOff): check kubectl -n kube-system get pods -l k8s-app=cilium -o wide"},
		{"not running", []*corev1.Pod{agentPodOn("node2", corev1.ConditionTrue, "")},
			"the Cilium agent is not running on node node1 (no pod -l k8s-app=cilium in kube-system)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewSimpleClientset()
			for _, p := range tt.pods {
				_ = client.Tracker().Add(p)
			}
			run := &agentRunner{stdout: lb}
			st := readServiceTable(context.Background(), Cluster{Client: client, Runner: run}, nv)
			if tt.wantErr != "" {
				if !strings.Contains(st.Err, tt.wantErr) || strings.Contains(st.Err, "\n") || len(run.ran) != 0 {
					t.Errorf("error %q (ran %q), want one line with %q and nothing run", st.Err, run.ran, tt.wantErr)
				}
				return
			}
			if st.Err != "" || len(st.Table) == 0 || len(run.ran) != 1 || run.ran[0] != "cilium-node1/cilium-agent: cilium-dbg bpf lb list -o json" {
				t.Fatalf("table of %d entries, error %q, ran %q", len(st.Table), st.Err, run.ran)
			}
		})
	}
}
