package summary

import (
	"github.com/gopacket/gopacket/layers"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// maxUndecodedLinkTypes bounds the link types counted one by one: a pcapng may declare any number.
const maxUndecodedLinkTypes = 8

// undecodedLinks counts the frames of link types the decoder does not read, so that a capture of only such
// frames says so instead of "nothing to report".
type undecodedLinks struct {
	types  [maxUndecodedLinkTypes]layers.LinkType
	frames [maxUndecodedLinkTypes]int64
	n      int
	other  int64 // frames of link types beyond the first maxUndecodedLinkTypes
}

func (u *undecodedLinks) add(lt layers.LinkType) {
	for i := range u.n {
		if u.types[i] == lt {
			u.frames[i]++
			return
		}
	}
	if u.n == maxUndecodedLinkTypes {
		u.other++
		return
	}
	u.types[u.n], u.frames[u.n] = lt, 1
	u.n++
}

func (u *undecodedLinks) list() []api.LinkTypeCount {
	var out []api.LinkTypeCount
	for i := range u.n {
		out = append(out, api.LinkTypeCount{LinkType: linkTypeName(u.types[i]), Frames: u.frames[i]})
	}
	if u.other > 0 {
		out = append(out, api.LinkTypeCount{LinkType: "other", Frames: u.other})
	}
	return out
}
