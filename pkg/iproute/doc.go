// Package iproute parses the JSON that iproute2 prints (`ip -j -d addr/link/route/neigh`, `ip -j route get`,
// `bridge -j fdb`) into typed state, and builds the argv of those commands.
//
// Parsers are pure functions from bytes to values; they keep what packetwalk reasons about and ignore the
// rest, so newer iproute2 versions that add fields still parse.
package iproute
