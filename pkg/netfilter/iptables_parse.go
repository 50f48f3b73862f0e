package netfilter

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// IPTablesSaveArgv reads the nat table, where kube-proxy's Service translation lives.
func IPTablesSaveArgv() []string { return []string{"iptables-save", "-t", "nat"} }

// ParseIPTablesSave parses `iptables-save` output. With several tables it returns the nat table (or the
// first one when there is no nat table); with none, nil.
func ParseIPTablesSave(out []byte) (*IPTables, error) {
	var tables []*IPTables
	var cur *IPTables
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "*"):
			cur = &IPTables{Table: line[1:], Chains: map[string][]Rule{}, Policies: map[string]string{}}
			tables = append(tables, cur)
		case line == "COMMIT":
			cur = nil
		case cur == nil:
			return nil, fmt.Errorf("parsing iptables-save line %d: %q outside a table", lineNo, line)
		case strings.HasPrefix(line, ":"):
			f := strings.Fields(line[1:])
			if len(f) < 2 {
				return nil, fmt.Errorf("parsing iptables-save line %d: bad chain line %q", lineNo, line)
			}
			if _, ok := cur.Chains[f[0]]; !ok {
				cur.Chains[f[0]] = nil
			}
			if f[1] != "-" {
				cur.Policies[f[0]] = f[1]
			}
		case strings.HasPrefix(line, "-A "):
			words, err := splitWords(line)
			if err != nil {
				return nil, fmt.Errorf("parsing iptables-save line %d: %w", lineNo, err)
			}
			if len(words) < 2 {
				return nil, fmt.Errorf("parsing iptables-save line %d: rule without chain", lineNo)
			}
			chain := words[1]
			cur.Chains[chain] = append(cur.Chains[chain], Rule{Chain: chain, Words: words[2:]})
		default:
			return nil, fmt.Errorf("parsing iptables-save line %d: unexpected %q", lineNo, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parsing iptables-save: %w", err)
	}
	if len(tables) == 0 {
		return nil, nil
	}
	for _, t := range tables {
		if t.Table == "nat" {
			return t, nil
		}
	}
	return tables[0], nil
}

// splitWords splits a rule as iptables-save quotes it: words separated by spaces, double quotes around
// words with spaces, backslash escaping a quote or backslash inside them.
func splitWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
		case c == '"':
			quoted = !quoted
			inWord = true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// Target is the rule's -j target ("" when it has none).
func (r Rule) Target() string { v, _ := r.option("-j"); return v }

// Comment is the rule's --comment.
func (r Rule) Comment() string { v, _ := r.option("--comment"); return v }

// option returns the value after flag and whether the flag was negated ("! -s 10.0.0.0/8").
func (r Rule) option(flag string) (value string, negated bool) {
	for i, w := range r.Words {
		if w == flag && i+1 < len(r.Words) {
			return r.Words[i+1], i > 0 && r.Words[i-1] == "!"
		}
	}
	return "", false
}

func (r Rule) has(word string) bool {
	for _, w := range r.Words {
		if w == word {
			return true
		}
	}
	return false
}

// String is the rule as iptables-save would print it (without re-quoting).
func (r Rule) String() string { return "-A " + r.Chain + " " + strings.Join(r.Words, " ") }
