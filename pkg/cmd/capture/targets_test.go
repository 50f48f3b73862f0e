package capture

import "testing"

func TestParseTarget(t *testing.T) {
	tests := []struct {
		arg     string
		want    targetArg
		wantErr bool
	}{
		{arg: "node/m03", want: targetArg{nodeTarget, "m03"}},
		{arg: "nodes/m03", want: targetArg{nodeTarget, "m03"}},
		{arg: "pod/curl", want: targetArg{podTarget, "curl"}},
		{arg: "po/curl", want: targetArg{podTarget, "curl"}},
		{arg: "curl", want: targetArg{podTarget, "curl"}},
		{arg: "svc/httpbin", wantErr: true},
		{arg: "node/", wantErr: true},
		{arg: "pod/a/b", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseTarget(tt.arg)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseTarget(%q) error = %v, wantErr %v", tt.arg, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("parseTarget(%q) = %v, want %v", tt.arg, got, tt.want)
		}
	}
}
