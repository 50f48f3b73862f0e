package walk

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// Options tunes a walk.
type Options struct {
	// NoProbe keeps to the expected path: nothing is sent and nothing captured.
	NoProbe bool
	// SourcePort is the probe's source port; 0 picks one at random, and another if it is taken.
	SourcePort int
	// Observe tunes the probe and the captures.
	Observe ObserveOptions
	// Phases receives how long each phase took, one line each; nil says nothing.
	Phases io.Writer
}

// DefaultOptions are the command's defaults.
func DefaultOptions() Options { return Options{Observe: DefaultObserveOptions()} }

// Result is a walk with what it was reasoned from and, when probed, what was observed.
type Result struct {
	Walk  *api.Walk
	Input *Input
	// Observation is nil without a probe.
	Observation *Observation
}

// localPortBusyRetries is how often a probe whose chosen source port was taken is sent again.
const localPortBusyRetries = 3

// Run walks req on cluster c: it gathers the facts, reasons the expected path, and unless opts.NoProbe
// sends the probe while capturing at every hop, judges what was seen and looks for the rules that drop it.
func Run(ctx context.Context, c Cluster, req Request, opts Options) (*Result, error) {
	sourcePort := 0
	if !opts.NoProbe {
		sourcePort = opts.SourcePort
		if sourcePort == 0 {
			sourcePort = randomSourcePort()
		}
	}
	phase := time.Now()
	in, err := Gather(ctx, c, req, sourcePort)
	if err != nil {
		return nil, err
	}
	opts.timing("node and API facts", &phase)
	for attempt := 0; ; attempt++ {
		w, err := Reason(ctx, c.Runner, in)
		if err != nil {
			return nil, err
		}
		opts.timing("route questions", &phase)
		if opts.NoProbe {
			return &Result{Walk: w, Input: in}, nil
		}
		obs, err := Observe(ctx, c.Runner, in, w, opts.Observe)
		if err != nil {
			return nil, err
		}
		if localPortBusy(obs) && attempt < localPortBusyRetries && in.SourcePort != 0 && opts.SourcePort == 0 {
			in.SourcePort = randomSourcePort()
			continue
		}
		opts.timing("captures and probe", &phase)
		Judge(w, in, obs)
		diagnoseDrops(ctx, c.Runner, in, w)
		diagnosePolicy(ctx, c, in, w)
		opts.timing("verdict", &phase)
		return &Result{Walk: w, Input: in, Observation: obs}, nil
	}
}

// localPortBusy says the probe could not use its chosen source port (taken in the pod's namespace): the
// walk should choose another and probe again.
func localPortBusy(obs *Observation) bool {
	return obs.Probe.Kind != ProbeICMP && obs.Probe.ExitCode == curlLocalPortBusy
}

func (o Options) timing(what string, since *time.Time) {
	if o.Phases != nil {
		fmt.Fprintf(o.Phases, "%s: %s\n", what, time.Since(*since).Round(time.Millisecond))
	}
	*since = time.Now()
}
