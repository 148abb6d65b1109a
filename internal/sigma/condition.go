package sigma

import (
	"fmt"
	"path"
	"strings"
)

// nodeOp is an operator of a compiled condition.
type nodeOp uint8

const (
	nSel nodeOp = iota
	nAnd
	nOr
	nNot
)

// node is a condition expression over a rule's selections.
type node struct {
	op   nodeOp
	sel  int
	kids []*node
}

// eval evaluates the condition; memo caches each selection's result for
// this event (0 unknown, 1 false, 2 true).
func (n *node) eval(d *Doc, sels []selection, memo []int8) bool {
	switch n.op {
	case nSel:
		switch memo[n.sel] {
		case 1:
			return false
		case 2:
			return true
		}
		ok := sels[n.sel].eval(d)
		memo[n.sel] = 1
		if ok {
			memo[n.sel] = 2
		}
		return ok
	case nAnd:
		for _, k := range n.kids {
			if !k.eval(d, sels, memo) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if k.eval(d, sels, memo) {
				return true
			}
		}
		return false
	default:
		return !n.kids[0].eval(d, sels, memo)
	}
}

// condParser parses a Sigma condition: and/or/not with the usual
// precedence (not binds tightest, then and, then or), parentheses, and
// "1 of x*" / "all of x*" / "1 of them" / "all of them".
type condParser struct {
	src   string
	toks  []condTok
	pos   int
	names []string // search identifiers in detection order
}

type condTok struct {
	s   string
	off int
}

func tokenizeCondition(s string) ([]condTok, error) {
	var toks []condTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condTok{s[i : i+1], i})
			i++
		case c == '|':
			return nil, fmt.Errorf("at %d: aggregations ('| count() ...') are deprecated since Sigma v2; write a correlation rule instead", i+1)
		case isIdentChar(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, condTok{s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("at %d: unexpected character %q", i+1, c)
		}
	}
	return toks, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// parseCondition compiles one condition string against the rule's
// search identifiers.
func parseCondition(src string, names []string) (*node, error) {
	toks, err := tokenizeCondition(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("condition is empty")
	}
	p := &condParser{src: src, toks: toks, names: names}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if strings.EqualFold(t.s, "near") {
			return nil, fmt.Errorf("at %d: 'near' is deprecated since Sigma v2; write a temporal correlation instead", t.off+1)
		}
		return nil, fmt.Errorf("at %d: unexpected %q", t.off+1, t.s)
	}
	return n, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return strings.ToLower(p.toks[p.pos].s)
	}
	return ""
}

func (p *condParser) or() (*node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for p.peek() == "or" {
		p.pos++
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{op: nOr, kids: kids}, nil
}

func (p *condParser) and() (*node, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for p.peek() == "and" {
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{op: nAnd, kids: kids}, nil
}

func (p *condParser) unary() (*node, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("at %d: condition ends where an expression was expected", len(p.src)+1)
	}
	t := p.toks[p.pos]
	low := strings.ToLower(t.s)
	switch {
	case low == "not":
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{op: nNot, kids: []*node{n}}, nil
	case t.s == "(":
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("at %d: missing ')' for '(' at %d", p.end(), t.off+1)
		}
		p.pos++
		return n, nil
	case t.s == ")":
		return nil, fmt.Errorf("at %d: unexpected ')'", t.off+1)
	case low == "and" || low == "or":
		return nil, fmt.Errorf("at %d: %q needs an expression before it", t.off+1, t.s)
	case low == "1" || low == "all" || low == "any":
		if p.pos+1 < len(p.toks) && strings.ToLower(p.toks[p.pos+1].s) == "of" {
			return p.quantifier()
		}
	case low == "near":
		return nil, fmt.Errorf("at %d: 'near' is deprecated since Sigma v2; write a temporal correlation instead", t.off+1)
	}
	p.pos++
	for i, n := range p.names {
		if n == t.s {
			return &node{op: nSel, sel: i}, nil
		}
	}
	return nil, fmt.Errorf("at %d: %q is not a search identifier of this rule", t.off+1, t.s)
}

func (p *condParser) end() int {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].off + 1
	}
	return len(p.src) + 1
}

// quantifier parses "1 of X" / "all of X" where X is "them" or a name
// pattern with '*' wildcards.
func (p *condParser) quantifier() (*node, error) {
	q := strings.ToLower(p.toks[p.pos].s)
	p.pos += 2
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("at %d: %q needs a pattern or 'them'", len(p.src)+1, q+" of")
	}
	pt := p.toks[p.pos]
	p.pos++
	var kids []*node
	for i, n := range p.names {
		var ok bool
		if strings.ToLower(pt.s) == "them" {
			ok = !strings.HasPrefix(n, "_")
		} else {
			ok, _ = path.Match(pt.s, n)
		}
		if ok {
			kids = append(kids, &node{op: nSel, sel: i})
		}
	}
	if len(kids) == 0 {
		return nil, fmt.Errorf("at %d: %q matches no search identifier", pt.off+1, pt.s)
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	if q == "all" {
		return &node{op: nAnd, kids: kids}, nil
	}
	return &node{op: nOr, kids: kids}, nil
}
