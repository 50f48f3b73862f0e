package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// netConf is the part of the CNI network configuration the plugin reads; the whole document is passed on
// to the IPAM plugin unchanged.
type netConf struct {
	CNIVersion string `json:"cniVersion"`
	Name       string `json:"name"`
	MTU        int    `json:"mtu"`
	IPAM       struct {
		Type string `json:"type"`
	} `json:"ipam"`
}

// invocation is one call of the plugin: the CNI_* environment and the configuration on stdin.
type invocation struct {
	Command     string
	ContainerID string
	Netns       string
	IfName      string
	Path        []string
	Namespace   string
	Pod         string
	Conf        netConf
	RawConf     []byte
}

// parseInvocation reads a CNI call from its environment (getenv) and stdin bytes.
func parseInvocation(getenv func(string) string, stdin []byte) (invocation, error) {
	inv := invocation{
		Command:     getenv("CNI_COMMAND"),
		ContainerID: getenv("CNI_CONTAINERID"),
		Netns:       getenv("CNI_NETNS"),
		IfName:      getenv("CNI_IFNAME"),
		RawConf:     stdin,
	}
	if inv.Command == "" {
		return inv, fmt.Errorf("CNI_COMMAND is not set: this is a CNI plugin, run by the container runtime")
	}
	if inv.Command == "VERSION" {
		return inv, nil
	}
	if p := getenv("CNI_PATH"); p != "" {
		inv.Path = strings.Split(p, ":")
	}
	args := parseCNIArgs(getenv("CNI_ARGS"))
	inv.Namespace, inv.Pod = args["K8S_POD_NAMESPACE"], args["K8S_POD_NAME"]
	if err := json.Unmarshal(stdin, &inv.Conf); err != nil {
		return inv, fmt.Errorf("reading the network configuration: %w", err)
	}
	if inv.IfName == "" {
		inv.IfName = "eth0"
	}
	if inv.Conf.MTU == 0 {
		inv.Conf.MTU = 1450
	}
	switch {
	case inv.ContainerID == "":
		return inv, fmt.Errorf("CNI_CONTAINERID is not set")
	case inv.Conf.IPAM.Type == "":
		return inv, fmt.Errorf("the network configuration has no ipam.type")
	case inv.Namespace == "" || inv.Pod == "":
		return inv, fmt.Errorf("CNI_ARGS has no K8S_POD_NAMESPACE and K8S_POD_NAME: the host veth is named after the pod")
	case inv.Command == "ADD" && inv.Netns == "":
		return inv, fmt.Errorf("CNI_NETNS is not set")
	}
	return inv, nil
}

// parseCNIArgs splits CNI_ARGS ("K1=V1;K2=V2").
func parseCNIArgs(s string) map[string]string {
	args := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args[k] = v
		}
	}
	return args
}
