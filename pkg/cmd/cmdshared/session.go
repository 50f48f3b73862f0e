package cmdshared

import (
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Session is one invocation's access to the cluster and its nodes.
type Session struct {
	Client kubernetes.Interface
	Config *restclient.Config
	// Runner runs node commands; the first command on a node starts that node's helper pod.
	Runner noderun.Runner
	Pool   *helperpod.Pool
}

// Close deletes the session's helper pods.
func (s *Session) Close() error { return s.Pool.Close() }
