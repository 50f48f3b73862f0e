package capture

import (
	"strings"
	"testing"
	"time"
)

func TestResolveFormat(t *testing.T) {
	node := Target{Node: "n1"}
	pod := Target{Node: "n1", Interface: "cali35e3a5cb80b"}
	tests := []struct {
		format  Format
		targets []Target
		want    Format
		wantErr string
	}{
		{FormatAuto, []Target{pod}, FormatPcap, ""},
		{FormatAuto, []Target{node}, FormatPcapng, ""},
		{FormatAuto, []Target{pod, pod}, FormatPcapng, ""},
		{FormatPcap, []Target{node}, FormatPcap, ""},
		{FormatPcapng, []Target{pod}, FormatPcapng, ""},
		{FormatPcap, []Target{pod, node}, "", "--format pcap holds one capture and 2 targets were given"},
		{"erf", []Target{pod}, "", `unknown --format "erf"`},
	}
	for _, tt := range tests {
		got, err := ResolveFormat(tt.format, tt.targets)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ResolveFormat(%q, %d targets) = %q, %v; want %q, %q", tt.format, len(tt.targets), got, err, tt.want, tt.wantErr)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	ok := []Target{{Node: "n1"}}
	tests := []struct {
		name    string
		opts    Options
		targets []Target
		wantErr string
	}{
		{"fine", Options{Count: 5, Duration: time.Second, SnapLen: 128}, ok, ""},
		{"no targets", Options{}, nil, "nothing to capture"},
		{"target without node", Options{}, []Target{{Interface: "eth0"}}, "has no node"},
		{"negative count", Options{Count: -1}, ok, "-c -1"},
		{"negative duration", Options{Duration: -time.Second}, ok, "--duration -1s"},
		{"snaplen too big", Options{SnapLen: DefaultSnapLen + 1}, ok, "--snaplen 262145"},
	}
	for _, tt := range tests {
		err := tt.opts.Validate(tt.targets)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: Validate = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestReportWriteCounts(t *testing.T) {
	r := Report{Targets: []TargetReport{
		{Target: Target{Node: "n1", Interface: "cali35e3a5cb80b", Label: "default/curl"}, Packets: 12,
			Summary: []string{"12 packets captured", "12 packets received by filter", "0 packets dropped by kernel"}},
		{Target: Target{Node: "n2"}, Packets: 0},
	}}
	var b strings.Builder
	if err := r.WriteCounts(&b); err != nil {
		t.Fatal(err)
	}
	want := "n1/cali35e3a5cb80b (default/curl): 12 packets, 12 packets captured, 12 packets received by filter, 0 packets dropped by kernel\n" +
		"n2/any: 0 packets\n"
	if b.String() != want {
		t.Errorf("WriteCounts:\n%s\nwant:\n%s", b.String(), want)
	}
}
