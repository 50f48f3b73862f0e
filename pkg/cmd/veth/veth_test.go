package veth

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/packetwalk/kubectl-packetwalk/internal/cmdtest"
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
	"github.com/packetwalk/kubectl-packetwalk/pkg/nodefacts/nodefactstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestValidate runs flags and arguments through a real cobra command, as a user's command line would.
func TestValidate(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"curl"}},
		{args: []string{"curl", "httpbin", "-o", "wide", "--explain"}},
		{args: []string{"-l", "app=httpbin", "-o", "json"}},
		{args: []string{"-A"}},
		{args: []string{"-A", "-l", "app=httpbin", "-o", "yaml"}},
		{args: nil, wantErr: "name one or more pods, or use -l SELECTOR or -A"},
		{args: []string{"curl", "-l", "app=x"}, wantErr: "pod names and -l cannot be combined"},
		{args: []string{"curl", "-A"}, wantErr: "pod names and -A cannot be combined"},
		{args: []string{"curl", "-o", "table"}, wantErr: `-o must be wide, json or yaml, got "table"`},
		{args: []string{"curl", "--pod-running-timeout", "0s"}, wantErr: "--pod-running-timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			o := NewOptions(streams)
			cmd := &cobra.Command{Use: "veth", RunE: func(cmd *cobra.Command, args []string) error {
				o.names = args
				return o.Validate()
			}}
			o.AddFlags(cmd)
			cmdtest.Execute(t, cmd, tt.args, tt.wantErr)
		})
	}
}

// options returns Options wired to scenario's recorded cluster and nodes.
func options(t *testing.T, scenario string, extra ...runtime.Object) (*Options, *nodefactstest.Scenario, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	s := nodefactstest.Load(t, scenario)
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o := NewOptions(streams)
	o.client = fake.NewSimpleClientset(append(s.Objects(), extra...)...)
	o.namespace = "default"
	return o, s, out, errOut
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	cmdtest.Golden(t, "testdata/"+name, got, *update)
}

func TestTables(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		names    []string
		wide     bool
	}{
		{"calico-vxlan", []string{"curl", "httpbin-0", "httpbin"}, false},
		{"calico-vxlan", []string{"curl"}, true},
		{"flannel", []string{"curl", "httpbin"}, false},
		{"cilium", []string{"curl"}, true},
		{"calico-ipip", []string{"curl", "httpbin"}, false},
		{"cluster-flannel", []string{"curl", "httpbin-local", "httpbin"}, true},
	} {
		name := tt.scenario + "-" + strings.Join(tt.names, "-")
		if tt.wide {
			name += "-wide"
		}
		t.Run(name, func(t *testing.T) {
			o, _, out, _ := options(t, tt.scenario)
			o.names = tt.names
			if tt.wide {
				o.Output = "wide"
			}
			pods, err := o.selectPods(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := o.run(context.Background(), nodefactstest.Load(t, tt.scenario).Runner, pods); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", out.Bytes())
		})
	}
}

func TestJSONRoundTrips(t *testing.T) {
	o, s, out, errOut := options(t, "calico-vxlan")
	o.Output, o.Explain = "json", true
	o.AllNamespaces = true
	pods, err := o.selectPods(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := o.run(context.Background(), s.Runner, pods); err != nil {
		t.Fatal(err)
	}
	var list api.VethList
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatalf("stdout is not a VethList: %v\n%s", err, out)
	}
	if list.Kind != "VethList" || list.APIVersion != api.APIVersion || len(list.Items) != 3 {
		t.Errorf("kind %s version %s with %d items", list.Kind, list.APIVersion, len(list.Items))
	}
	if !strings.Contains(errOut.String(), "Step 1, on node node1") {
		t.Errorf("--explain with -o json must go to stderr, got %q", errOut)
	}
}

func TestSelectPods(t *testing.T) {
	o, _, _, _ := options(t, "calico-vxlan")
	o.Selector = "app=httpbin"
	pods, err := o.selectPods(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"httpbin", "httpbin-0"}, names); diff != "" {
		t.Errorf("-l app=httpbin (-want +got):\n%s", diff)
	}
	o.Selector, o.names = "", []string{"nope"}
	if _, err := o.selectPods(context.Background()); err == nil || !strings.Contains(err.Error(), `pod "nope" not found in namespace "default": list them with kubectl get pods -n default`) {
		t.Errorf("missing pod: %v", err)
	}
	o.names, o.Selector = nil, "app=nothing"
	if _, err := o.selectPods(context.Background()); err == nil || !strings.Contains(err.Error(), `no pods match "app=nothing" in namespace default`) {
		t.Errorf("empty selection: %v", err)
	}
	o.names, o.Selector = []string{"pod/curl", "default/httpbin", "po/default/httpbin-0"}, ""
	pods, err = o.selectPods(context.Background())
	if err != nil {
		t.Fatalf("kubectl-style names: %v", err)
	}
	names = nil
	for _, p := range pods {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"curl", "httpbin", "httpbin-0"}, names); diff != "" {
		t.Errorf("pod/curl default/httpbin po/default/httpbin-0 (-want +got):\n%s", diff)
	}
}

func TestRowsThatCannotBeWorkedOutFailTheCommand(t *testing.T) {
	o, s, out, _ := options(t, "calico-vxlan")
	pod := s.Pod("default", "curl")
	pod.Status.PodIP, pod.Status.PodIPs = "10.244.1.99", []corev1.PodIP{{IP: "10.244.1.99"}}
	err := o.run(context.Background(), s.Runner, []*corev1.Pod{pod})
	if err == nil || !strings.Contains(err.Error(), "1 of 1 rows could not be worked out") {
		t.Errorf("error = %v", err)
	}
	if !strings.Contains(out.String(), "default/curl: none of the 1 network namespaces") {
		t.Errorf("the row's message is missing:\n%s", out)
	}
}
