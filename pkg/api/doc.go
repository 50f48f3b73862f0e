// Package api holds the objects packetwalk prints with -o json and -o yaml. They are a stable, documented
// interface (docs/output.md): fields are only ever added, never renamed or removed, within an APIVersion.
package api

// APIVersion is the version of every object in this package.
const APIVersion = "packetwalk.dev/v1alpha1"

// TypeMeta names an object's kind and version, as in Kubernetes objects.
type TypeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// PodRef names a pod.
type PodRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (p PodRef) String() string { return p.Namespace + "/" + p.Name }
