package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostVethName(t *testing.T) {
	tests := []struct {
		namespace, pod, want string
	}{
		// the name a real Calico node gives default/curl (seen on a user's node, `19: cali35e3a5cb80b@if3`)
		{"default", "curl", "cali35e3a5cb80b"},
		// sha1sum of "default.httpbin" and of "kube-system.coredns-abc"
		{"default", "httpbin", "cali4a3c027cd7f"},
		{"kube-system", "coredns-abc", "cali3d5d6ab04b5"},
	}
	for _, tt := range tests {
		got := hostVethName(tt.namespace, tt.pod)
		if got != tt.want {
			t.Errorf("hostVethName(%q, %q) = %q, want %q", tt.namespace, tt.pod, got, tt.want)
		}
		if len(got) > 15 {
			t.Errorf("hostVethName(%q, %q) = %q is longer than IFNAMSIZ-1", tt.namespace, tt.pod, got)
		}
	}
}

func TestParseInvocation(t *testing.T) {
	conf := []byte(`{"cniVersion":"0.4.0","name":"pw-calico","type":"calico-repro","mtu":1450,"ipam":{"type":"host-local"}}`)
	env := map[string]string{
		"CNI_COMMAND":     "ADD",
		"CNI_CONTAINERID": "abc123",
		"CNI_NETNS":       "/var/run/netns/cni-1",
		"CNI_IFNAME":      "eth0",
		"CNI_PATH":        "/opt/cni/bin:/usr/lib/cni",
		"CNI_ARGS":        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=curl;K8S_POD_INFRA_CONTAINER_ID=abc123",
	}
	got, err := parseInvocation(func(k string) string { return env[k] }, conf)
	if err != nil {
		t.Fatalf("parseInvocation: %v", err)
	}
	want := invocation{
		Command: "ADD", ContainerID: "abc123", Netns: "/var/run/netns/cni-1", IfName: "eth0",
		Path: []string{"/opt/cni/bin", "/usr/lib/cni"}, Namespace: "default", Pod: "curl", RawConf: conf,
	}
	want.Conf.CNIVersion, want.Conf.Name, want.Conf.MTU, want.Conf.IPAM.Type = "0.4.0", "pw-calico", 1450, "host-local"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseInvocation (-want +got):\n%s", diff)
	}
}

func TestParseInvocationErrors(t *testing.T) {
	good := map[string]string{
		"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c", "CNI_NETNS": "/n",
		"CNI_ARGS": "K8S_POD_NAMESPACE=default;K8S_POD_NAME=curl",
	}
	tests := []struct {
		name    string
		unset   string
		conf    string
		wantErr string
	}{
		{"no command", "CNI_COMMAND", `{"ipam":{"type":"host-local"}}`, "CNI_COMMAND is not set"},
		{"no pod name", "CNI_ARGS", `{"ipam":{"type":"host-local"}}`, "K8S_POD_NAME"},
		{"no netns on ADD", "CNI_NETNS", `{"ipam":{"type":"host-local"}}`, "CNI_NETNS"},
		{"no ipam", "", `{}`, "ipam.type"},
		{"bad json", "", `{`, "reading the network configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseInvocation(func(k string) string {
				if k == tt.unset {
					return ""
				}
				return good[k]
			}, []byte(tt.conf))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseInvocation error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestArgvs(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"veth", addVethArgv("cali35e3a5cb80b", "eth0", "/run/netns/cni-1", 1450),
			[]string{"ip", "link", "add", "cali35e3a5cb80b", "address", "ee:ee:ee:ee:ee:ee", "mtu", "1450",
				"type", "veth", "peer", "name", "eth0", "mtu", "1450", "netns", "/run/netns/cni-1"}},
		{"host route", hostRouteArgv("10.244.1.5", "cali35e3a5cb80b"),
			[]string{"ip", "route", "replace", "10.244.1.5/32", "dev", "cali35e3a5cb80b", "scope", "link"}},
		{"pod link", podLinkArgv("/run/netns/cni-1", "eth0"),
			[]string{"nsenter", "--net=/run/netns/cni-1", "--", "ip", "-j", "link", "show", "eth0"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s argv (-want +got):\n%s", tt.name, diff)
		}
	}

	wantPod := [][]string{
		{"nsenter", "--net=/n", "--", "ip", "addr", "add", "10.244.1.5/32", "dev", "eth0"},
		{"nsenter", "--net=/n", "--", "ip", "link", "set", "eth0", "up"},
		{"nsenter", "--net=/n", "--", "ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link"},
		{"nsenter", "--net=/n", "--", "ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0"},
	}
	if diff := cmp.Diff(wantPod, podArgvs("/n", "eth0", "10.244.1.5")); diff != "" {
		t.Errorf("podArgvs (-want +got):\n%s", diff)
	}
}

func TestHostSysctls(t *testing.T) {
	want := map[string]string{
		"/proc/sys/net/ipv4/conf/cali35e3a5cb80b/proxy_arp":    "1",
		"/proc/sys/net/ipv4/conf/cali35e3a5cb80b/forwarding":   "1",
		"/proc/sys/net/ipv4/neigh/cali35e3a5cb80b/proxy_delay": "0",
	}
	if diff := cmp.Diff(want, hostSysctls("cali35e3a5cb80b")); diff != "" {
		t.Errorf("hostSysctls (-want +got):\n%s", diff)
	}
}

func TestAddResultJSON(t *testing.T) {
	tests := []struct {
		version string
		want    string
	}{
		{"0.4.0", `{"cniVersion":"0.4.0","interfaces":[{"name":"cali35e3a5cb80b","mac":"ee:ee:ee:ee:ee:ee"},` +
			`{"name":"eth0","mac":"5a:1b:2c:3d:4e:5f","sandbox":"/n"}],` +
			`"ips":[{"version":"4","address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],` +
			`"routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1"}],"dns":{}}`},
		{"1.0.0", `{"cniVersion":"1.0.0","interfaces":[{"name":"cali35e3a5cb80b","mac":"ee:ee:ee:ee:ee:ee"},` +
			`{"name":"eth0","mac":"5a:1b:2c:3d:4e:5f","sandbox":"/n"}],` +
			`"ips":[{"address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],` +
			`"routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1"}],"dns":{}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(addResult(tt.version, "cali35e3a5cb80b", "eth0", "5a:1b:2c:3d:4e:5f", "/n", "10.244.1.5"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("result %s:\n got %s\nwant %s", tt.version, got, tt.want)
		}
	}
}

func TestLinkMAC(t *testing.T) {
	// `ip -j link show eth0` in a pod namespace (iproute2 6.1)
	out := []byte(`[{"ifindex":2,"link_index":9,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],` +
		`"mtu":1450,"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,` +
		`"link_type":"ether","address":"3e:6f:0a:c1:22:9d","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0}]`)
	got, err := linkMAC(out)
	if err != nil || got != "3e:6f:0a:c1:22:9d" {
		t.Errorf("linkMAC = %q, %v; want 3e:6f:0a:c1:22:9d", got, err)
	}
	if _, err := linkMAC([]byte(`[]`)); err == nil {
		t.Error("linkMAC of no links: want an error")
	}
}

func TestVersionCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := cniMain(func(k string) string {
		if k == "CNI_COMMAND" {
			return "VERSION"
		}
		return ""
	}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("VERSION exit %d: %s", code, stderr.String())
	}
	want := `{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}` + "\n"
	if stdout.String() != want {
		t.Errorf("VERSION printed %q, want %q", stdout.String(), want)
	}
}

func TestUnknownCommandIsACNIError(t *testing.T) {
	env := map[string]string{"CNI_COMMAND": "GC", "CNI_CONTAINERID": "c", "CNI_ARGS": "K8S_POD_NAMESPACE=a;K8S_POD_NAME=b"}
	var stdout, stderr bytes.Buffer
	code := cniMain(func(k string) string { return env[k] }, strings.NewReader(`{"cniVersion":"0.4.0","ipam":{"type":"host-local"}}`), &stdout, &stderr)
	var e cniError
	if code != 1 || json.Unmarshal(stdout.Bytes(), &e) != nil || e.Code != errCodeInternal || !strings.Contains(e.Msg, `"GC"`) {
		t.Errorf("unknown command: exit %d, stdout %q; want exit 1 and a CNI error naming GC", code, stdout.String())
	}
}
