package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// Causes Run gives its streams' context when it stops them itself.
var (
	errDurationPassed = errors.New("capture duration passed")
	errReaderGone     = errors.New("the capture's reader went away")
	errTargetFailed   = errors.New("another target's capture failed")
)

// counter is a target's output: it takes tcpdump's stdout and counts the packets it wrote.
type counter interface {
	io.Writer
	packets() int64
}

type targetRun struct {
	target   Target
	out      *streamGuard
	sink     counter
	messages *TcpdumpMessages
	done     chan struct{}
	exitCode int
	err      error
	stopped  bool // Run had already stopped the capture when this one ended
}

// Run captures targets through runner and writes one stream to out, in opts.Format. It checks the filter on
// every (node, interface) first, so a bad filter is tcpdump's own message and not a broken stream; starts
// every tcpdump behind StopOnEOF; calls opts.OnReady once all are listening; and stops them all when ctx
// ends (Ctrl-C), opts.Duration has passed since they were ready, each has captured opts.Count packets, out's
// reader went away, or one of them failed. Only the last is an error. It returns once every tcpdump has
// exited, with per-target packet counts and tcpdump's own closing counts.
func Run(ctx context.Context, runner noderun.Runner, targets []Target, opts Options, out io.Writer) (Report, error) {
	if err := opts.Validate(targets); err != nil {
		return Report{}, err
	}
	format, _ := ResolveFormat(opts.Format, targets)
	report := Report{Format: format}
	if err := CheckFilter(ctx, runner, targets, opts.Filter); err != nil {
		return report, err
	}

	streamCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	sinks, pcapng, err := newSinks(format, targets, opts.Filter, out)
	if err != nil {
		if IsReaderGone(err) {
			report.Stopped = StoppedReaderGone
			return report, nil
		}
		return report, fmt.Errorf("writing the capture: %w", err)
	}

	var messages io.Writer
	if opts.Messages != nil {
		messages = NewSyncWriter(opts.Messages)
	}
	runs := make([]*targetRun, len(targets))
	for i, t := range targets {
		r := &targetRun{target: t, sink: sinks[i], messages: NewTcpdumpMessages(t.String(), messages),
			done: make(chan struct{})}
		r.out = &streamGuard{w: sinks[i], onFail: func(err error) {
			if IsReaderGone(err) {
				stop(errReaderGone)
			} else {
				stop(fmt.Errorf("writing the capture of %s: %w", t, err))
			}
		}}
		runs[i] = r
		argv := StopOnEOF(TcpdumpArgs(TcpdumpOptions{Interface: t.Interface, Filter: opts.Filter,
			Count: opts.Count, SnapLen: opts.SnapLen, NanoTimestamps: true}))
		go func() {
			defer close(r.done)
			r.exitCode, r.err = runner.Stream(streamCtx, t.Node, argv, r.out, r.messages)
			_ = r.messages.Close()
			r.stopped = streamCtx.Err() != nil
			if !r.stopped && (r.err != nil || r.exitCode != 0) {
				stop(errTargetFailed)
			}
		}()
	}

	if allListening(streamCtx, runs) {
		if opts.OnReady != nil {
			opts.OnReady()
		}
		if opts.Duration > 0 {
			timer := time.AfterFunc(opts.Duration, func() { stop(errDurationPassed) })
			defer timer.Stop()
		}
	}
	for _, r := range runs {
		<-r.done
	}
	if pcapng != nil {
		if err := pcapng.Flush(); err != nil && context.Cause(streamCtx) == nil {
			if IsReaderGone(err) {
				stop(errReaderGone)
			} else {
				stop(fmt.Errorf("writing the capture: %w", err))
			}
		}
	}

	for _, r := range runs {
		report.Targets = append(report.Targets, TargetReport{Target: r.target, Packets: r.sink.packets(),
			Summary: r.messages.Summary(), ExitCode: r.exitCode})
	}
	return report, finish(ctx, streamCtx, runs, opts, &report)
}

// finish sets why the capture stopped and returns the error, if it was one.
func finish(ctx, streamCtx context.Context, runs []*targetRun, opts Options, report *Report) error {
	cause := context.Cause(streamCtx)
	switch {
	case ctx.Err() != nil:
		report.Stopped = StoppedInterrupted
		return nil
	case errors.Is(cause, errReaderGone):
		report.Stopped = StoppedReaderGone
		return nil
	case errors.Is(cause, errDurationPassed):
		report.Stopped = StoppedDuration
		return nil
	case cause != nil && !errors.Is(cause, errTargetFailed):
		report.Stopped = StoppedFailed
		return cause
	}
	var errs []error
	for _, r := range runs {
		if r.stopped {
			continue
		}
		switch {
		case r.err != nil:
			errs = append(errs, fmt.Errorf("capturing %s: %w", r.target, r.err))
		case r.exitCode != 0:
			errs = append(errs, fmt.Errorf("tcpdump capturing %s exited with status %d: %s",
				r.target, r.exitCode, tcpdumpError(r.messages.Messages())))
		}
	}
	if len(errs) > 0 {
		report.Stopped = StoppedFailed
		return errors.Join(errs...)
	}
	if opts.Count > 0 {
		report.Stopped = StoppedCount
	} else {
		report.Stopped = StoppedExited
	}
	return nil
}

// allListening waits until every tcpdump is listening; false if one ended first or the capture stopped.
func allListening(ctx context.Context, runs []*targetRun) bool {
	for _, r := range runs {
		select {
		case <-r.messages.Ready():
		case <-r.done:
			select {
			case <-r.messages.Ready():
			default:
				return false
			}
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func newSinks(format Format, targets []Target, filter string, out io.Writer) ([]counter, *PcapngWriter, error) {
	if format == FormatPcap {
		return []counter{newPassThrough(out)}, nil, nil
	}
	w, err := NewPcapngWriter(out)
	if err != nil {
		return nil, nil, err
	}
	sinks := make([]counter, len(targets))
	for i, t := range targets {
		sinks[i] = newPcapngTarget(t, filter, w)
	}
	return sinks, w, nil
}

// streamGuard stands between a runner and a target's output. After the first write error it swallows what
// follows, so the session keeps draining tcpdump's stdout while Run stops it through stdin; a runner seeing
// write errors could otherwise stop reading and leave tcpdump blocked in write() on the node.
type streamGuard struct {
	mu     sync.Mutex
	w      io.Writer
	failed bool
	onFail func(error)
}

func (g *streamGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed {
		return len(p), nil
	}
	if _, err := g.w.Write(p); err != nil {
		g.failed = true
		g.onFail(err)
	}
	return len(p), nil
}
