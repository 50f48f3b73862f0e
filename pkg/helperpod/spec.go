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

// DefaultImage is a public image with iproute2 (ip -j), tcpdump, nsenter, iptables, nft, conntrack and curl,
// pinned by the digest of its multi-architecture index: the tag is for people, the digest is what nodes pull,
// so a re-pushed tag cannot change what runs as root on the nodes.
const DefaultImage = "nicolaka/netshoot:v0.13@sha256:a20c2531bf35436ed3766cd6cfe89d352b050ccc4d7005ce6400adf97503da1b"

// Spec is what varies between helper pods.
type Spec struct {
	Node      string
	Namespace string
	Image     string
	// ImagePullSecrets name secrets in Namespace.
	ImagePullSecrets []string
	// RunID is shared by the helper pods of one invocation.
	RunID string
	// Deadline is how long the helper outlives its plugin: a plugin killed with SIGKILL cannot delete its
	// pods, so the helper's watchdog stops it once the plugin's heartbeat is this old (see watchdogScript).
	// It does not bound a live run: a capture may run for hours.
	Deadline time.Duration
	// Profile is what the helper may do: each verb asks for its own.
	Profile Profile
	// HostRoot mounts the node's root file system read-only at /host, for commands that read node files.
	HostRoot bool
	// Admission is what the helper namespace's admission may ask of a pod: resources, a service account.
	Admission Admission
}

// Pod builds the helper pod for s. It is a pure function of s.
func Pod(s Spec) *corev1.Pod {
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
			Annotations: map[string]string{DeadlineAnnotation: strconv.FormatInt(deadlineSeconds(s.Deadline), 10)},
		},
		Spec: corev1.PodSpec{
			NodeName:                      s.Node,
			HostNetwork:                   true,
			HostPID:                       s.Profile.HostPID,
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			NodeSelector:                  map[string]string{corev1.LabelOSStable: "linux"},
			Containers: []corev1.Container{{
				Name:            ContainerName,
				Image:           s.Image,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         watchdogCommand(s.Deadline),
				VolumeMounts:    []corev1.VolumeMount{{Name: "heartbeat", MountPath: heartbeatDir, ReadOnly: true}},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser:    ptr.To[int64](0),
					RunAsNonRoot: ptr.To(false),
					Capabilities: s.Profile.securityCapabilities(),
				},
			}},
			Volumes: []corev1.Volume{{
				Name: "heartbeat",
				VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{
					Path:     "heartbeat",
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + HeartbeatAnnotation + "']"},
				}}}},
			}},
		},
	}
	for _, name := range s.ImagePullSecrets {
		pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
	}
	s.Admission.apply(pod)
	if s.HostRoot {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{
			Name:         "host-root",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}},
		})
		c := &pod.Spec.Containers[0]
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "host-root", MountPath: "/host", ReadOnly: true})
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
		// A cut next to a dot would leave ".-", which no DNS-1123 name may hold.
		base = strings.TrimRight(base[:room-9], "-.") + "-" + hex.EncodeToString(sum[:4])
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
