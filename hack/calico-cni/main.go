// Command calico-repro is a CNI plugin that wires pods the way Calico's CNI plugin does, so that the local
// test cluster's nodes look like a Calico VXLAN node to packetwalk. It is a reproduction of Calico's
// dataplane for tests, not Calico: no felix, no policy, no BGP. See README.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(cniMain(os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func cniMain(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	conf, err := io.ReadAll(stdin)
	if err != nil {
		return fail(stdout, "", fmt.Errorf("reading the network configuration: %w", err))
	}
	inv, err := parseInvocation(getenv, conf)
	if err != nil {
		if inv.Command == "" {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return fail(stdout, inv.Conf.CNIVersion, err)
	}

	switch inv.Command {
	case "VERSION":
		return emit(stdout, map[string]any{"cniVersion": "1.0.0", "supportedVersions": supportedVersions})
	case "ADD":
		res, err := add(ctx, inv)
		if err != nil {
			return fail(stdout, inv.Conf.CNIVersion, err)
		}
		return emit(stdout, res)
	case "DEL":
		if err := del(ctx, inv); err != nil {
			return fail(stdout, inv.Conf.CNIVersion, err)
		}
		return 0
	case "CHECK":
		if err := check(ctx, inv); err != nil {
			return fail(stdout, inv.Conf.CNIVersion, err)
		}
		return 0
	default:
		return fail(stdout, inv.Conf.CNIVersion, fmt.Errorf("unknown CNI_COMMAND %q", inv.Command))
	}
}

func emit(w io.Writer, v any) int {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return 1
	}
	return 0
}

// fail prints err as a CNI error object, which the runtime shows in the pod's events.
func fail(w io.Writer, version string, err error) int {
	if version == "" {
		version = "1.0.0"
	}
	emit(w, cniError{CNIVersion: version, Code: errCodeInternal, Msg: err.Error()})
	return 1
}
