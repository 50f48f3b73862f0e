package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/packetwalk/kubectl-packetwalk/pkg/noderun"
)

// CheckFilter compiles filter once on every (node, interface) of targets with tcpdump -d, concurrently, so a
// bad filter or a missing interface is reported with tcpdump's own message before any capture starts. An
// empty filter is not checked.
func CheckFilter(ctx context.Context, runner noderun.Runner, targets []Target, filter string) error {
	if filter == "" {
		return nil
	}
	var places []string // "node/iface", each once
	seen := map[string]bool{}
	for _, t := range targets {
		p := t.Node + "/" + t.IfaceName()
		if !seen[p] {
			seen[p] = true
			places = append(places, p)
		}
	}
	problems := make([]string, len(places))
	errs := make([]error, len(places))
	var wg sync.WaitGroup
	for i, p := range places {
		node, iface, _ := strings.Cut(p, "/")
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := runner.Run(ctx, node, FilterCheckArgs(iface, filter))
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("checking the capture filter on node %s: %w", node, err)
			case !res.OK():
				problems[i] = tcpdumpError(strings.Split(string(res.Stderr), "\n"))
			}
		}()
	}
	wg.Wait()
	// The same message from several places (a bad filter is bad everywhere) is reported once.
	var order []string
	where := map[string][]string{}
	for i, problem := range problems {
		if problem == "" {
			continue
		}
		if where[problem] == nil {
			order = append(order, problem)
		}
		where[problem] = append(where[problem], places[i])
	}
	for _, problem := range order {
		errs = append(errs, fmt.Errorf("tcpdump rejected the capture on %s with -f %q: %s "+
			"(the filter uses tcpdump's syntax, see pcap-filter(7))", strings.Join(where[problem], ", "), filter, problem))
	}
	return errors.Join(errs...)
}
