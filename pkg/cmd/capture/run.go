package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	pwcapture "github.com/packetwalk/kubectl-packetwalk/pkg/capture"
	"github.com/packetwalk/kubectl-packetwalk/pkg/summary"
	"github.com/packetwalk/kubectl-packetwalk/pkg/termsafe"
)

// Run captures until a stop condition, then prints the counts (and the summary, with --summary).
func (o *Options) Run(ctx context.Context) (err error) {
	pods, err := podsToCapture(ctx, o.client, o.namespace, o.targets, o.Selector)
	if err != nil {
		return err
	}
	sess, err := o.open()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sess.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := sess.Preflight(ctx, nodesOf(o.targets, pods)...); err != nil {
		return err
	}

	targets, err := podTargets(ctx, sess.Runner, pods)
	if err != nil {
		return err
	}
	for _, t := range o.targets {
		if t.Kind != nodeTarget {
			continue
		}
		nt, err := nodeTargetOn(ctx, o.client, sess.Runner, t.Name, o.Interface)
		if err != nil {
			return err
		}
		targets = append(targets, nt)
	}

	// The user's filter is checked on its own first, so tcpdump's complaint quotes what the user wrote
	// and not the own-stream exclusion added to it.
	if o.Filter != "" {
		if err := pwcapture.CheckFilter(ctx, sess.Runner, targets, o.Filter); err != nil {
			return err
		}
	}
	out, err := o.openOutputs(ctx)
	if err != nil {
		return err
	}
	report, runErr := pwcapture.Run(ctx, sess.Runner, targets, pwcapture.Options{
		Filter: captureFilter(o.Filter, o.IncludeOwnStream), Count: o.Count, Duration: o.Duration, SnapLen: o.SnapLen,
		Format: pwcapture.Format(o.Format), Messages: o.ErrOut,
		OnReady: func() { fmt.Fprintf(o.ErrOut, "capturing on %d interface(s); Ctrl-C to stop\n", len(targets)) },
	}, out.writer)
	closeErr := out.close()
	for _, t := range report.Targets {
		termsafe.Fprintf(o.ErrOut, "%s: %d packets\n", t.Target, t.Packets)
	}
	if report.Stopped != "" {
		fmt.Fprintf(o.ErrOut, "capture stopped: %s\n", report.Stopped)
	}
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		return closeErr
	}
	// Ctrl-C is how a capture normally ends: not an error, and the summary is still printed.
	if out.summarizer != nil {
		return summary.WriteText(o.Out, out.summarizer.Report(), summary.TextOptions{})
	}
	return nil
}

// outputs is where the capture stream goes: any of a file, stdout, Wireshark and the summarizer.
type outputs struct {
	writer     io.Writer
	closers    []func() error
	summarizer *summary.Summarizer
}

func (o *outputs) close() error {
	var errs []error
	for i := len(o.closers) - 1; i >= 0; i-- {
		if err := o.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o *Options) openOutputs(ctx context.Context) (*outputs, error) {
	out := &outputs{}
	var writers []io.Writer
	if o.Output != "" && o.Output != "-" {
		f, err := openFile(o.Output)
		if err != nil {
			return nil, fmt.Errorf("opening -w %s: %w", o.Output, err)
		}
		writers = append(writers, f)
		out.closers = append(out.closers, f.Close)
	}
	if o.streamsToStdout() {
		writers = append(writers, o.Out)
	}
	if o.Wireshark {
		path, err := pwcapture.FindWireshark(exec.LookPath)
		if err != nil {
			return nil, err
		}
		ws, err := pwcapture.StartWireshark(path, o.ErrOut)
		if err != nil {
			return nil, err
		}
		writers = append(writers, ws.Stdin())
		out.closers = append(out.closers, ws.CloseStdin)
	}
	if o.Summary {
		s := summary.New(summary.Options{
			Names:      namesFromAPI(ctx, o),
			OnFlowDone: func(f api.Flow) { _ = summary.WriteFlowLine(o.Out, f) },
		})
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := s.ReadStream(context.WithoutCancel(ctx), pr)
			_ = pr.CloseWithError(err)
			done <- err
		}()
		writers = append(writers, pw)
		out.closers = append(out.closers, func() error {
			_ = pw.Close()
			if err := <-done; err != nil {
				return fmt.Errorf("summarizing the capture: %w", err)
			}
			return nil
		})
		out.summarizer = s
	}
	out.writer = io.MultiWriter(writers...)
	return out, nil
}

// namesFromAPI names pod and Service IPs for the summary: in every namespace the user may list, or else
// in the current one.
func namesFromAPI(ctx context.Context, o *Options) summary.Names {
	names := summary.Names{}
	for _, ns := range []string{metav1.NamespaceAll, o.namespace} {
		pods, perr := o.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		svcs, serr := o.client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
		if perr != nil || serr != nil {
			continue
		}
		for _, p := range pods.Items {
			if p.Spec.HostNetwork {
				continue
			}
			for _, ip := range p.Status.PodIPs {
				if a, err := netip.ParseAddr(ip.IP); err == nil {
					names[a] = p.Namespace + "/" + p.Name
				}
			}
		}
		for _, s := range svcs.Items {
			for _, ip := range s.Spec.ClusterIPs {
				if a, err := netip.ParseAddr(ip); err == nil {
					names[a] = "svc " + s.Namespace + "/" + s.Name
				}
			}
		}
		break
	}
	return names
}
