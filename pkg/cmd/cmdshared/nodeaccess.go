// Package cmdshared holds what packetwalk's commands share: the flags and the session that give access
// to nodes through helper pods, and name completion.
package cmdshared

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/packetwalk/kubectl-packetwalk/pkg/helperpod"
	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// ImageEnv overrides the default helper image, e.g. for clusters that mirror images.
const ImageEnv = "PACKETWALK_IMAGE"

// MinHelperDeadline leaves room for a few heartbeat renewals, each of which the kubelet copies into the
// helper within seconds.
const MinHelperDeadline = 30 * time.Second

// NodeAccess is the set of flags every command that runs node commands shares.
type NodeAccess struct {
	Image             string
	ImagePullSecrets  []string
	HelperNamespace   string
	PodRunningTimeout time.Duration
	// HelperDeadline is how long a helper may outlive a killed plugin (see helperpod.Spec.Deadline).
	HelperDeadline time.Duration
	// Profile is the privileges the verb's helper pods get.
	Profile helperpod.Profile
}

// NewNodeAccess returns NodeAccess with its defaults, for a verb whose helpers need profile.
func NewNodeAccess(profile helperpod.Profile) *NodeAccess {
	image := helperpod.DefaultImage
	if v := os.Getenv(ImageEnv); v != "" {
		image = v
	}
	return &NodeAccess{
		Image:             image,
		HelperNamespace:   "default",
		PodRunningTimeout: time.Minute,
		HelperDeadline:    15 * time.Minute,
		Profile:           profile,
	}
}

// AddFlags binds the flags to fs.
func (n *NodeAccess) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&n.Image, "image", n.Image, "Image of the node helper pods: it needs iproute2 (ip -j), tcpdump, nsenter, iptables/nft and curl (default from $"+ImageEnv+" if set)")
	fs.StringSliceVar(&n.ImagePullSecrets, "image-pull-secret", n.ImagePullSecrets, "Secret in the helper namespace to pull the helper image with (repeatable)")
	fs.StringVar(&n.HelperNamespace, "helper-namespace", n.HelperNamespace, "Namespace for the node helper pods; it must allow privileged pods (PodSecurity)")
	fs.DurationVar(&n.PodRunningTimeout, "pod-running-timeout", n.PodRunningTimeout, "How long to wait for a helper pod to run (e.g. 30s, 2m)")
	fs.DurationVar(&n.HelperDeadline, "helper-deadline", n.HelperDeadline, "How long a helper pod outlives a killed packetwalk: a live run renews it, so captures may run longer; a helper whose run stopped renewing stops itself after this (then run: kubectl packetwalk cleanup)")
}

// Validate checks the flag values, naming the flag at fault.
func (n *NodeAccess) Validate() error {
	switch {
	case n.Image == "":
		return fmt.Errorf("--image must not be empty")
	case n.HelperNamespace == "":
		return fmt.Errorf("--helper-namespace must not be empty")
	case n.PodRunningTimeout <= 0:
		return fmt.Errorf("--pod-running-timeout must be positive, got %s", n.PodRunningTimeout)
	case n.HelperDeadline < MinHelperDeadline:
		return fmt.Errorf("--helper-deadline must be at least %s, got %s", MinHelperDeadline, n.HelperDeadline)
	}
	return nil
}

// Open connects to the cluster and returns a session whose Runner starts helper pods on demand. Callers
// must Close it on every exit path.
func (n *NodeAccess) Open(f cmdutil.Factory, streams genericiooptions.IOStreams) (*Session, error) {
	config, err := f.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	client, err := f.KubernetesClientSet()
	if err != nil {
		return nil, err
	}
	template := helperpod.Spec{
		Namespace:        n.HelperNamespace,
		Image:            n.Image,
		ImagePullSecrets: n.ImagePullSecrets,
		RunID:            helperpod.NewRunID(),
		Deadline:         n.HelperDeadline,
		Profile:          n.Profile,
	}
	pool := helperpod.NewPool(client, template, n.PodRunningTimeout, streams.ErrOut)
	return &Session{
		Client: client,
		Config: config,
		Pool:   pool,
		Runner: &noderun.Exec{Config: config, Client: client, Pods: pool, Container: helperpod.ContainerName},
	}, nil
}

// Preflight checks every node before any helper pod is created, so a refusal costs nothing.
func (s *Session) Preflight(ctx context.Context, nodes ...string) error {
	return s.Pool.Preflight(ctx, nodes...)
}
