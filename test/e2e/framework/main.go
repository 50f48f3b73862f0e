package framework

import (
	"os"
	"testing"
)

// Main runs the package's tests and then removes what the framework created on the cluster. Use it from
// TestMain: os.Exit(framework.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if loaded != nil {
		deleteHelpers(loaded)
	}
	if pluginBuildDir != "" {
		os.RemoveAll(pluginBuildDir)
	}
	return code
}
