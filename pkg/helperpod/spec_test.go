package helperpod

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

func TestPod(t *testing.T) {
	got := Pod(Spec{
		Node:             "kb-node2",
		Namespace:        "packetwalk",
		Image:            "example.com/netshoot:v1",
		ImagePullSecrets: []string{"regcred"},
		RunID:            "x7k2q",
		Deadline:         15 * time.Minute,
		Profile:          ProfileWalk,
	})
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "packetwalk-kb-node2-x7k2q",
			Namespace: "packetwalk",
			Labels: map[string]string{
				"app.kubernetes.io/managed-by": "kubectl-packetwalk",
				"app.kubernetes.io/component":  "node-helper",
				"packetwalk.dev/run":           "x7k2q",
				"packetwalk.dev/node":          "kb-node2",
			},
			Annotations: map[string]string{"packetwalk.dev/helper-deadline": "900"},
		},
		Spec: corev1.PodSpec{
			NodeName:                      "kb-node2",
			HostNetwork:                   true,
			HostPID:                       true,
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			NodeSelector:                  map[string]string{"kubernetes.io/os": "linux"},
			ImagePullSecrets:              []corev1.LocalObjectReference{{Name: "regcred"}},
			Containers: []corev1.Container{{
				Name:            "packetwalk",
				Image:           "example.com/netshoot:v1",
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         []string{"/bin/sh", "-c", watchdogScript, "packetwalk-watchdog", "900"},
				VolumeMounts:    []corev1.VolumeMount{{Name: "heartbeat", MountPath: "/etc/packetwalk", ReadOnly: true}},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser:    ptr.To[int64](0),
					RunAsNonRoot: ptr.To(false),
					Capabilities: &corev1.Capabilities{
						Drop: []corev1.Capability{"ALL"},
						Add:  []corev1.Capability{"NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "SETUID", "SETGID"},
					},
				},
			}},
			Volumes: []corev1.Volume{{
				Name: "heartbeat",
				VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{
					Path:     "heartbeat",
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['packetwalk.dev/heartbeat']"},
				}}}},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pod() mismatch (-want +got):\n%s", diff)
	}
}

func TestPodHostRootIsReadOnlyAndOnlyWhenAsked(t *testing.T) {
	plain := Pod(Spec{Node: "n", Namespace: "ns", Image: "i", RunID: "r", Deadline: time.Minute})
	if len(plain.Spec.Volumes) != 1 || len(plain.Spec.Containers[0].VolumeMounts) != 1 {
		t.Fatalf("host root mounted without being asked for: %+v", plain.Spec.Volumes)
	}
	withRoot := Pod(Spec{Node: "n", Namespace: "ns", Image: "i", RunID: "r", Deadline: time.Minute, HostRoot: true})
	want := corev1.VolumeMount{Name: "host-root", MountPath: "/host", ReadOnly: true}
	if diff := cmp.Diff(want, withRoot.Spec.Containers[0].VolumeMounts[1]); diff != "" {
		t.Errorf("host root mount (-want +got):\n%s", diff)
	}
	if got := withRoot.Spec.Volumes[1].HostPath.Path; got != "/" {
		t.Errorf("host root volume path = %q, want /", got)
	}
}

func TestNameAndLabelsAreValidForLongNodeNames(t *testing.T) {
	node := "ip-10-0-12-34.eu-west-1.compute.internal-with-a-very-long-suffix-" + strings.Repeat("x", 200)
	pod := Pod(Spec{Node: node, Namespace: "ns", Image: "i", RunID: "abcde", Deadline: time.Minute})
	if errs := validation.IsDNS1123Subdomain(pod.Name); len(errs) > 0 {
		t.Errorf("name %q invalid: %v", pod.Name, errs)
	}
	if !strings.HasSuffix(pod.Name, "-abcde") || !strings.HasPrefix(pod.Name, "packetwalk-ip-10-0-12-34") {
		t.Errorf("name %q lost its readable parts", pod.Name)
	}
	if errs := validation.IsValidLabelValue(pod.Labels[NodeLabel]); len(errs) > 0 {
		t.Errorf("node label %q invalid: %v", pod.Labels[NodeLabel], errs)
	}
	other := Pod(Spec{Node: node + "y", Namespace: "ns", Image: "i", RunID: "abcde", Deadline: time.Minute})
	if other.Name == pod.Name {
		t.Errorf("two long node names map to the same pod name %q", pod.Name)
	}
}

// Valid node names of 247 characters, the cut for the hash falling on every position near a dot.
func TestNameIsValidWhereverTheCutFalls(t *testing.T) {
	for dot := 180; dot < 246; dot++ {
		node := strings.Repeat("a", 63) + "." + strings.Repeat("b", dot-64) + "." + strings.Repeat("c", 246-dot)
		if len(node) != 247 || len(validation.IsDNS1123Subdomain(node)) > 0 {
			t.Fatalf("the test's node name is not a valid 247-character name: %q", node)
		}
		for _, run := range []string{"abcde", NewRunID()} {
			if errs := validation.IsDNS1123Subdomain(Name(node, run)); len(errs) > 0 {
				t.Errorf("Name(node with a dot at %d) = %q: %v", dot, Name(node, run), errs)
			}
		}
	}
}

func TestEveryCapabilityHasAReason(t *testing.T) {
	for _, p := range Profiles {
		for capability, reason := range p.Capabilities() {
			if reason == "" {
				t.Errorf("profile %s: capability %s has no reason", p.Name, capability)
			}
		}
	}
}

// A node capture enters no namespace: it gets neither SYS_ADMIN nor the host's PIDs.
func TestEachVerbAsksOnlyForItsOwn(t *testing.T) {
	for _, tt := range []struct {
		profile Profile
		want    []corev1.Capability
		hostPID bool
	}{
		{ProfileNodeCapture, []corev1.Capability{"NET_RAW", "SETUID", "SETGID"}, false},
		{ProfileVeth, []corev1.Capability{"SYS_ADMIN", "SYS_PTRACE"}, true},
		{ProfileNode, []corev1.Capability{"NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"}, true},
		{ProfilePodCapture, []corev1.Capability{"NET_RAW", "SETUID", "SETGID", "SYS_ADMIN", "SYS_PTRACE"}, true},
	} {
		pod := Pod(Spec{Node: "n", Namespace: "ns", Image: "i", RunID: "r", Deadline: time.Minute, Profile: tt.profile})
		if diff := cmp.Diff(tt.want, pod.Spec.Containers[0].SecurityContext.Capabilities.Add); diff != "" {
			t.Errorf("profile %s capabilities (-want +got):\n%s", tt.profile.Name, diff)
		}
		if pod.Spec.HostPID != tt.hostPID || !pod.Spec.HostNetwork {
			t.Errorf("profile %s: hostPID %v hostNetwork %v", tt.profile.Name, pod.Spec.HostPID, pod.Spec.HostNetwork)
		}
	}
}

func TestDefaultImageIsPinnedByDigest(t *testing.T) {
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:v[0-9.]+@sha256:[0-9a-f]{64}$`)
	if !pinned.MatchString(DefaultImage) {
		t.Errorf("DefaultImage %q is not name:tag@sha256:digest", DefaultImage)
	}
	if got := Pod(Spec{Node: "n", Namespace: "ns", Image: DefaultImage, RunID: "r", Deadline: time.Minute}).Spec.Containers[0].Image; got != DefaultImage {
		t.Errorf("the pod runs %q, not the pinned image", got)
	}
}

// The README's table is where a cluster admin reads why each capability is there.
func TestTheREADMEExplainsEveryCapability(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `") {
			for _, c := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(strings.SplitN(line, "|", 3)[1], -1) {
				rows[c[1]] = true
			}
		}
	}
	for _, p := range Profiles {
		for capability := range p.Capabilities() {
			if !rows[string(capability)] {
				t.Errorf("README.md's capability table has no row for %s (profile %s)", capability, p.Name)
			}
		}
	}
}
