package main

import "strings"

// The CNI result the plugin prints after ADD. Versions before 1.0.0 carry an IP version field.
type cniResult struct {
	CNIVersion string         `json:"cniVersion"`
	Interfaces []cniInterface `json:"interfaces"`
	IPs        []cniIP        `json:"ips"`
	Routes     []cniRoute     `json:"routes"`
	DNS        struct{}       `json:"dns"`
}

type cniInterface struct {
	Name    string `json:"name"`
	MAC     string `json:"mac"`
	Sandbox string `json:"sandbox,omitempty"`
}

type cniIP struct {
	Version   string `json:"version,omitempty"`
	Address   string `json:"address"`
	Gateway   string `json:"gateway,omitempty"`
	Interface int    `json:"interface"`
}

type cniRoute struct {
	Dst string `json:"dst"`
	GW  string `json:"gw,omitempty"`
}

type cniError struct {
	CNIVersion string `json:"cniVersion"`
	Code       int    `json:"code"`
	Msg        string `json:"msg"`
}

// CNI's error code for a failure the spec has no specific code for.
const errCodeInternal = 999

var supportedVersions = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0"}

// addResult describes the wired pod: the host veth, the pod's interface (index 1) and its address.
func addResult(version, host, podIf, podMAC, netns, podIP string) cniResult {
	ip := cniIP{Address: podIP + "/32", Gateway: podGateway, Interface: 1}
	if strings.HasPrefix(version, "0.") {
		ip.Version = "4"
	}
	return cniResult{
		CNIVersion: version,
		Interfaces: []cniInterface{{Name: host, MAC: hostVethMAC}, {Name: podIf, MAC: podMAC, Sandbox: netns}},
		IPs:        []cniIP{ip},
		Routes:     []cniRoute{{Dst: "0.0.0.0/0", GW: podGateway}},
	}
}
