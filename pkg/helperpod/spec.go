package helperpod

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

// DefaultImage is a public image with iproute2 (ip -j), tcpdump, nsenter, iptables, nft, conntrack and curl.
const DefaultImage = "nicolaka/netshoot:v0.13"

// Spec is what varies between helper pods.
type Spec struct {
	Node      string
	Namespace string
	Image     string
	// ImagePullSecrets name secrets in Namespace.
	ImagePullSecrets []string
	// RunID is shared by the helper pods of one invocation.
	RunID string
	// Deadline bounds the pod's life: a plugin killed with SIGKILL cannot delete its pods, so the kubelet
	// ends them after this long (activeDeadlineSeconds), and the container's own sleep ends soon after.
	Deadline time.Duration
	// HostRoot mounts the node's root file system read-only at /host, for commands that read node files.
	HostRoot bool
}

// Pod builds the helper pod for s. It is a pure function of s.
func Pod(s Spec) *corev1.Pod {
	deadline := int64(s.Deadline / time.Second)
	if deadline < 1 {
		deadline = 1
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      Name(s.Node, s.RunID),
			Namespace: s.Namespace,
			Labels: map[string]string{
				ManagedByLabel: ManagedByValue,
				ComponentLabel: ComponentValue,
				RunLabel:       s.RunID,
				NodeLabel:      labelValue(s.Node),
			},
		},
		Spec: corev1.PodSpec{
			NodeName:                      s.Node,
			HostNetwork:                   true,
			HostPID:                       true,
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			ActiveDeadlineSeconds:         ptr.To(deadline),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			NodeSelector:                  map[string]string{corev1.LabelOSStable: "linux"},
			Containers: []corev1.Container{{
				Name:            ContainerName,
				Image:           s.Image,
				ImagePullPolicy: corev1.PullIfNotPresent,
				// sleep outlives the deadline by a minute: the kubelet's deadline is the backstop, this the
				// second one for a kubelet that is gone.
				Command: []string{"sleep", strconv.FormatInt(deadline+60, 10)},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser:    ptr.To[int64](0),
					RunAsNonRoot: ptr.To(false),
					Capabilities: capabilities(),
				},
			}},
		},
	}
	for _, name := range s.ImagePullSecrets {
		pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
	}
	if s.HostRoot {
		pod.Spec.Volumes = []corev1.Volume{{
			Name:         "host-root",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}},
		}}
		pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "host-root", MountPath: "/host", ReadOnly: true}}
	}
	return pod
}

// Name is the helper pod's name for node in run runID: readable, and valid whatever the node is called.
func Name(node, runID string) string {
	const prefix = "packetwalk-"
	suffix := "-" + runID
	base := strings.ToLower(node)
	if room := validation.DNS1123SubdomainMaxLength - len(prefix) - len(suffix); len(base) > room {
		sum := sha256.Sum256([]byte(node))
		base = base[:room-9] + "-" + hex.EncodeToString(sum[:4])
	}
	return prefix + base + suffix
}

// labelValue makes a node name usable as a label value (at most 63 characters).
func labelValue(node string) string {
	if len(node) <= validation.LabelValueMaxLength {
		return node
	}
	sum := sha256.Sum256([]byte(node))
	return strings.TrimRight(node[:validation.LabelValueMaxLength-9], "-._") + "-" + hex.EncodeToString(sum[:4])
}
