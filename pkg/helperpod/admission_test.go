package helperpod

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestPodCarriesAdmissionRequirements(t *testing.T) {
	base := Spec{Node: "n1", Namespace: "ns", Image: "img", RunID: "r", Deadline: time.Minute}
	with := base
	with.Admission = Admission{
		Requests:       corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		Limits:         corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		ServiceAccount: "packetwalk-privileged",
	}
	want := Pod(base)
	want.Spec.ServiceAccountName = "packetwalk-privileged"
	want.Spec.Containers[0].Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	if diff := cmp.Diff(want, Pod(with)); diff != "" {
		t.Errorf("helper pod (-want +got):\n%s", diff)
	}
	if got := Pod(with); *got.Spec.AutomountServiceAccountToken {
		t.Error("a service account for admission must not bring its token into the helper pod")
	}
}
