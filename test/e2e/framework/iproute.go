package framework

import (
	"encoding/json"
	"fmt"
)

// Link is the part of `ip -j -d link show` the tests compare.
type Link struct {
	IfIndex   int    `json:"ifindex"`
	IfName    string `json:"ifname"`
	LinkIndex int    `json:"link_index"`
	// Link names the peer (or lower) device when it is in the same namespace, where ip prints no link_index.
	Link     string   `json:"link"`
	Flags    []string `json:"flags"`
	MTU      int      `json:"mtu"`
	Master   string   `json:"master"`
	Address  string   `json:"address"`
	LinkInfo struct {
		InfoKind string `json:"info_kind"`
		InfoData struct {
			ID    int    `json:"id"`
			Port  int    `json:"port"`
			Local string `json:"local"`
			// External is a collect-metadata tunnel: its VNI and remote are set per packet (Cilium).
			External bool `json:"external"`
		} `json:"info_data"`
	} `json:"linkinfo"`
}

// ParseLinks reads `ip -j [-d] link show` output.
func ParseLinks(ipJSON string) ([]Link, error) {
	var links []Link
	if err := json.Unmarshal([]byte(ipJSON), &links); err != nil {
		return nil, fmt.Errorf("reading ip -j link output: %w", err)
	}
	return links, nil
}

// Route is the part of `ip -j route show` the tests compare.
type Route struct {
	Type     string   `json:"type"`
	Dst      string   `json:"dst"`
	Gateway  string   `json:"gateway"`
	Dev      string   `json:"dev"`
	Protocol string   `json:"protocol"`
	Scope    string   `json:"scope"`
	Flags    []string `json:"flags"`
	PrefSrc  string   `json:"prefsrc"`
	Metrics  []struct {
		MTU int `json:"mtu"`
	} `json:"metrics"`
}

// ParseRoutes reads `ip -j route show` output.
func ParseRoutes(ipJSON string) ([]Route, error) {
	var routes []Route
	if err := json.Unmarshal([]byte(ipJSON), &routes); err != nil {
		return nil, fmt.Errorf("reading ip -j route output: %w", err)
	}
	return routes, nil
}

// Addr is one address of `ip -j addr show`.
type Addr struct {
	IfName   string `json:"ifname"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
	} `json:"addr_info"`
}

// ParseAddrs reads `ip -j addr show` output.
func ParseAddrs(ipJSON string) ([]Addr, error) {
	var addrs []Addr
	if err := json.Unmarshal([]byte(ipJSON), &addrs); err != nil {
		return nil, fmt.Errorf("reading ip -j addr output: %w", err)
	}
	return addrs, nil
}
