package summary

import (
	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

type problemKind uint8

const (
	problemSynUnanswered problemKind = iota
	problemRefused
	problemReset
)

type problemKey struct {
	server endpoint
	kind   problemKind
}

type problemCount struct {
	client      addr
	connections int64
	syns        int64
}

// problems aggregates the per-flow problems by server, for the notes.
type problems struct {
	byServer     map[problemKey]*problemCount
	retrans      int64
	retransFlows int64
	serverErrors map[httpErrorKey]*httpErrorCount
	fragments    fragmentProblem
}

// fragmentProblem counts the flows whose packets were fragmented, and keeps the one with the most fragments.
type fragmentProblem struct {
	flows, fragments int64
	most             fragmentedFlow
}

type fragmentedFlow struct {
	proto          uint8
	client, server endpoint
	fragments      int64
}

type httpErrorKey struct {
	server endpoint
	code   uint16
}

type httpErrorCount struct {
	client    addr
	responses int64
}

func (p *problems) clone() problems {
	c := problems{byServer: make(map[problemKey]*problemCount, len(p.byServer)), retrans: p.retrans, retransFlows: p.retransFlows,
		serverErrors: make(map[httpErrorKey]*httpErrorCount, len(p.serverErrors)), fragments: p.fragments}
	for k, v := range p.byServer {
		vv := *v
		c.byServer[k] = &vv
	}
	for k, v := range p.serverErrors {
		vv := *v
		c.serverErrors[k] = &vv
	}
	return c
}

func (p *problems) add(fl *flow) {
	if fl.fragments > 0 {
		p.fragments.flows++
		p.fragments.fragments += fl.fragments
		if fl.fragments > p.fragments.most.fragments {
			cli, srv := fl.endpoints()
			p.fragments.most = fragmentedFlow{proto: fl.key.proto, client: cli, server: srv, fragments: fl.fragments}
		}
	}
	if fl.key.proto != protoTCP {
		return
	}
	for _, st := range fl.statuses {
		if st.code < 500 || st.count == 0 {
			continue
		}
		cli, srv := fl.endpoints()
		c, ok := boundedEntry(&p.serverErrors, httpErrorKey{server: srv, code: st.code},
			func() *httpErrorCount { return &httpErrorCount{client: cli.ip} })
		if !ok {
			continue
		}
		c.responses += st.count
	}
	if n := fl.retransmissions(); n > 0 {
		p.retrans += n
		p.retransFlows++
	}
	cli, srv := fl.endpoints()
	var kind problemKind
	switch fl.state() {
	case api.FlowStateSynUnanswered:
		kind = problemSynUnanswered
	case api.FlowStateRefused:
		kind = problemRefused
	case api.FlowStateReset:
		kind = problemReset
	default:
		return
	}
	c, ok := boundedEntry(&p.byServer, problemKey{server: srv, kind: kind},
		func() *problemCount { return &problemCount{client: cli.ip} })
	if !ok {
		return
	}
	c.connections++
	c.syns += fl.syns
}

// boundedEntry returns (*m)[k], making the map and the entry as needed; ok is false for a new key once the
// map holds maxSynProblems keys, so that a capture with ever new servers cannot grow it without bound.
func boundedEntry[K comparable, V any](m *map[K]*V, k K, newEntry func() *V) (v *V, ok bool) {
	if *m == nil {
		*m = map[K]*V{}
	}
	if v, ok := (*m)[k]; ok {
		return v, true
	}
	if len(*m) >= maxSynProblems {
		return nil, false
	}
	v = newEntry()
	(*m)[k] = v
	return v, true
}
