package helperpod

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// keepAlive renews pod's heartbeat until the pool closes or the pod is gone. A failed renewal is said once
// per streak: the run goes on, but its helper stops if renewals keep failing for the deadline.
func (p *Pool) keepAlive(pod *corev1.Pod) {
	tick := time.NewTicker(RenewInterval(p.template.Deadline))
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-p.life.Done():
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(p.life, deleteTimeout)
		_, err := p.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, heartbeatPatch(pod.UID, p.now()), metav1.PatchOptions{})
		cancel()
		switch {
		case err == nil:
			failing = false
		case p.life.Err() != nil:
			return
		case apierrors.IsNotFound(err), apierrors.IsConflict(err):
			fmt.Fprintf(p.progress, "warning: helper pod %s/%s was deleted by someone else\n", pod.Namespace, pod.Name)
			return
		case !failing:
			failing = true
			fmt.Fprintf(p.progress, "warning: renewing the heartbeat of helper pod %s/%s: %v; it stops itself if this lasts %s (--helper-deadline)\n",
				pod.Namespace, pod.Name, err, p.template.Deadline)
		}
	}
}

// heartbeatPatch sets the heartbeat to now. The UID in the patch is a precondition: a pod that took the
// name of a deleted one is not renewed.
func heartbeatPatch(uid types.UID, now time.Time) []byte {
	patch := map[string]any{"metadata": map[string]any{
		"uid":         uid,
		"annotations": map[string]string{HeartbeatAnnotation: heartbeatValue(now)},
	}}
	b, _ := json.Marshal(patch) // a map of strings always marshals
	return b
}
