package objref

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		bare Kind
		want Ref
		err  bool
	}{
		{in: "curl", bare: Pod, want: Ref{Kind: Pod, Name: "curl"}},
		{in: "pw-node1", bare: Node, want: Ref{Kind: Node, Name: "pw-node1"}},
		{in: "pod/curl", bare: Pod, want: Ref{Kind: Pod, Name: "curl", Typed: true}},
		{in: "po/curl", bare: Pod, want: Ref{Kind: Pod, Name: "curl", Typed: true}},
		{in: "pods/curl", bare: Pod, want: Ref{Kind: Pod, Name: "curl", Typed: true}},
		{in: "node/pw-node1", bare: Node, want: Ref{Kind: Node, Name: "pw-node1", Typed: true}},
		{in: "no/pw-node1", bare: Pod, want: Ref{Kind: Node, Name: "pw-node1", Typed: true}},
		{in: "deploy/httpbin", bare: Pod, want: Ref{Kind: Deployment, Name: "httpbin", Typed: true}},
		{in: "deployment/httpbin", bare: Pod, want: Ref{Kind: Deployment, Name: "httpbin", Typed: true}},
		{in: "deployments.apps/httpbin", bare: Pod, want: Ref{Kind: Deployment, Name: "httpbin", Typed: true}},
		{in: "Deployment/httpbin", bare: Pod, want: Ref{Kind: Deployment, Name: "httpbin", Typed: true}},
		{in: "sts/db", bare: Pod, want: Ref{Kind: StatefulSet, Name: "db", Typed: true}},
		{in: "ds/agent", bare: Pod, want: Ref{Kind: DaemonSet, Name: "agent", Typed: true}},
		{in: "rs/web-5d8f", bare: Pod, want: Ref{Kind: ReplicaSet, Name: "web-5d8f", Typed: true}},
		{in: "rc/old", bare: Pod, want: Ref{Kind: ReplicationController, Name: "old", Typed: true}},
		{in: "job/once", bare: Pod, want: Ref{Kind: Job, Name: "once", Typed: true}},
		{in: "svc/httpbin", bare: Pod, want: Ref{Kind: Service, Name: "httpbin", Typed: true}},
		{in: "service/httpbin", bare: Pod, want: Ref{Kind: Service, Name: "httpbin", Typed: true}},
		// NAMESPACE/NAME, kept from before TYPE/NAME
		{in: "apps/curl", bare: Pod, want: Ref{Kind: Pod, Namespace: "apps", Name: "curl"}},
		{in: "svc/apps/httpbin", bare: Pod, want: Ref{Kind: Service, Namespace: "apps", Name: "httpbin", Typed: true}},
		{in: "pod/apps/curl", bare: Pod, want: Ref{Kind: Pod, Namespace: "apps", Name: "curl", Typed: true}},
		{in: "deploy/apps/httpbin", bare: Pod, want: Ref{Kind: Deployment, Namespace: "apps", Name: "httpbin", Typed: true}},
		{in: "apps/x/y", bare: Pod, err: true},
		{in: "a/b/c/d", bare: Pod, err: true},
		{in: "pod/", bare: Pod, err: true},
		{in: "/curl", bare: Pod, err: true},
		{in: "", bare: Pod, err: true},
		{in: "apps/pw-node1", bare: Node, err: true},
		{in: "node/apps/pw-node1", bare: Pod, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in, tt.bare)
			if tt.err {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
