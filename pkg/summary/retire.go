package summary

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// maxRetained bounds the flows kept for the report after they left the flow table: the largest by bytes.
const maxRetained = 256

type retiredFlows struct {
	top      []api.Flow
	minBytes int64
	problems problems
}

// retire keeps what the report needs of a flow that leaves the table.
func (s *Summarizer) retire(fl *flow) {
	r := &s.retired
	r.problems.add(fl)
	_, b0, _ := fl.counts(0)
	_, b1, _ := fl.counts(1)
	b := b0 + b1
	if len(r.top) == maxRetained && b <= r.minBytes {
		return
	}
	af := s.apiFlow(fl)
	if len(r.top) < maxRetained {
		r.top = append(r.top, af)
	} else {
		for j := range r.top {
			if flowBytes(r.top[j]) == r.minBytes {
				r.top[j] = af
				break
			}
		}
	}
	r.minBytes = flowBytes(r.top[0])
	for _, f := range r.top {
		r.minBytes = min(r.minBytes, flowBytes(f))
	}
}

func flowBytes(f api.Flow) int64 { return f.ClientToServer.Bytes + f.ServerToClient.Bytes }
