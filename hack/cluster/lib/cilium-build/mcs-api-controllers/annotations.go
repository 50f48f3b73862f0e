// Package controllers stands in for sigs.k8s.io/mcs-api/controllers, which the Go module proxy refuses.
// Cilium uses nothing from it outside tests but this constant (the value mcs-api v0.5.2 defines).
package controllers

// DerivedServiceAnnotation is set on a ServiceImport to name the Service derived from it.
const DerivedServiceAnnotation = "multicluster.kubernetes.io/derived-service"
