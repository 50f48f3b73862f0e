package veth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/printer"
)

// TestTableEscapesNodeNames: interface names and messages come from the node; the table shows them without
// the terminal acting on them, and -o json keeps them exact.
func TestTableEscapesNodeNames(t *testing.T) {
	list := &api.VethList{Items: []api.Veth{{
		Pod: api.PodRef{Namespace: "default", Name: "curl"}, Node: "node1", Status: "OK",
		Interface: &api.PodInterface{Name: "eth0", PeerIndex: 7, MTU: 1450},
		HostPeer:  &api.HostPeer{Name: "veth\x1b]0;pwned\x07", PeerIndex: 2, MTU: 1450},
		Gateway:   &api.Gateway{IP: "10.244.1.1", Resolution: api.GatewayBridge, Explanation: "bridge c\x1b[2Jni0"},
		Warnings:  []string{"a\x1bb"},
	}}}
	var b bytes.Buffer
	if err := printTable(&b, list, true); err != nil {
		t.Fatal(err)
	}
	cmdtest.Escaped(t, b.String(), "veth^[]0;pwned^G@if2", "bridge c^[[2Jni0", "eth0: a^[b")
	b.Reset()
	if err := printer.WriteObject(&b, printer.JSON, list); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"veth\u001b]0;pwned\u0007"`) {
		t.Errorf("JSON does not keep the name exact:\n%s", b.String())
	}
}
