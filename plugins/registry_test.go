package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/podnet"
	"github.com/packetwalk/kubectl-packetwalk/plugins"
	"github.com/packetwalk/kubectl-packetwalk/plugins/dataplane"
)

func gather(t *testing.T, scenario, node string) (*nodefacts.Node, map[string]*nodefacts.PodNet) {
	t.Helper()
	s := nodefactstest.Load(t, scenario)
	n, lookups, err := nodefacts.Gather(context.Background(), s.Runner, node, s.PodsOn(node), nodefacts.WantAll)
	if err != nil {
		t.Fatal(err)
	}
	nets := map[string]*nodefacts.PodNet{}
	for _, l := range lookups {
		if l.Err != nil {
			t.Fatalf("%s: %v", l.Pod.Name, l.Err)
		}
		nets[l.Pod.Name] = l.Net
	}
	return n, nets
}

func TestDetectAndTunnels(t *testing.T) {
	tests := []struct {
		scenario  string
		dataplane string
		tunnels   []dataplane.Tunnel
	}{
		{"calico-vxlan", "calico", []dataplane.Tunnel{{Type: "VXLAN", Device: "vxlan.calico", VNI: 4096, Port: 4789, Local: "10.201.0.11", MTU: 1450, Underlay: "eth0", Overhead: 50}}},
		{"calico-ipip", "calico", []dataplane.Tunnel{{Type: "IPIP", Device: "tunl0", MTU: 1480, Underlay: "eth0", Overhead: 20}}},
		{"flannel", "flannel", []dataplane.Tunnel{{Type: "VXLAN", Device: "flannel.1", VNI: 1, Port: 8472, Local: "10.201.0.11", MTU: 1450, Underlay: "eth0", Overhead: 50}}},
		{"cilium", "cilium", []dataplane.Tunnel{{Type: "VXLAN", Device: "cilium_vxlan", Port: 8472, MTU: 1500, Underlay: "eth0", Overhead: 50}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			node, _ := gather(t, tt.scenario, "node1")
			p, d := plugins.Detect(node)
			if p.Name() != tt.dataplane || len(d.Evidence) == 0 {
				t.Fatalf("detected %s (%d%%, %q), want %s", p.Name(), d.Confidence, d.Evidence, tt.dataplane)
			}
			if diff := cmp.Diff(tt.tunnels, p.Tunnels(node)); diff != "" {
				t.Errorf("tunnels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeCurl(t *testing.T) {
	tests := []struct {
		scenario     string
		expectedPeer string
		resolution   string
		gatewayIP    string
		warning      string
	}{
		{"calico-vxlan", "cali35e3a5cb80b", api.GatewayProxyARP, "169.254.1.1", ""},
		{"calico-ipip", "cali35e3a5cb80b", api.GatewayProxyARP, "169.254.1.1", ""},
		{"flannel", "", api.GatewayBridge, "10.244.1.1", ""},
		{"cilium", "", api.GatewayHostInterface, "10.0.1.197", "tcpdump there may see"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			node, nets := gather(t, tt.scenario, "node1")
			p, _ := plugins.Detect(node)
			curl := nets["curl"]
			var att podnet.Attachment
			for _, a := range podnet.Attach(curl.Links, node.Links) {
				if a.PodLink.Name == "eth0" {
					att = a
				}
			}
			d := p.Describe(node, curl, att)
			if d.ExpectedPeerName != tt.expectedPeer {
				t.Errorf("expected peer name %q, want %q", d.ExpectedPeerName, tt.expectedPeer)
			}
			if d.Gateway == nil || d.Gateway.Resolution != tt.resolution || d.Gateway.IP != tt.gatewayIP {
				t.Fatalf("gateway = %+v, want %s resolved by %s", d.Gateway, tt.gatewayIP, tt.resolution)
			}
			if d.Gateway.MAC == "" || d.Gateway.MAC != d.Gateway.ExpectedMAC {
				t.Errorf("the pod resolved its gateway to %q, the dataplane says %q should answer", d.Gateway.MAC, d.Gateway.ExpectedMAC)
			}
			if d.Gateway.Explanation == "" {
				t.Error("no explanation")
			}
			got := strings.Join(d.Warnings, "\n")
			if (tt.warning == "") != (got == "") || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings %q, want one containing %q", d.Warnings, tt.warning)
			}
		})
	}
}

func TestCalicoWarnsAboutAMisnamedPeerAndProxyARPOff(t *testing.T) {
	node, nets := gather(t, "calico-vxlan", "node1")
	curl := nets["curl"]
	var att podnet.Attachment
	for _, a := range podnet.Attach(curl.Links, node.Links) {
		if a.PodLink.Name == "eth0" {
			att = a
		}
	}
	// The same facts as seen for a pod of another name, on a node where felix did not set proxy_arp.
	renamed := *curl
	renamed.Name = "curl-2"
	node.Sysctls["net.ipv4.conf.cali35e3a5cb80b.proxy_arp"] = "0"
	p, _ := plugins.Detect(node)
	d := p.Describe(node, &renamed, att)
	got := strings.Join(d.Warnings, "\n")
	for _, want := range []string{"Calico names this pod's veth", "proxy_arp is 0 on cali35e3a5cb80b"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", d.Warnings, want)
		}
	}
	if d.Gateway.Resolution != api.GatewayUnknown {
		t.Errorf("with proxy_arp off the gateway resolution is %s, want Unknown", d.Gateway.Resolution)
	}
}

func TestEveryPluginHasAName(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range plugins.All() {
		if p.Name() == "" || seen[p.Name()] {
			t.Errorf("plugin name %q empty or repeated", p.Name())
		}
		seen[p.Name()] = true
	}
}
