package cmdshared

import (
	"fmt"
	"sort"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
)

// AdmissionFlags are the helper pod's answers to a namespace's admission rules: --helper-requests,
// --helper-limits and --helper-service-account.
type AdmissionFlags struct {
	Requests, Limits map[string]string
	ServiceAccount   string
}

// AddFlags binds the flags to fs.
func (a *AdmissionFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringToStringVar(&a.Requests, "helper-requests", a.Requests, "Resource requests of the helper pods, e.g. cpu=50m,memory=64Mi (for a ResourceQuota or LimitRange that requires them)")
	fs.StringToStringVar(&a.Limits, "helper-limits", a.Limits, "Resource limits of the helper pods, e.g. cpu=500m,memory=256Mi")
	fs.StringVar(&a.ServiceAccount, "helper-service-account", a.ServiceAccount, "Service account of the helper pods, for clusters that grant privileged pods through one (OpenShift SCCs); its token is not mounted")
}

// Admission reads the flags into what the helper pod spec carries, naming the flag at fault.
func (a *AdmissionFlags) Admission() (helperpod.Admission, error) {
	requests, err := resourceList("--helper-requests", a.Requests)
	if err != nil {
		return helperpod.Admission{}, err
	}
	limits, err := resourceList("--helper-limits", a.Limits)
	if err != nil {
		return helperpod.Admission{}, err
	}
	if a.ServiceAccount != "" {
		if errs := validation.IsDNS1123Subdomain(a.ServiceAccount); len(errs) > 0 {
			return helperpod.Admission{}, fmt.Errorf("--helper-service-account %q is not a valid name: %s", a.ServiceAccount, errs[0])
		}
	}
	for name, limit := range limits {
		if req, ok := requests[name]; ok && req.Cmp(limit) > 0 {
			return helperpod.Admission{}, fmt.Errorf("--helper-requests %s=%s is more than --helper-limits %s=%s", name, req.String(), name, limit.String())
		}
	}
	return helperpod.Admission{Requests: requests, Limits: limits, ServiceAccount: a.ServiceAccount}, nil
}

// resourceList reads NAME=QUANTITY pairs such as cpu=50m, memory=64Mi, ephemeral-storage=100Mi.
func resourceList(flag string, m map[string]string) (corev1.ResourceList, error) {
	if len(m) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	list := corev1.ResourceList{}
	for _, name := range names {
		q, err := resource.ParseQuantity(m[name])
		if err != nil {
			return nil, fmt.Errorf("%s %s=%s: %q is not a quantity (e.g. 50m, 64Mi)", flag, name, m[name], m[name])
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("%s %s=%s must not be negative", flag, name, m[name])
		}
		list[corev1.ResourceName(name)] = q
	}
	return list, nil
}
