package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
)

// ipamResult is the part of an IPAM plugin's answer the plugin uses.
type ipamResult struct {
	IPs []struct {
		Address string `json:"address"`
	} `json:"ips"`
}

// podIPv4 is the first IPv4 address the IPAM plugin gave, without its prefix length: Calico gives each pod
// a /32 whatever the block size.
func (r ipamResult) podIPv4() (netip.Addr, error) {
	for _, ip := range r.IPs {
		p, err := netip.ParsePrefix(ip.Address)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("reading IPAM address %q: %w", ip.Address, err)
		}
		if p.Addr().Is4() {
			return p.Addr(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("the IPAM plugin gave no IPv4 address")
}

// runIPAM runs the configured IPAM plugin with the same CNI call, as CNI's delegation does.
func runIPAM(ctx context.Context, inv invocation, command string) ([]byte, error) {
	bin, err := findPlugin(inv.Path, inv.Conf.IPAM.Type)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "CNI_COMMAND="+command)
	cmd.Stdin = bytes.NewReader(inv.RawConf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var cniErr struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(stdout.Bytes(), &cniErr) == nil && cniErr.Msg != "" {
			return nil, fmt.Errorf("IPAM %s %s: %s", inv.Conf.IPAM.Type, command, cniErr.Msg)
		}
		return nil, fmt.Errorf("IPAM %s %s: %w: %s", inv.Conf.IPAM.Type, command, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// findPlugin looks a CNI plugin up on CNI_PATH.
func findPlugin(path []string, name string) (string, error) {
	for _, dir := range path {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("IPAM plugin %q not found in CNI_PATH %v", name, path)
}
