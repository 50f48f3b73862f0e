package walk

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
	"github.com/packetwalk/kubectl-packetwalk/pkg/walk/walktest"
)

var update = flag.Bool("update", false, "record the kernel lab's output into testdata/")

func scenarioDir(name string) string { return walktest.Dir(name) }

// recordedObservation is one observed walk of the kernel lab: what was asked, the probe's source port and
// result, and the probe's packets from every hop (the walk's own -w pcapng).
type recordedObservation struct {
	Request    Request   `json:"request"`
	SourcePort int       `json:"sourcePort"`
	Probe      api.Probe `json:"probe"`
	pcapng     []byte
}

func saveObservations(t *testing.T, scenario string, obs map[string]recordedObservation) {
	t.Helper()
	dir := filepath.Join(scenarioDir(scenario), "observed")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, o := range obs {
		raw, err := json.MarshalIndent(o, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".pcapng"), o.pcapng, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadObservation reads a recorded observed walk back: the probe, and one capture per pcapng interface,
// named "node/interface (label)" as the walk wrote it.
func loadObservation(t *testing.T, scenario, name string) (recordedObservation, *Observation) {
	t.Helper()
	dir := filepath.Join(scenarioDir(scenario), "observed")
	raw, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ro recordedObservation
	if err := json.Unmarshal(raw, &ro); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, name+".pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapread.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	obs := &Observation{Probe: ro.Probe}
	var p pcapread.Packet
	for {
		err := rd.Next(&p)
		if err != nil {
			break
		}
		for len(obs.Captures) < len(rd.Interfaces()) {
			ifc := rd.Interfaces()[len(obs.Captures)]
			where, label, _ := strings.Cut(ifc.Name, " (")
			node, iface, _ := strings.Cut(where, "/")
			obs.Captures = append(obs.Captures, pointCapture{point: CapturePoint{Node: node, Interface: iface, Label: strings.TrimSuffix(label, ")")},
				linkType: ifc.LinkType, ready: true})
		}
		obs.Captures[p.Interface].packets = append(obs.Captures[p.Interface].packets,
			capturedPacket{point: p.Interface, ts: p.Timestamp, data: append([]byte(nil), p.Data...), orig: p.Length})
	}
	return ro, obs
}
