package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// PodReadyTimeout is how long WaitPodReady waits by default: images are local, so a pod that is not Ready
// by then will not be.
const PodReadyTimeout = 90 * time.Second

// WaitPodReady waits until the pod is Ready and returns it. The error names the pod's phase and its
// containers' waiting reasons.
func (c *Cluster) WaitPodReady(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	var pod *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, PodReadyTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := c.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		pod = p
		if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			return false, fmt.Errorf("pod %s/%s ended: %s", namespace, name, p.Status.Phase)
		}
		return isReady(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("waiting for pod %s/%s to be Ready: %w (%s)", namespace, name, err, describe(pod))
	}
	return pod, nil
}

// Pod gets a pod that must exist and be Ready, such as the scenario's.
func (c *Cluster) Pod(t testing.TB, namespace, name string) *corev1.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), PodReadyTimeout)
	defer cancel()
	pod, err := c.WaitPodReady(ctx, namespace, name)
	if err != nil {
		t.Fatal(err)
	}
	return pod
}

func isReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describe(p *corev1.Pod) string {
	if p == nil {
		return "not found"
	}
	parts := []string{"phase " + string(p.Status.Phase)}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			parts = append(parts, fmt.Sprintf("%s waiting: %s %s", cs.Name, w.Reason, w.Message))
		}
	}
	return strings.Join(parts, ", ")
}

// ContainerPID finds the host PID of a running container of pod by its container ID in /proc/*/cgroup.
// Every lab node shares this machine's PID namespace, so the PID is valid here and in any hostPID pod.
func ContainerPID(pod *corev1.Pod, container string) (int, error) {
	var id string
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == container {
			_, id, _ = strings.Cut(cs.ContainerID, "://")
		}
	}
	if id == "" {
		return 0, fmt.Errorf("pod %s/%s has no running container %q", pod.Namespace, pod.Name, container)
	}
	procs, err := filepath.Glob("/proc/[0-9]*/cgroup")
	if err != nil {
		return 0, err
	}
	lowest := 0
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), id) {
			continue
		}
		pid, err := strconv.Atoi(strings.Split(f, "/")[2])
		if err == nil && (lowest == 0 || pid < lowest) {
			lowest = pid
		}
	}
	if lowest == 0 {
		return 0, fmt.Errorf("no process of container %s (%s/%s) in /proc", id, pod.Namespace, pod.Name)
	}
	return lowest, nil
}
