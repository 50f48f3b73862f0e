package netfilter

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
)

// NFTListArgv lists the whole ruleset as JSON.
func NFTListArgv() []string { return []string{"nft", "-j", "list", "ruleset"} }

// nftDoc is the top level of `nft -j` output: a list of one-key objects.
type nftDoc struct {
	Nftables []map[string]json.RawMessage `json:"nftables"`
}

type nftTableJSON struct {
	Family string `json:"family"`
	Name   string `json:"name"`
}

type nftChainJSON struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Name   string `json:"name"`
}

type nftRuleJSON struct {
	Family  string                       `json:"family"`
	Table   string                       `json:"table"`
	Chain   string                       `json:"chain"`
	Comment string                       `json:"comment"`
	Expr    []map[string]json.RawMessage `json:"expr"`
}

type nftMapJSON struct {
	Family string              `json:"family"`
	Table  string              `json:"table"`
	Name   string              `json:"name"`
	Type   json.RawMessage     `json:"type"` // "ipv4_addr", or ["ipv4_addr", "inet_proto", "inet_service"]
	Elem   [][]json.RawMessage `json:"elem"`
}

type nftVerdict struct {
	Goto *struct {
		Target string `json:"target"`
	} `json:"goto"`
	Jump *struct {
		Target string `json:"target"`
	} `json:"jump"`
}

func (v nftVerdict) target() string {
	switch {
	case v.Goto != nil:
		return v.Goto.Target
	case v.Jump != nil:
		return v.Jump.Target
	}
	return ""
}

// ParseNFT parses `nft -j list ruleset`. An empty output is an empty ruleset.
func ParseNFT(out []byte) (*NFTRuleset, error) {
	rs := &NFTRuleset{}
	if len(trim(out)) == 0 {
		return rs, nil
	}
	var doc nftDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("parsing nft -j output: %w", err)
	}
	tables := map[[2]string]*NFTTable{}
	table := func(family, name string) *NFTTable {
		k := [2]string{family, name}
		if t, ok := tables[k]; ok {
			return t
		}
		t := &NFTTable{Family: family, Name: name, Chains: map[string]*NFTChain{}, Maps: map[string]*NFTMap{}}
		tables[k] = t
		rs.Tables = append(rs.Tables, t)
		return t
	}
	for _, obj := range doc.Nftables {
		switch {
		case obj["table"] != nil:
			var t nftTableJSON
			if err := json.Unmarshal(obj["table"], &t); err != nil {
				return nil, fmt.Errorf("parsing nft table: %w", err)
			}
			table(t.Family, t.Name)
		case obj["chain"] != nil:
			var c nftChainJSON
			if err := json.Unmarshal(obj["chain"], &c); err != nil {
				return nil, fmt.Errorf("parsing nft chain: %w", err)
			}
			t := table(c.Family, c.Table)
			if t.Chains[c.Name] == nil {
				t.Chains[c.Name] = &NFTChain{Name: c.Name}
			}
		case obj["rule"] != nil:
			var r nftRuleJSON
			if err := json.Unmarshal(obj["rule"], &r); err != nil {
				return nil, fmt.Errorf("parsing nft rule: %w", err)
			}
			t := table(r.Family, r.Table)
			c := t.Chains[r.Chain]
			if c == nil {
				c = &NFTChain{Name: r.Chain}
				t.Chains[r.Chain] = c
			}
			c.Rules = append(c.Rules, decodeRule(r))
		case obj["map"] != nil:
			var m nftMapJSON
			if err := json.Unmarshal(obj["map"], &m); err != nil {
				return nil, fmt.Errorf("parsing nft map: %w", err)
			}
			t := table(m.Family, m.Table)
			t.Maps[m.Name] = decodeMap(m)
		}
	}
	return rs, nil
}

func trim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func decodeRule(r nftRuleJSON) NFTRule {
	rule := NFTRule{Comment: r.Comment}
	for _, e := range r.Expr {
		switch {
		case e["match"] != nil:
			rule.Conditional = true
		case e["goto"] != nil || e["jump"] != nil:
			var v nftVerdict
			raw, _ := json.Marshal(e)
			if json.Unmarshal(raw, &v) == nil {
				rule.Verdict = v.target()
			}
		case e["dnat"] != nil:
			var d struct {
				Addr json.RawMessage `json:"addr"`
				Port json.RawMessage `json:"port"`
			}
			if json.Unmarshal(e["dnat"], &d) == nil {
				rule.DNAT = joinHostPort(scalar(d.Addr), scalar(d.Port))
			}
		case e["vmap"] != nil:
			decodeNumgenVmap(e["vmap"], &rule)
		}
	}
	return rule
}

// decodeNumgenVmap reads kube-proxy's load-balancing rule: `numgen random mod N vmap { 0 : goto …, … }`.
func decodeNumgenVmap(raw json.RawMessage, rule *NFTRule) {
	var vm struct {
		Key struct {
			Numgen *struct {
				Mode string `json:"mode"`
				Mod  int    `json:"mod"`
			} `json:"numgen"`
		} `json:"key"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &vm) != nil || vm.Key.Numgen == nil {
		return
	}
	var set struct {
		Set [][]json.RawMessage `json:"set"`
	}
	if json.Unmarshal(vm.Data, &set) != nil {
		return
	}
	rule.NumgenMod = vm.Key.Numgen.Mod
	rule.NumgenVmap = map[int]string{}
	for _, pair := range set.Set {
		if len(pair) != 2 {
			continue
		}
		n, err := strconv.Atoi(scalar(pair[0]))
		var v nftVerdict
		if err != nil || json.Unmarshal(pair[1], &v) != nil {
			continue
		}
		rule.NumgenVmap[n] = v.target()
	}
}

func decodeMap(m nftMapJSON) *NFTMap {
	out := &NFTMap{Name: m.Name}
	types := keyTypes(m.Type)
	for _, pair := range m.Elem {
		if len(pair) != 2 {
			continue
		}
		var v nftVerdict
		if json.Unmarshal(pair[1], &v) != nil {
			continue
		}
		key := keyParts(pair[0])
		for i := range key {
			if i < len(types) && types[i] == "inet_proto" {
				key[i] = protocolName(key[i])
			}
		}
		out.Elements = append(out.Elements, NFTMapElement{Key: key, Verdict: v.target()})
	}
	return out
}

// keyTypes reads a map's key type: one name, or a list for a concatenation.
func keyTypes(raw json.RawMessage) []string {
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return []string{scalar(raw)}
}

// protocolName is what nft prints for an inet_proto where /etc/protocols exists. Without that file, as in
// a minimal helper image, nft prints the number: 6 for kube-proxy's "tcp".
func protocolName(p string) string {
	switch p {
	case "1":
		return "icmp"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "58":
		return "ipv6-icmp"
	case "132":
		return "sctp"
	}
	return p
}

// keyParts flattens a map key: a concatenation {"concat": [...]} or a single value; an element with a
// comment is wrapped as {"elem": {"val": …, "comment": …}}.
func keyParts(raw json.RawMessage) []string {
	var wrapped struct {
		Elem *struct {
			Val json.RawMessage `json:"val"`
		} `json:"elem"`
		Concat []json.RawMessage `json:"concat"`
	}
	if json.Unmarshal(raw, &wrapped) == nil {
		if wrapped.Elem != nil {
			return keyParts(wrapped.Elem.Val)
		}
		if wrapped.Concat != nil {
			var parts []string
			for _, c := range wrapped.Concat {
				parts = append(parts, scalar(c))
			}
			return parts
		}
	}
	return []string{scalar(raw)}
}

// scalar renders a JSON string or number as text.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return string(raw)
}

func joinHostPort(addr, port string) string {
	if port == "" {
		return addr
	}
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		return "[" + addr + "]:" + port
	}
	return addr + ":" + port
}
