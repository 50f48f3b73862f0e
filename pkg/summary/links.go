package summary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// ReadLinks reads the JSON printed by `kubectl packetwalk node -o json`: one NodeNetwork, a JSON array of
// them, or a list object ({"kind": "List", "items": [...]}).
func ReadLinks(r io.Reader) ([]api.NodeNetwork, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading node links: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("node links: the file is empty; write it with `kubectl packetwalk node NODE -o json`")
	}
	if b[0] == '[' {
		var nodes []api.NodeNetwork
		if err := json.Unmarshal(b, &nodes); err != nil {
			return nil, fmt.Errorf("node links: parsing a JSON array of NodeNetwork: %w", err)
		}
		return nodes, nil
	}
	var probe struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("node links: not JSON from `kubectl packetwalk node -o json`: %w", err)
	}
	if probe.Items != nil || probe.Kind == "List" || probe.Kind == "NodeNetworkList" {
		nodes := make([]api.NodeNetwork, 0, len(probe.Items))
		for i, item := range probe.Items {
			var n api.NodeNetwork
			if err := json.Unmarshal(item, &n); err != nil {
				return nil, fmt.Errorf("node links: item %d: %w", i, err)
			}
			nodes = append(nodes, n)
		}
		return nodes, nil
	}
	var n api.NodeNetwork
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("node links: parsing a NodeNetwork: %w", err)
	}
	if n.Node == "" && len(n.Links) == 0 {
		return nil, fmt.Errorf("node links: the object has neither a node nor links; expected the output of `kubectl packetwalk node NODE -o json`")
	}
	return []api.NodeNetwork{n}, nil
}
