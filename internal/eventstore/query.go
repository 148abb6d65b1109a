package eventstore

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
)

// The query language is the one Kibana (Lucene syntax) and Graylog users
// type:
//
//	user.name:root AND NOT source.ip:10.0.0.*
//	event.code:(4624 OR 4625) host.name:dc*
//	"failed password" severity:<=4
//	destination.port:[1 TO 1023] @timestamp:>=2026-11-29T08:00:00Z
//	process.command_line:*
//
// Terms next to each other are ANDed; AND binds tighter than OR; NOT and a
// leading '-' negate; parentheses group, also after a field. A value may
// hold '*' (any run of characters) and '?' (one character); a backslash
// escapes the next character. Free words and phrases search the message.
// Field values match whole values, ignoring case; message matches are
// substrings. Ranges take numbers (and times on @timestamp): [a TO b]
// inclusive, {a TO b} exclusive, '*' for an open end, or >, >=, <, <=.

// MaxQueryLength bounds a query's text; MaxQueryTerms its terms.
const (
	MaxQueryLength = 4096
	MaxQueryTerms  = 64
)

type nodeKind int

const (
	nodeAnd nodeKind = iota
	nodeOr
	nodeNot
	nodeTerm
)

type termKind int

const (
	termMatch  termKind = iota // exact value, or wildcard pattern when wild
	termExists                 // field:*
	termRange
)

// node is one element of a parsed query.
type node struct {
	kind  nodeKind
	kids  []*node
	field string // "" searches the message
	term  termKind
	value string // unescaped text; for wildcards, the pattern in wildcard form
	wild  bool   // value has unescaped wildcards, marked as wildStar/wildOne
	lo    string // range ends ("" = open)
	hi    string
	loInc bool
	hiInc bool
	pos   int // 1-based character position, for errors
}

// Wildcards are kept in the parsed value as private-use runes so that an
// escaped '*' stays a literal star.
const (
	wildStar = '\uE000'
	wildOne  = '\uE001'
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokPhrase
	tokLParen
	tokRParen
	tokColon
	tokLBracket // [ or {
	tokRBracket // ] or }
	tokCompare  // > >= < <=
	tokMinus
)

type token struct {
	kind tokKind
	text string // words: unescaped with wildcards marked; others: as typed
	raw  string // as typed
	wild bool
	pos  int
}

// QueryError is a syntax error with the 1-based character position.
func queryError(pos int, format string, args ...any) error {
	e := errs.Field("q", format, args...)
	e.Message += " (at position " + strconv.Itoa(pos) + ")"
	return e
}

func isSpecial(r rune) bool {
	switch r {
	case '(', ')', ':', '"', '[', ']', '{', '}':
		return true
	}
	return unicode.IsSpace(r)
}

// lex splits a query into tokens.
func lex(q string) ([]token, error) {
	var toks []token
	inRange := false
	pos := func(byteOff int) int { return utf8.RuneCountInString(q[:byteOff]) + 1 }
	i := 0
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '(':
			toks = append(toks, token{kind: tokLParen, raw: "(", pos: pos(i)})
			i++
		case r == ')':
			toks = append(toks, token{kind: tokRParen, raw: ")", pos: pos(i)})
			i++
		case r == ':' && !valueColon(toks, inRange):
			toks = append(toks, token{kind: tokColon, raw: ":", pos: pos(i)})
			i++
		default:
			start := i
			var b strings.Builder
			wild := false
			for i < len(q) {
				c, sz := utf8.DecodeRuneInString(q[i:])
				if c == '\\' {
					if i+sz >= len(q) {
						return nil, queryError(pos(i), "a backslash must escape a character")
					}
					n, nsz := utf8.DecodeRuneInString(q[i+sz:])
					b.WriteRune(n)
					i += sz + nsz
					continue
				}
				if isSpecial(c) && !(c == ':' && valueColon(toks, inRange)) {
					break
				}
				switch c {
				case '*':
					b.WriteRune(wildStar)
					wild = true
				case '?':
					b.WriteRune(wildOne)
					wild = true
				default:
					b.WriteRune(c)
				}
				i += sz
			}
			toks = append(toks, token{kind: tokWord, text: b.String(), raw: q[start:i], wild: wild, pos: pos(start)})
		case r == '[' || r == '{':
			inRange = true
			toks = append(toks, token{kind: tokLBracket, raw: string(r), pos: pos(i)})
			i++
		case r == ']' || r == '}':
			inRange = false
			toks = append(toks, token{kind: tokRBracket, raw: string(r), pos: pos(i)})
			i++
		case r == '>' || r == '<':
			op := string(r)
			if i+1 < len(q) && q[i+1] == '=' {
				op += "="
			}
			toks = append(toks, token{kind: tokCompare, raw: op, text: op, pos: pos(i)})
			i += len(op)
		case r == '-' && (len(toks) == 0 || toks[len(toks)-1].kind != tokColon) && i+1 < len(q) && !unicode.IsSpace(rune(q[i+1])) && !isDigit(q[i+1]):
			toks = append(toks, token{kind: tokMinus, raw: "-", pos: pos(i)})
			i++
		case r == '"':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(q) {
				c, sz := utf8.DecodeRuneInString(q[i:])
				if c == '\\' && i+sz < len(q) {
					n, nsz := utf8.DecodeRuneInString(q[i+sz:])
					b.WriteRune(n)
					i += sz + nsz
					continue
				}
				i += sz
				if c == '"' {
					closed = true
					break
				}
				b.WriteRune(c)
			}
			if !closed {
				return nil, queryError(pos(start), "the quote is not closed")
			}
			toks = append(toks, token{kind: tokPhrase, text: b.String(), raw: q[start:i], pos: pos(start)})
		}
	}
	return append(toks, token{kind: tokEOF, pos: utf8.RuneCountInString(q) + 1}), nil
}

// valueColon reports whether a ':' is part of a value (a time or an IPv6
// address): inside a range, or in the value after "field:" or a comparison.
func valueColon(toks []token, inRange bool) bool {
	if inRange {
		return true
	}
	if len(toks) == 0 {
		return false
	}
	k := toks[len(toks)-1].kind
	return k == tokColon || k == tokCompare
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type parser struct {
	toks  []token
	i     int
	terms int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(t token, kw string) bool {
	return t.kind == tokWord && !t.wild && t.raw == kw
}

// parseQuery parses q; an empty query is nil (everything).
func parseQuery(q string) (*node, error) {
	if utf8.RuneCountInString(q) > MaxQueryLength {
		return nil, errs.Field("q", "the query is longer than %d characters", MaxQueryLength)
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tokEOF {
		return nil, nil
	}
	n, err := p.or("")
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokRParen {
			return nil, queryError(t.pos, "this ')' has no matching '('")
		}
		return nil, queryError(t.pos, "unexpected %q", t.raw)
	}
	return n, nil
}

func (p *parser) or(field string) (*node, error) {
	first, err := p.and(field)
	if err != nil {
		return nil, err
	}
	n := &node{kind: nodeOr, kids: []*node{first}}
	for p.isKeyword(p.peek(), "OR") {
		p.next()
		k, err := p.and(field)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *parser) and(field string) (*node, error) {
	first, err := p.unary(field)
	if err != nil {
		return nil, err
	}
	n := &node{kind: nodeAnd, kids: []*node{first}}
	for {
		t := p.peek()
		if t.kind == tokEOF || t.kind == tokRParen || p.isKeyword(t, "OR") {
			break
		}
		if p.isKeyword(t, "AND") {
			p.next()
		}
		k, err := p.unary(field)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *parser) unary(field string) (*node, error) {
	t := p.peek()
	if p.isKeyword(t, "NOT") || t.kind == tokMinus {
		p.next()
		k, err := p.unary(field)
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, kids: []*node{k}, pos: t.pos}, nil
	}
	return p.primary(field)
}

func (p *parser) primary(field string) (*node, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		return p.group(field, t)
	case tokEOF:
		return nil, queryError(t.pos, "the query ends where a term was expected")
	case tokWord:
		if p.isKeyword(t, "AND") || p.isKeyword(t, "OR") || p.isKeyword(t, "NOT") {
			return nil, queryError(t.pos, "%s needs a term before and after it", t.raw)
		}
		if p.peek().kind == tokColon {
			if field != "" {
				return nil, queryError(t.pos, "a field inside %s:( … ) cannot name another field", field)
			}
			if t.wild {
				return nil, queryError(t.pos, "a field name cannot hold wildcards")
			}
			p.next()
			return p.value(t.text, t.pos)
		}
		return p.term(field, t)
	case tokPhrase:
		return p.term(field, t)
	case tokCompare, tokLBracket:
		if field != "" {
			p.i-- // t is not EOF, so next advanced
			return p.value(field, t.pos)
		}
		return nil, queryError(t.pos, "a range needs a field before it, as in severity:%s", t.raw)
	}
	return nil, queryError(t.pos, "unexpected %q", t.raw)
}

// group parses what follows the '(' token open, up to its ')'.
func (p *parser) group(field string, open token) (*node, error) {
	n, err := p.or(field)
	if err != nil {
		return nil, err
	}
	if c := p.next(); c.kind != tokRParen {
		return nil, queryError(open.pos, "this '(' is not closed")
	}
	return n, nil
}

func (p *parser) term(field string, t token) (*node, error) {
	p.terms++
	if p.terms > MaxQueryTerms {
		return nil, queryError(t.pos, "the query has more than %d terms", MaxQueryTerms)
	}
	if field != "" && t.kind == tokWord && t.text == string(wildStar) {
		return &node{kind: nodeTerm, field: field, term: termExists, pos: t.pos}, nil
	}
	wild := t.kind == tokWord && t.wild
	if t.text == "" || (field == "" && strings.Trim(t.text, string(wildStar)) == "") {
		if field == "" && t.kind == tokWord {
			return nil, queryError(t.pos, "a lone * matches everything; leave the query empty instead")
		}
		if field == "" {
			return nil, queryError(t.pos, "the phrase is empty")
		}
	}
	return &node{kind: nodeTerm, field: field, term: termMatch, value: t.text, wild: wild, pos: t.pos}, nil
}

// value parses what follows "field:".
func (p *parser) value(field string, pos int) (*node, error) {
	t := p.next()
	switch t.kind {
	case tokWord, tokPhrase:
		return p.term(field, t)
	case tokLParen:
		return p.group(field, t)
	case tokCompare:
		v := p.next()
		if v.kind != tokWord && v.kind != tokPhrase || v.wild {
			return nil, queryError(v.pos, "%s needs a number or time after it", t.text)
		}
		p.terms++
		n := &node{kind: nodeTerm, field: field, term: termRange, pos: pos}
		switch t.text {
		case ">":
			n.lo = v.text
		case ">=":
			n.lo, n.loInc = v.text, true
		case "<":
			n.hi = v.text
		case "<=":
			n.hi, n.hiInc = v.text, true
		}
		return n, nil
	case tokLBracket:
		lo := p.next()
		to := p.next()
		hi := p.next()
		end := p.next()
		if lo.kind != tokWord && lo.kind != tokPhrase || !p.isKeyword(to, "TO") || hi.kind != tokWord && hi.kind != tokPhrase || end.kind != tokRBracket {
			return nil, queryError(t.pos, "a range is written [low TO high] or {low TO high}, with * for an open end")
		}
		p.terms++
		n := &node{kind: nodeTerm, field: field, term: termRange, pos: pos, loInc: t.raw == "[", hiInc: end.raw == "]"}
		if lo.text != string(wildStar) {
			n.lo = lo.text
		}
		if hi.text != string(wildStar) {
			n.hi = hi.text
		}
		return n, nil
	}
	return nil, queryError(t.pos, "%s: needs a value", field)
}

// parseTime reads a time bound: RFC 3339, or a date (midnight in Denmark).
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, copenhagen); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02", s, copenhagen); err == nil {
		return t, true
	}
	return time.Time{}, false
}

var copenhagen = locale.Copenhagen

// String renders a parsed query in a canonical form (for tests and logs).
func (n *node) String() string {
	if n == nil {
		return "*"
	}
	switch n.kind {
	case nodeAnd, nodeOr:
		op := " AND "
		if n.kind == nodeOr {
			op = " OR "
		}
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.String()
		}
		return "(" + strings.Join(parts, op) + ")"
	case nodeNot:
		return "NOT " + n.kids[0].String()
	}
	f := n.field
	if f == "" {
		f = "_"
	}
	switch n.term {
	case termExists:
		return f + ":*"
	case termRange:
		l, h := "[", "]"
		if !n.loInc {
			l = "{"
		}
		if !n.hiInc {
			h = "}"
		}
		lo, hi := n.lo, n.hi
		if lo == "" {
			lo = "*"
		}
		if hi == "" {
			hi = "*"
		}
		return f + ":" + l + lo + " TO " + hi + h
	}
	v := strings.NewReplacer(string(wildStar), "*", string(wildOne), "?").Replace(n.value)
	return f + ":" + strconv.Quote(v)
}
