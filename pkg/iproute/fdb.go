package iproute

import "fmt"

// FDBEntry is one forwarding-database entry as `bridge -j fdb show` prints it. For a VXLAN device an entry
// maps an inner MAC to the remote VTEP (Dst) that owns it.
type FDBEntry struct {
	MAC    string   `json:"mac"`
	Dev    string   `json:"ifname"`
	Dst    string   `json:"dst,omitempty"`
	VNI    int      `json:"vni,omitempty"`
	Port   int      `json:"port,omitempty"`
	Master string   `json:"master,omitempty"`
	VLAN   int      `json:"vlan,omitempty"`
	Flags  []string `json:"flags,omitempty"`
	State  string   `json:"state,omitempty"`
}

// FDB is a forwarding database.
type FDB []FDBEntry

// Find returns the entry for mac on dev.
func (f FDB) Find(mac, dev string) (FDBEntry, bool) {
	for _, e := range f {
		if e.MAC == mac && e.Dev == dev {
			return e, true
		}
	}
	return FDBEntry{}, false
}

// ParseFDB parses `bridge -j fdb show`.
func ParseFDB(out []byte) (FDB, error) {
	var f FDB
	if err := unmarshal(out, &f); err != nil {
		return nil, fmt.Errorf("parsing bridge fdb output: %w", err)
	}
	return f, nil
}
