package helperpod

import corev1 "k8s.io/api/core/v1"

// Admission is what a cluster's admission may require of the helper pod: requests and limits (a
// ResourceQuota refuses pods without them, a LimitRange may cap them), and a service account through
// which privilege is granted (OpenShift's SCCs, policy engines that match on it). The account's token is
// still not mounted: the helper pod never talks to the API.
type Admission struct {
	Requests, Limits corev1.ResourceList
	ServiceAccount   string
}

func (a Admission) apply(pod *corev1.Pod) {
	c := &pod.Spec.Containers[0]
	if len(a.Requests) > 0 {
		c.Resources.Requests = a.Requests.DeepCopy()
	}
	if len(a.Limits) > 0 {
		c.Resources.Limits = a.Limits.DeepCopy()
	}
	pod.Spec.ServiceAccountName = a.ServiceAccount
}
