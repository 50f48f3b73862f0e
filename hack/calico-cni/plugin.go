package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// run executes argv (never through a shell) and returns its stdout; a failure carries its stderr.
func run(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// add wires the pod and returns the CNI result.
func add(ctx context.Context, inv invocation) (cniResult, error) {
	host := hostVethName(inv.Namespace, inv.Pod)
	// A veth left by an earlier sandbox of the same pod has this pod's name: replace it, as Calico does.
	if _, err := run(ctx, hostVethExistsArgv(host)); err == nil {
		if _, err := run(ctx, deleteHostVethArgv(host)); err != nil {
			return cniResult{}, fmt.Errorf("removing the stale host veth %s: %w", host, err)
		}
	}

	out, err := runIPAM(ctx, inv, "ADD")
	if err != nil {
		return cniResult{}, err
	}
	var ipam ipamResult
	if err := json.Unmarshal(out, &ipam); err != nil {
		return cniResult{}, fmt.Errorf("reading the IPAM result: %w", err)
	}
	ip, err := ipam.podIPv4()
	if err != nil {
		return cniResult{}, err
	}
	podIP := ip.String()

	res, err := wire(ctx, inv, host, podIP)
	if err != nil {
		// leave nothing half-made: the runtime will retry with a new sandbox
		_, _ = run(ctx, deleteHostVethArgv(host))
		_, _ = runIPAM(ctx, inv, "DEL")
		return cniResult{}, err
	}
	return res, nil
}

func wire(ctx context.Context, inv invocation, host, podIP string) (cniResult, error) {
	if _, err := run(ctx, addVethArgv(host, inv.IfName, inv.Netns, inv.Conf.MTU)); err != nil {
		return cniResult{}, fmt.Errorf("creating the veth pair for %s/%s: %w", inv.Namespace, inv.Pod, err)
	}
	for path, value := range hostSysctls(host) {
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			return cniResult{}, fmt.Errorf("setting %s on %s: %w", path, host, err)
		}
	}
	if _, err := run(ctx, hostUpArgv(host)); err != nil {
		return cniResult{}, fmt.Errorf("setting %s up: %w", host, err)
	}
	for _, argv := range podArgvs(inv.Netns, inv.IfName, podIP) {
		if _, err := run(ctx, argv); err != nil {
			return cniResult{}, fmt.Errorf("configuring the pod side of %s: %w", host, err)
		}
	}
	if _, err := run(ctx, hostRouteArgv(podIP, host)); err != nil {
		return cniResult{}, fmt.Errorf("routing %s to %s: %w", podIP, host, err)
	}
	out, err := run(ctx, podLinkArgv(inv.Netns, inv.IfName))
	if err != nil {
		return cniResult{}, fmt.Errorf("reading the pod's %s: %w", inv.IfName, err)
	}
	mac, err := linkMAC(out)
	if err != nil {
		return cniResult{}, err
	}
	return addResult(inv.Conf.CNIVersion, host, inv.IfName, mac, inv.Netns, podIP), nil
}

// linkMAC reads the MAC from `ip -j link show DEV`.
func linkMAC(ipJSON []byte) (string, error) {
	var links []struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(ipJSON, &links); err != nil {
		return "", fmt.Errorf("reading ip -j link output: %w", err)
	}
	if len(links) != 1 || links[0].Address == "" {
		return "", fmt.Errorf("ip -j link showed %d links, want one with an address", len(links))
	}
	return links[0].Address, nil
}

// del unwires the pod. Deleting what is already gone succeeds: the runtime may call DEL more than once.
func del(ctx context.Context, inv invocation) error {
	var errs []error
	if _, err := runIPAM(ctx, inv, "DEL"); err != nil {
		errs = append(errs, err)
	}
	host := hostVethName(inv.Namespace, inv.Pod)
	if _, err := run(ctx, hostVethExistsArgv(host)); err == nil {
		if _, err := run(ctx, deleteHostVethArgv(host)); err != nil {
			errs = append(errs, fmt.Errorf("deleting host veth %s: %w", host, err))
		}
	}
	return errors.Join(errs...)
}

// check verifies that the pod's host veth still exists.
func check(ctx context.Context, inv invocation) error {
	host := hostVethName(inv.Namespace, inv.Pod)
	if _, err := run(ctx, hostVethExistsArgv(host)); err != nil {
		return fmt.Errorf("host veth %s of %s/%s is missing: %w", host, inv.Namespace, inv.Pod, err)
	}
	return nil
}
