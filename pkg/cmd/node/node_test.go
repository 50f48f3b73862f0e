package node

import (
	"context"
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestValidate(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"m02"}},
		{args: []string{"m02", "-o", "json", "--explain"}},
		{args: []string{"node/m02"}},
		{args: []string{"no/m02"}},
		{args: []string{"pod/curl"}, wantErr: "pod/curl is not a node"},
		{args: []string{"m02", "m03"}, wantErr: "name one node, got 2"},
		{args: []string{}, wantErr: "name the node to show"},
		{args: []string{"m02", "-o", "wide"}, wantErr: `-o must be json or yaml, got "wide"`},
		{args: []string{"m02", "--helper-namespace", ""}, wantErr: "--helper-namespace must not be empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			o := NewOptions(streams)
			cmd := &cobra.Command{Use: "node", RunE: func(cmd *cobra.Command, args []string) error {
				if err := o.completeArgs(args); err != nil {
					return err
				}
				return o.Validate()
			}}
			o.AddFlags(cmd)
			cmdtest.Execute(t, cmd, tt.args, tt.wantErr)
		})
	}
}

func options(t *testing.T, scenario string) (*Options, *nodefactstest.Scenario, *strings.Builder) {
	t.Helper()
	s := nodefactstest.Load(t, scenario)
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	out := &strings.Builder{}
	streams.Out = out
	o := NewOptions(streams)
	o.client = fake.NewSimpleClientset(s.Objects()...)
	o.name = "node1"
	return o, s, out
}

func TestDescribe(t *testing.T) {
	for _, tt := range []struct{ scenario, node string }{
		{"calico-vxlan", "node1"}, {"calico-ipip", "node1"}, {"flannel", "node1"}, {"cilium", "node1"},
		{"cluster-flannel", "pw-node1"},
	} {
		scenario := tt.scenario
		t.Run(scenario, func(t *testing.T) {
			o, s, out := options(t, scenario)
			o.name = tt.node
			if err := o.run(context.Background(), s.Runner); err != nil {
				t.Fatal(err)
			}
			cmdtest.Golden(t, "testdata/"+scenario+".txt", []byte(out.String()), *update)
		})
	}
}

func TestJSONIsANodeNetwork(t *testing.T) {
	o, s, out := options(t, "calico-vxlan")
	o.Output = "json"
	if err := o.run(context.Background(), s.Runner); err != nil {
		t.Fatal(err)
	}
	var nn api.NodeNetwork
	if err := json.Unmarshal([]byte(out.String()), &nn); err != nil {
		t.Fatal(err)
	}
	if nn.Kind != "NodeNetwork" || nn.Node != "node1" || len(nn.Links) == 0 {
		t.Errorf("kind %s node %s, %d links", nn.Kind, nn.Node, len(nn.Links))
	}
	byName := map[string]api.Link{}
	for _, l := range nn.Links {
		byName[l.Name] = l
	}
	if l := byName["cali35e3a5cb80b"]; l.Kind != "veth" || l.MAC != "ee:ee:ee:ee:ee:ee" || l.Index == 0 {
		t.Errorf("cali35e3a5cb80b in the link table = %+v", l)
	}
}

func TestNodeIsNamedAsKubectlNamesIt(t *testing.T) {
	for _, arg := range []string{"m02", "node/m02", "nodes/m02", "no/m02"} {
		o := NewOptions(genericiooptions.IOStreams{})
		if err := o.completeArgs([]string{arg}); err != nil || o.name != "m02" {
			t.Errorf("%s: node %q, error %v; want m02", arg, o.name, err)
		}
	}
}
