//go:build e2e

// Package e2e holds packetwalk's end-to-end tests. They run against the local cluster (hack/cluster/up and
// hack/scenario apply) through hack/test.sh, which sets the framework's environment; without it they skip.
package e2e

import (
	"os"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/test/e2e/framework"
)

func TestMain(m *testing.M) { os.Exit(framework.Main(m)) }
