package walk

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/pcapread"
)

// TestObservedOnRecordedCaptures matches the probe across hops in real captures of the kernel lab (the
// walk's own pcapng, one interface per hop, recorded with -update) and checks the verdict.
func TestObservedOnRecordedCaptures(t *testing.T) {
	for _, scenario := range []string{"calico-vxlan", "flannel", "calico-direct"} {
		for _, name := range []string{"pod-cross-node", "pod-same-node", "service", "ping-cross-node"} {
			t.Run(scenario+"/"+name, func(t *testing.T) {
				ro, obs := loadObservation(t, scenario, name)
				w, in, _ := reasonRecorded(t, scenario, ro.Request, ro.SourcePort)
				Judge(w, in, obs)
				if w.Verdict.Result != api.VerdictReplyReceived || w.Verdict.RTT == "" {
					t.Fatalf("verdict %+v\n%s", w.Verdict, renderText(w))
				}
				p := chosenPath(t, w)
				var last time.Duration
				for _, h := range p.Hops {
					if h.Capture == nil {
						continue
					}
					o := h.Observed
					if o == nil || !o.Seen || !o.ReplySeen {
						t.Errorf("hop %s at %s/%s: %+v", h.Kind, h.Node, h.Interface, o)
						continue
					}
					since, err := time.ParseDuration(strings.TrimPrefix(o.SinceFirst, "+"))
					if err != nil || since < last {
						t.Errorf("hop %s seen at %s, before the hop before it (%s)", h.Kind, o.SinceFirst, last)
					}
					last = since
					if in.Protocol != ProtocolICMP && !strings.HasSuffix(o.Packet.Src, ":"+strconv.Itoa(ro.SourcePort)) {
						t.Errorf("hop %s saw source %s, want port %d", h.Kind, o.Packet.Src, ro.SourcePort)
					}
				}
				if first := hop(t, p, api.HopHostPeer).Observed; first.SinceFirst != "+0s" {
					t.Errorf("the host peer, first capture point, saw the packet at %s", first.SinceFirst)
				}
				if u := findHop(p, api.HopUnderlay); u != nil && u.Packet.Encapsulation != nil {
					want := u.Packet.Encapsulation
					if e := u.Observed.Packet.Encapsulation; e == nil || e.Type != want.Type || e.VNI != want.VNI || e.Port != want.Port || u.Observed.Packet.OuterDst != u.Packet.OuterDst {
						t.Errorf("underlay observed %+v, expected %+v", u.Observed.Packet, u.Packet)
					}
				}
				if in.Service != nil {
					nat := hop(t, p, api.HopServiceNAT)
					if nat.Observed == nil || nat.Observed.Packet.Dst != p.Endpoint || w.Probe.Endpoint != p.Endpoint {
						t.Errorf("translation observed %+v, probe endpoint %q, chosen path %s", nat.Observed, w.Probe.Endpoint, p.Endpoint)
					}
					if hp := hop(t, p, api.HopHostPeer).Observed.Packet; hp.Dst != "10.96.0.10:80" {
						t.Errorf("before DNAT the host peer saw %s", hp.Dst)
					}
				}
			})
		}
		t.Run(scenario+"/drop", func(t *testing.T) {
			ro, obs := loadObservation(t, scenario, "drop-on-destination-node")
			w, in, runner := reasonRecorded(t, scenario, ro.Request, ro.SourcePort)
			Judge(w, in, obs)
			diagnoseDrops(context.Background(), runner, in, w)
			v := w.Verdict
			if v.Result != api.VerdictStopped || v.LastSeen == nil || v.FirstMissing == nil {
				t.Fatalf("verdict %+v\n%s", v, renderText(w))
			}
			wantLast := api.HopDecapsulation
			if scenario == "calico-direct" {
				wantLast = api.HopRemoteUnderlay
			}
			if v.LastSeen.Kind != wantLast || v.LastSeen.Node != "node2" || v.FirstMissing.Kind != api.HopDestinationHostPeer {
				t.Errorf("last seen %+v, first missing %+v", v.LastSeen, v.FirstMissing)
			}
			if !strings.Contains(v.LikelyCauses[0], "-A FORWARD -d 10.244.2.7/32 -j DROP") {
				t.Errorf("first likely cause %q, want the DROP rule", v.LikelyCauses[0])
			}
			if w.Probe.Connected || w.Probe.ExitCode != curlTimeout {
				t.Errorf("probe %+v, want curl's timeout", w.Probe)
			}
		})
	}
}

func findHop(p api.WalkPath, kind string) *api.Hop {
	for i := range p.Hops {
		if p.Hops[i].Kind == kind {
			return &p.Hops[i]
		}
	}
	return nil
}

// TestWritePcapngKeepsOnlyTheProbe rewrites a recorded walk's pcapng and reads it back: every interface
// keeps its hop name and only the probe's packets remain.
func TestWritePcapngKeepsOnlyTheProbe(t *testing.T) {
	ro, obs := loadObservation(t, "calico-vxlan", "pod-cross-node")
	w, in, _ := reasonRecorded(t, "calico-vxlan", ro.Request, ro.SourcePort)
	Judge(w, in, obs)
	var buf bytes.Buffer
	n, err := WritePcapng(&buf, w, in, obs)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := pcapread.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var p pcapread.Packet
	got := 0
	for rd.Next(&p) == nil {
		got++
	}
	var names []string
	for _, ifc := range rd.Interfaces() {
		names = append(names, ifc.Name)
	}
	want := "node1/cali35e3a5cb80b (host peer)|node1/vxlan.calico (VXLAN encapsulation)|node1/eth0 (underlay)|node2/eth0 (remote underlay)|node2/vxlan.calico (decapsulation)|node2/cali4a3c027cd7f (destination host peer)"
	if strings.Join(names, "|") != want {
		t.Errorf("interfaces %q\nwant %q", names, want)
	}
	if got != n || n == 0 || n%6 != 0 {
		t.Errorf("read %d packets, wrote %d: want the same exchange seen on each of the 6 hops", got, n)
	}
}

// TestVerdictWhenNoCaptureRan: captures that could not run (no tcpdump in the image, say) do not make a
// lost packet; a probe that got its answer is still an answer.
func TestVerdictWhenNoCaptureRan(t *testing.T) {
	for _, connected := range []bool{false, true} {
		ro, obs := loadObservation(t, "calico-vxlan", "pod-cross-node")
		w, in, _ := reasonRecorded(t, "calico-vxlan", ro.Request, ro.SourcePort)
		for i := range obs.Captures {
			obs.Captures[i].packets = nil
			obs.Captures[i].err = "tcpdump exited with status 127: sh: tcpdump: not found"
		}
		obs.Probe.Connected = connected
		Judge(w, in, obs)
		want := api.VerdictProbeFailed
		if connected {
			want = api.VerdictReplyReceived
		}
		if w.Verdict.Result != want {
			t.Errorf("probe connected %v: verdict %+v, want %s", connected, w.Verdict, want)
		}
		if !connected && !strings.Contains(w.Verdict.Summary, "tcpdump: not found") {
			t.Errorf("verdict does not say why: %s", w.Verdict.Summary)
		}
	}
}
