package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// checkVersion applies krew's own rule for spec.version (and so for the release tag): a semantic version
// with a leading "v".
func checkVersion(v string) error {
	if !strings.HasPrefix(v, "v") {
		return fmt.Errorf("version %q does not start with \"v\": krew refuses it", v)
	}
	if _, err := version.ParseSemantic(v); err != nil {
		return fmt.Errorf("version %q is not a semantic version, which krew requires: %w", v, err)
	}
	return nil
}
