package helperpod

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestRunOver(t *testing.T) {
	now := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	withBeat := func(ago time.Duration, phase corev1.PodPhase) *corev1.Pod {
		p := Pod(Spec{Node: "n", Namespace: "ns", Image: "i", RunID: "r", Deadline: time.Minute})
		p.Annotations[HeartbeatAnnotation] = heartbeatValue(now.Add(-ago))
		p.Status.Phase = phase
		return p
	}
	// A pod from a packetwalk before heartbeats: judged by its activeDeadlineSeconds.
	legacy := func(age time.Duration) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-age))},
			Spec: corev1.PodSpec{ActiveDeadlineSeconds: ptr.To[int64](900)}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	}
	for _, tt := range []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"fresh heartbeat", withBeat(10*time.Second, corev1.PodRunning), false},
		{"heartbeat within deadline and skew", withBeat(time.Minute+ClockSkew-time.Second, corev1.PodRunning), false},
		{"heartbeat past deadline and skew", withBeat(time.Minute+ClockSkew+time.Second, corev1.PodRunning), true},
		{"stopped by its watchdog", withBeat(10*time.Second, corev1.PodSucceeded), true},
		{"legacy within its deadline", legacy(10 * time.Minute), false},
		{"legacy past its deadline", legacy(16 * time.Minute), true},
	} {
		if got, why := RunOver(tt.pod, now); got != tt.want {
			t.Errorf("%s: RunOver = %v (%s), want %v", tt.name, got, why, tt.want)
		}
	}
}
