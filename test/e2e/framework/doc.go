// Package framework helps packetwalk's end-to-end tests (build tag e2e, in test/e2e) run against the local
// cluster from hack/cluster/up: it loads the cluster from the environment hack/test.sh sets, waits for
// pods, runs commands in a node's network namespace on the host (the ground truth tests compare packetwalk
// with), execs through privileged hostNetwork helper pods of its own, finds a container's PID, and builds
// and runs the plugin binary.
//
// Tests that call Load skip when the environment does not name a cluster, so `go test -tags e2e ./...`
// without one reports skips, not failures.
//
// A test package uses it like this:
//
//	func TestMain(m *testing.M) { os.Exit(framework.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		c := framework.Load(t)
//		out := c.NodeNetnsRun(t, "pw-node1", "ip", "-j", "link", "show")
//		...
//	}
package framework
