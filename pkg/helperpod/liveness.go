package helperpod

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A run's liveness is a heartbeat: the plugin writes the time into HeartbeatAnnotation of each of its helper
// pods every RenewInterval while it runs. Two things read it:
//   - the helper's own watchdog (see watchdogScript), through a downward API file the kubelet keeps up to
//     date: it stops the helper when the file has not changed for the pod's deadline, by the node's clock;
//   - cleanup, which judges a run over when its heartbeat is older than the deadline plus ClockSkew, by the
//     cleaning user's clock.
const (
	HeartbeatAnnotation = "packetwalk.dev/heartbeat"
	// DeadlineAnnotation is the pod's deadline in seconds, so that cleanup judges each pod by its own.
	DeadlineAnnotation = "packetwalk.dev/helper-deadline"
)

// ClockSkew is how far cleanup trusts another client's clock: a heartbeat is stale only this long after the
// pod's deadline.
const ClockSkew = time.Minute

// RenewInterval is how often a running plugin renews its heartbeat: a few times per deadline, so that one
// lost renewal does not stop a live run, and at least once a minute.
func RenewInterval(deadline time.Duration) time.Duration {
	return min(deadline/4, time.Minute)
}

// heartbeatValue is how HeartbeatAnnotation holds a time.
func heartbeatValue(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// RunOver says whether pod's run has ended at now, and why. A pod whose run is not over belongs to someone's
// live run and is not cleanup's by default.
func RunOver(pod *corev1.Pod, now time.Time) (bool, string) {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true, "finished"
	}
	if pod.DeletionTimestamp != nil {
		return true, "being deleted"
	}
	deadline, err := strconv.ParseInt(pod.Annotations[DeadlineAnnotation], 10, 64)
	beat, err2 := time.Parse(time.RFC3339, pod.Annotations[HeartbeatAnnotation])
	if err != nil || err2 != nil {
		// A pod from a packetwalk without heartbeats: over once its activeDeadlineSeconds has passed.
		if d := pod.Spec.ActiveDeadlineSeconds; d != nil && now.After(pod.CreationTimestamp.Add(time.Duration(*d)*time.Second)) {
			return true, "past its deadline"
		}
		return false, "no heartbeat, within its deadline"
	}
	if silent := now.Sub(beat); silent > time.Duration(deadline)*time.Second+ClockSkew {
		return true, "no heartbeat for " + silent.Truncate(time.Second).String()
	}
	return false, "heartbeat " + now.Sub(beat).Truncate(time.Second).String() + " ago"
}
