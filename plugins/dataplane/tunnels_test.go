package dataplane

import "testing"

// An observed tunnel is named as the device that adds it, so that it compares with the expected hops.
func TestDecodedTunnelsAreNamedAsTheirDevices(t *testing.T) {
	for decoded, want := range map[string]string{"vxlan": "VXLAN", "geneve": "Geneve", "ipip": "IPIP", "6in4": "6in4", "4in6": "IPIP6", "6in6": "IPIP6", "wireguard": "WireGuard", "gre": "GRE"} {
		if got := DecodedType(decoded); got != want {
			t.Errorf("DecodedType(%q) = %q, want %q", decoded, got, want)
		}
	}
	for _, kind := range []string{"vxlan", "geneve", "ipip", "sit", "ip6tnl", "wireguard"} {
		if _, ok := EncapsulationOfLink(kind); !ok {
			t.Errorf("link kind %s is not an encapsulation", kind)
		}
	}
}
