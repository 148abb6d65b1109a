package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"go.yaml.in/yaml/v3"
)

// compileError is a rejection reason with the YAML line it concerns.
// placeholder is set when the reason is a placeholder without a value
// (the rule may still compile for an organisation that defines it).
type compileError struct {
	line        int
	reason      string
	placeholder string
}

func (e *compileError) Error() string { return e.reason }

func errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &compileError{line: line, reason: fmt.Sprintf(format, args...)}
}

// compiler turns one rule's detection into selections and tests, for one
// route's field names.
type compiler struct {
	schema       *Schema
	fieldmap     map[string]string
	placeholders map[string][]string
}

func (c *compiler) slotFor(field string) int {
	if m, ok := c.fieldmap[field]; ok {
		field = m
	}
	return c.schema.slot(field)
}

// selection is one search identifier: OR of conjunctions of tests.
type selection struct {
	name string
	alts [][]test
}

func (s *selection) eval(d *Doc) bool {
	for _, conj := range s.alts {
		ok := true
		for i := range conj {
			if !conj[i].eval(d) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// compileSelection compiles a search identifier's value: a map (AND of
// field items), a list of maps (OR), or a list of plain values (keywords).
func (c *compiler) compileSelection(name string, n *yaml.Node) (selection, error) {
	sel := selection{name: name}
	switch n.Kind {
	case yaml.MappingNode:
		conj, err := c.compileMap(n)
		if err != nil {
			return sel, err
		}
		sel.alts = [][]test{conj}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return sel, errAt(n, "search identifier %q is an empty list", name)
		}
		var keywords []*yaml.Node
		for _, item := range n.Content {
			switch item.Kind {
			case yaml.MappingNode:
				conj, err := c.compileMap(item)
				if err != nil {
					return sel, err
				}
				sel.alts = append(sel.alts, conj)
			case yaml.ScalarNode:
				keywords = append(keywords, item)
			default:
				return sel, errAt(item, "search identifier %q: a list item must be a map or a value", name)
			}
		}
		if len(keywords) > 0 {
			if len(sel.alts) > 0 {
				return sel, errAt(n, "search identifier %q mixes maps and keywords in one list", name)
			}
			t, err := c.compileItem("", nil, &yaml.Node{Kind: yaml.SequenceNode, Content: keywords, Line: n.Line}, n)
			if err != nil {
				return sel, err
			}
			sel.alts = [][]test{{t}}
		}
	case yaml.ScalarNode:
		t, err := c.compileItem("", nil, n, n)
		if err != nil {
			return sel, err
		}
		sel.alts = [][]test{{t}}
	default:
		return sel, errAt(n, "search identifier %q has an unsupported YAML shape", name)
	}
	return sel, nil
}

func (c *compiler) compileMap(n *yaml.Node) ([]test, error) {
	if len(n.Content) == 0 {
		return nil, errAt(n, "empty map in a search identifier")
	}
	var conj []test
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		parts := strings.Split(key.Value, "|")
		field := parts[0]
		t, err := c.compileItem(field, parts[1:], val, key)
		if err != nil {
			return nil, err
		}
		conj = append(conj, t)
	}
	return conj, nil
}

// modifiers is a parsed modifier chain.
type modifiers struct {
	contains, startswith, endswith, all, cased, neq, windash bool
	re                                                       bool
	reFlags                                                  string
	b64, b64off                                              bool
	utf16                                                    string // le, be, bom
	cmp                                                      string // lt, lte, gt, gte
	cidr, exists, expand, fieldref                           bool
	part                                                     string
}

func parseModifiers(mods []string, at *yaml.Node) (modifiers, error) {
	var m modifiers
	for _, mod := range mods {
		switch mod {
		case "contains":
			m.contains = true
		case "startswith":
			m.startswith = true
		case "endswith":
			m.endswith = true
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "neq":
			m.neq = true
		case "windash":
			m.windash = true
		case "re":
			m.re = true
		case "i", "m", "s":
			if !m.re {
				return m, errAt(at, "modifier %q is a sub-modifier of re and must follow it", mod)
			}
			m.reFlags += mod
		case "base64":
			m.b64 = true
		case "base64offset":
			m.b64off = true
		case "utf16le", "wide":
			m.utf16 = "le"
		case "utf16be":
			m.utf16 = "be"
		case "utf16":
			m.utf16 = "bom"
		case "lt", "lte", "gt", "gte":
			m.cmp = mod
		case "cidr":
			m.cidr = true
		case "exists":
			m.exists = true
		case "expand":
			m.expand = true
		case "fieldref":
			m.fieldref = true
		case "minute", "hour", "day", "week", "month", "year":
			m.part = mod
		case "":
			return m, errAt(at, "empty modifier in %q", at.Value)
		default:
			return m, errAt(at, "modifier %q is not a Sigma v2.1 modifier", mod)
		}
	}
	if m.utf16 != "" && !m.b64 && !m.b64off {
		return m, errAt(at, "utf16 encodings only make sense followed by base64 or base64offset")
	}
	if m.re && (m.contains || m.startswith || m.endswith || m.windash || m.b64 || m.b64off || m.cidr || m.cmp != "") {
		return m, errAt(at, "re cannot be combined with string, encoding, cidr or numeric modifiers")
	}
	return m, nil
}

// compileItem compiles one field item (field "" is a keyword search).
func (c *compiler) compileItem(field string, mods []string, val *yaml.Node, at *yaml.Node) (test, error) {
	m, err := parseModifiers(mods, at)
	if err != nil {
		return test{}, err
	}
	t := test{slot: -1, field: field, all: m.all, neg: m.neq, cased: m.cased, dash: m.windash}
	if field != "" {
		t.slot = c.slotFor(field)
	}
	var values []*yaml.Node
	switch val.Kind {
	case yaml.ScalarNode:
		values = []*yaml.Node{val}
	case yaml.SequenceNode:
		values = val.Content
		if len(values) == 0 {
			return t, errAt(val, "field %q has an empty value list", field)
		}
	default:
		return t, errAt(val, "field %q: value must be a scalar or a list", field)
	}
	if m.all && len(values) == 1 && !m.exists {
		// The spec forbids all with one value; it means the same as none.
		m.all = false
		t.all = false
	}
	if m.exists {
		if field == "" || len(values) != 1 {
			return t, errAt(val, "exists needs a field and one true/false value")
		}
		b, err := strconv.ParseBool(values[0].Value)
		if err != nil {
			return t, errAt(values[0], "exists takes true or false, not %q", values[0].Value)
		}
		t.kind, t.exists = tExists, b
		return t, nil
	}
	for _, v := range values {
		if v.Kind != yaml.ScalarNode {
			return t, errAt(v, "field %q: values must be scalars", field)
		}
	}
	if len(values) == 1 && values[0].Tag == "!!null" {
		if field == "" {
			return t, errAt(val, "a keyword cannot be null")
		}
		t.kind = tNull
		return t, nil
	}
	for _, v := range values {
		if v.Tag == "!!null" {
			return t, errAt(v, "field %q: null inside a value list is not supported; use a separate selection with field: null", field)
		}
	}
	raw := make([]string, 0, len(values))
	for _, v := range values {
		raw = append(raw, v.Value)
	}
	if m.expand {
		raw, err = c.expand(raw, val)
		if err != nil {
			return t, err
		}
	}
	switch {
	case m.fieldref:
		if field == "" {
			return t, errAt(val, "fieldref needs a field")
		}
		t.kind = tFieldRef
		t.refOp = opEq
		switch {
		case m.contains:
			t.refOp = opContains
		case m.startswith:
			t.refOp = opPrefix
		case m.endswith:
			t.refOp = opSuffix
		}
		for _, r := range raw {
			t.refs = append(t.refs, c.slotFor(r))
		}
		return t, nil
	case m.re:
		t.kind, t.cased = tRe, true
		for i, r := range raw {
			flags := m.reFlags
			expr := r
			if flags != "" {
				expr = "(?" + flags + ")" + r
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return t, errAt(values[min(i, len(values)-1)], "regular expression %q: %v (Go's RE2 has no lookaround or backreferences)", r, err)
			}
			t.res = append(t.res, re)
		}
		return t, nil
	case m.cidr:
		t.kind, t.cased = tCIDR, true
		for i, r := range raw {
			p, err := netip.ParsePrefix(strings.TrimSpace(r))
			if err != nil {
				a, aerr := netip.ParseAddr(strings.TrimSpace(r))
				if aerr != nil {
					return t, errAt(values[min(i, len(values)-1)], "cidr %q is not an address range: %v", r, err)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			t.nets = append(t.nets, p.Masked())
		}
		return t, nil
	case m.part != "":
		t.kind, t.cased, t.part = tTime, true, m.part
		t.cmp = m.cmp
		if t.cmp == "" {
			t.cmp = "eq"
		}
		for i, r := range raw {
			f, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
			if err != nil {
				return t, errAt(values[min(i, len(values)-1)], "%s takes a number, not %q", m.part, r)
			}
			t.nums = append(t.nums, f)
		}
		return t, nil
	case m.cmp != "":
		t.kind, t.cased, t.cmp = tNum, true, m.cmp
		for i, r := range raw {
			f, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
			if err != nil {
				return t, errAt(values[min(i, len(values)-1)], "%s takes a number, not %q", m.cmp, r)
			}
			t.nums = append(t.nums, f)
		}
		return t, nil
	}
	// String patterns.
	t.kind = tStr
	var strs []sigmaString
	for _, r := range raw {
		if m.b64 || m.b64off {
			b := encodeUTF16(r, m.utf16)
			if m.b64 {
				strs = append(strs, sigmaString{{lit: base64.StdEncoding.EncodeToString(b)}})
			} else {
				for _, s := range base64Offsets(b) {
					strs = append(strs, sigmaString{{lit: s}})
				}
			}
			continue
		}
		strs = append(strs, parseSigmaString(r))
	}
	if m.b64 || m.b64off {
		// Base64 text is case-sensitive.
		t.cased = true
	}
	keyword := field == ""
	for _, s := range strs {
		s = s.wrap(m.contains || m.endswith || (keyword && !m.startswith), m.contains || m.startswith || (keyword && !m.endswith))
		if !t.cased {
			s = s.mapLits(foldString)
		}
		if t.dash {
			s = s.mapLits(canonDash)
		}
		t.pats = append(t.pats, compilePattern(s))
	}
	if m.all && m.b64off {
		return t, errAt(at, "all with base64offset is ambiguous (each value has three encodings); list the values in separate selections")
	}
	return t, nil
}

// expand replaces %name% placeholders with their values (one value list
// per placeholder; a value with two placeholders gets every combination).
func (c *compiler) expand(raw []string, at *yaml.Node) ([]string, error) {
	var out []string
	for _, r := range raw {
		vals := []string{r}
		for {
			i := strings.IndexByte(vals[0], '%')
			if i < 0 {
				break
			}
			j := strings.IndexByte(vals[0][i+1:], '%')
			if j < 0 {
				break
			}
			name := vals[0][i+1 : i+1+j]
			subst, ok := c.placeholders[name]
			if !ok || len(subst) == 0 {
				return nil, &compileError{line: at.Line, placeholder: name,
					reason: fmt.Sprintf("placeholder %%%s%% has no value; define it for the organisation before loading this rule", name)}
			}
			var next []string
			for _, v := range vals {
				for _, s := range subst {
					next = append(next, strings.Replace(v, "%"+name+"%", s, 1))
				}
			}
			if len(next) > 10000 {
				return nil, errAt(at, "placeholder expansion gives more than 10000 values")
			}
			vals = next
		}
		out = append(out, vals...)
	}
	return out, nil
}

// encodeUTF16 encodes s as UTF-16 (le, be, or bom: little-endian with a
// byte order mark), or returns its UTF-8 bytes when enc is "".
func encodeUTF16(s, enc string) []byte {
	if enc == "" {
		return []byte(s)
	}
	u := utf16.Encode([]rune(s))
	var b []byte
	if enc == "bom" {
		b = append(b, 0xFF, 0xFE)
		enc = "le"
	}
	for _, c := range u {
		if enc == "le" {
			b = binary.LittleEndian.AppendUint16(b, c)
		} else {
			b = binary.BigEndian.AppendUint16(b, c)
		}
	}
	return b
}

// base64Offsets returns the three base64 forms of b as it appears at byte
// offsets 0, 1 and 2 of a larger encoded text: only the characters that
// do not depend on the surrounding bytes.
func base64Offsets(b []byte) []string {
	out := make([]string, 0, 3)
	for shift := 0; shift < 3; shift++ {
		padded := append(make([]byte, shift), b...)
		enc := base64.StdEncoding.EncodeToString(padded)
		enc = strings.TrimRight(enc, "=")
		start := [3]int{0, 2, 3}[shift]
		end := len(enc)
		if (len(b)+shift)%3 != 0 {
			// The last character mixes in bits of the byte that follows.
			end--
		}
		if start > end {
			start = end
		}
		out = append(out, enc[start:end])
	}
	return out
}
