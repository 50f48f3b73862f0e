package helperpod

import utilrand "k8s.io/apimachinery/pkg/util/rand"

// NewRunID names one invocation's helper pods. A variable so tests can make it deterministic.
var NewRunID = func() string { return utilrand.String(8) }
