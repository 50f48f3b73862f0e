package capture

import (
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/pkg/objref"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		arg     string
		want    targetArg
		wantErr bool
	}{
		{arg: "node/m03", want: targetArg{Kind: objref.Node, Name: "m03", Typed: true}},
		{arg: "nodes/m03", want: targetArg{Kind: objref.Node, Name: "m03", Typed: true}},
		{arg: "pod/curl", want: targetArg{Kind: objref.Pod, Name: "curl", Typed: true}},
		{arg: "po/curl", want: targetArg{Kind: objref.Pod, Name: "curl", Typed: true}},
		{arg: "curl", want: targetArg{Kind: objref.Pod, Name: "curl"}},
		{arg: "deploy/httpbin", want: targetArg{Kind: objref.Deployment, Name: "httpbin", Typed: true}},
		{arg: "svc/httpbin", want: targetArg{Kind: objref.Service, Name: "httpbin", Typed: true}},
		{arg: "apps/curl", want: targetArg{Kind: objref.Pod, Namespace: "apps", Name: "curl"}},
		{arg: "node/", wantErr: true},
		{arg: "x/a/b", wantErr: true},
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
