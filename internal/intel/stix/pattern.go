package stix

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
)

// Observable is one value a STIX pattern names, in samdrift's indicator
// vocabulary: Type is one of indicator.Types, Value normalised by
// indicator.Normalize.
type Observable struct {
	Type  string
	Value string
}

// Matchable translates a STIX pattern into the observables samdrift can
// match on. It understands equality with a string (and IN, a list of
// them) on ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value,
// email-addr:value, the e-mail addresses of email-message
// (from_ref.value, sender_ref.value, to_refs[*].value, cc_refs[*].value,
// bcc_refs[*].value) and file:hashes MD5, SHA-1 and SHA-256 (quoted or
// not, with or without the hyphen); ISSUBSET with a CIDR on the address
// types; and any OR of those, inside one observation or between
// observations, with parentheses. A match on any one observable is a
// match of the pattern, so the result is exactly what the pattern means.
//
// Everything else — AND (which needs two things at once), FOLLOWEDBY,
// qualifiers (WITHIN, REPEATS, START/STOP), NOT, ordering comparisons,
// LIKE, MATCHES, ISSUPERSET, EXISTS, other objects and properties — is an
// Invalid error (Field "pattern") naming the part samdrift cannot match;
// so is a pattern that is not well formed, or a value that is not valid
// for its type. The observables come in pattern order without duplicates.
func Matchable(pattern string) ([]Observable, error) {
	toks, err := lex(pattern)
	if err != nil {
		return nil, err
	}
	p := &parser{src: pattern, toks: toks, seen: map[Observable]bool{}}
	if err := p.run(); err != nil {
		return nil, err
	}
	if p.unsupported != nil {
		return nil, p.unsupported
	}
	if p.invalid != nil {
		return nil, p.invalid
	}
	return p.obs, nil
}

// Pattern returns the STIX pattern for one observable, with ' and \ in the
// value escaped: an address is compared with =, a CIDR range with
// ISSUBSET; hashes use the hash-algorithm-ov names MD5, 'SHA-1' and
// 'SHA-256'. The value is written as it is (normalise it first). Pattern
// returns "" for a type that is not one of indicator.Types.
func Pattern(o Observable) string {
	path, op := patternPaths[o.Type], "="
	switch {
	case path == "":
		return ""
	case o.Type == indicator.IP && strings.Contains(o.Value, ":"):
		path = "ipv6-addr:value"
	}
	if o.Type == indicator.IP && strings.Contains(o.Value, "/") {
		op = "ISSUBSET"
	}
	return "[" + path + " " + op + " '" + patternEscaper.Replace(o.Value) + "']"
}

var (
	patternEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	patternPaths   = map[string]string{
		indicator.IP:     "ipv4-addr:value",
		indicator.Domain: "domain-name:value",
		indicator.URL:    "url:value",
		indicator.Email:  "email-addr:value",
		indicator.MD5:    "file:hashes.MD5",
		indicator.SHA1:   "file:hashes.'SHA-1'",
		indicator.SHA256: "file:hashes.'SHA-256'",
	}
	// matchPaths are the object paths Matchable understands, with the
	// hash names in file:hashes written lower case without hyphens.
	matchPaths = map[string]string{
		"ipv4-addr:value":                 indicator.IP,
		"ipv6-addr:value":                 indicator.IP,
		"domain-name:value":               indicator.Domain,
		"url:value":                       indicator.URL,
		"email-addr:value":                indicator.Email,
		"email-message:from_ref.value":    indicator.Email,
		"email-message:sender_ref.value":  indicator.Email,
		"email-message:to_refs[*].value":  indicator.Email,
		"email-message:cc_refs[*].value":  indicator.Email,
		"email-message:bcc_refs[*].value": indicator.Email,
		"file:hashes.md5":                 indicator.MD5,
		"file:hashes.sha1":                indicator.SHA1,
		"file:hashes.sha256":              indicator.SHA256,
	}
)

type tokKind int

const (
	tEOF    tokKind = iota
	tPunct          // [ ] ( ) : . , *
	tOp             // = == != <> < <= > >=
	tString         // '...'; val holds the unescaped text
	tTyped          // t'...', h'...', b'...'
	tIdent          // identifiers and keywords
	tNumber
)

type token struct {
	kind       tokKind
	text       string // as written
	val        string // string literal value
	start, end int    // byte offsets in the pattern
}

func syntaxErr(pos int, format string, args ...any) error {
	return errs.Field("pattern", "is not a valid STIX pattern at character %d: %s", pos+1, fmt.Sprintf(format, args...))
}

// lex splits a pattern into tokens by the STIX 2.1 patterning grammar
// (§9), skipping whitespace and comments. Hand-written: a regexp lexer
// made Matchable four times slower, and feeds bring a million patterns.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		c, j := src[i], i+size
		t := token{start: i}
		switch {
		case unicode.IsSpace(r):
			i = j
			continue
		case strings.HasPrefix(src[i:], "//"), strings.HasPrefix(src[i:], "/*"):
			end := map[byte]string{'/': "\n", '*': "*/"}[src[i+1]]
			k := strings.Index(src[i+2:], end)
			if k < 0 && end == "*/" {
				return nil, syntaxErr(i, "unterminated comment")
			} else if k < 0 {
				k = len(src) - i - 2
			}
			i += 2 + k + len(end)
			continue
		case strings.IndexByte("[]():.,*", c) >= 0:
			t.kind = tPunct
		case strings.IndexByte("=!<>", c) >= 0:
			t.kind = tOp
			if j < len(src) && (src[j] == '=' || c == '<' && src[j] == '>') {
				j++
			} else if c == '!' {
				return nil, syntaxErr(i, "unexpected '!'")
			}
		case c == '\'' || strings.IndexByte("thb", c) >= 0 && j < len(src) && src[j] == '\'':
			t.kind, j = tTyped, j-size+1
			if c == '\'' {
				t.kind, j = tString, i
			}
			var err error
			if t.val, j, err = lexString(src, j); err != nil {
				return nil, err
			}
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			t.kind = tIdent
			for j < len(src) && (src[j] == '_' || src[j] == '-' || 'a' <= src[j] && src[j] <= 'z' || 'A' <= src[j] && src[j] <= 'Z' || '0' <= src[j] && src[j] <= '9') {
				j++
			}
		case c == '+' || c == '-' || '0' <= c && c <= '9':
			t.kind = tNumber
			for j < len(src) && ('0' <= src[j] && src[j] <= '9' || src[j] == '.') {
				j++
			}
			if !strings.ContainsAny(src[i:j], "0123456789") {
				return nil, syntaxErr(i, "unexpected %q", c)
			}
		default:
			return nil, syntaxErr(i, "unexpected %q", r)
		}
		t.text, t.end = src[i:j], j
		toks = append(toks, t)
		i = j
	}
	return append(toks, token{kind: tEOF, text: "end of pattern", start: len(src), end: len(src)}), nil
}

// lexString reads the string literal whose opening quote is at src[q] and
// returns its value and the offset after its closing quote.
func lexString(src string, q int) (string, int, error) {
	var b strings.Builder
	for j := q + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '\'':
			return b.String(), j + 1, nil
		case c != '\\':
			b.WriteByte(c)
		case j+1 < len(src) && (src[j+1] == '\'' || src[j+1] == '\\'):
			j++
			b.WriteByte(src[j])
		default:
			return "", 0, syntaxErr(j, `a backslash in a string may only escape ' or \`)
		}
	}
	return "", 0, syntaxErr(q, "string literal has no closing quote")
}

// parser walks the token list by the grammar's rules. A syntax error stops
// it (by panic, recovered in run); the first construct samdrift cannot
// match, or the first value that is not valid, is recorded and parsing
// goes on, so that a malformed pattern is always reported as such.
type parser struct {
	src         string
	toks        []token
	i           int
	obs         []Observable
	seen        map[Observable]bool
	unsupported error
	invalid     error
}

type syntaxPanic struct{ err error }

func (p *parser) run() (err error) {
	defer func() {
		if r := recover(); r != nil {
			sp, ok := r.(syntaxPanic)
			if !ok {
				panic(r)
			}
			err = sp.err
		}
	}()
	if p.peek().kind == tEOF {
		return errs.Field("pattern", "is empty")
	}
	p.observations()
	if t := p.peek(); t.kind != tEOF {
		p.fail(t, "unexpected %s", t.text)
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) {
	panic(syntaxPanic{syntaxErr(t.start, format, args...)})
}

func (p *parser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

func (p *parser) expect(kind tokKind, text string) token {
	if !p.is(kind, text) {
		t := p.peek()
		p.fail(t, "expected %q, found %s", text, t.text)
	}
	return p.next()
}

// cannot records the first part of the pattern samdrift cannot match.
func (p *parser) cannot(from, to int, why string) {
	if p.unsupported == nil {
		p.unsupported = errs.Field("pattern", "samdrift cannot match %q (at character %d): %s", strings.TrimSpace(p.src[from:to]), from+1, why)
	}
}

// chain reads item, then more items joined by the keyword op; why, when
// set, is the reason samdrift cannot match op.
func (p *parser) chain(op, why string, item func()) {
	item()
	for p.is(tIdent, op) {
		if t := p.next(); why != "" {
			p.cannot(t.start, t.end, why)
		}
		item()
	}
}

func (p *parser) observations() {
	p.chain("FOLLOWEDBY", "FOLLOWEDBY needs a sequence of events; samdrift matches single values", func() {
		p.chain("OR", "", func() {
			p.chain("AND", "AND between observations needs several events at once; samdrift matches single values", p.observation)
		})
	})
}

func (p *parser) comparisons() {
	p.chain("OR", "", func() {
		p.chain("AND", "AND needs two properties to hold at once; samdrift matches single values", p.comparison)
	})
}

func (p *parser) observation() {
	switch t := p.peek(); {
	case t.kind == tPunct && t.text == "[":
		p.next()
		p.comparisons()
		p.expect(tPunct, "]")
	case t.kind == tPunct && t.text == "(":
		p.next()
		p.observations()
		p.expect(tPunct, ")")
	default:
		p.fail(t, "expected '[' or '(', found %s", t.text)
	}
	for { // qualifiers
		t := p.peek()
		if t.kind != tIdent {
			return
		}
		switch t.text {
		case "WITHIN":
			p.next()
			p.expectKind(tNumber, "a number of seconds")
			p.expect(tIdent, "SECONDS")
		case "REPEATS":
			p.next()
			p.expectKind(tNumber, "a count")
			p.expect(tIdent, "TIMES")
		case "START":
			p.next()
			p.expectKind(tTyped, "a timestamp t'...'")
			p.expect(tIdent, "STOP")
			p.expectKind(tTyped, "a timestamp t'...'")
		default:
			return
		}
		p.cannot(t.start, p.toks[p.i-1].end, "qualifiers (WITHIN, REPEATS, START/STOP) are not supported; samdrift matches single values at any time")
	}
}

func (p *parser) expectKind(kind tokKind, what string) token {
	t := p.peek()
	if t.kind != kind {
		p.fail(t, "expected %s, found %s", what, t.text)
	}
	return p.next()
}

// comparison reads one property test and records what it matches.
func (p *parser) comparison() {
	start := p.peek()
	if p.is(tPunct, "(") {
		p.next()
		p.comparisons()
		p.expect(tPunct, ")")
		return
	}
	if p.is(tIdent, "EXISTS") {
		p.next()
		p.path()
		p.cannot(start.start, p.toks[p.i-1].end, "EXISTS is not supported")
		return
	}
	obj, path := p.path()
	negated := p.is(tIdent, "NOT")
	if negated {
		p.next()
	}
	op := p.next()
	var values []token
	switch {
	case op.kind == tOp:
		values = append(values, p.literal())
	case op.kind == tIdent && op.text == "IN":
		p.expect(tPunct, "(")
		for !p.is(tPunct, ")") {
			if len(values) > 0 {
				p.expect(tPunct, ",")
			}
			values = append(values, p.literal())
		}
		p.next()
	case op.kind == tIdent && (op.text == "LIKE" || op.text == "MATCHES" || op.text == "ISSUBSET" || op.text == "ISSUPERSET"):
		values = append(values, p.expectKind(tString, "a string"))
	default:
		p.fail(op, "expected a comparison operator, found %s", op.text)
	}
	from, to := start.start, p.toks[p.i-1].end
	typ := matchType(path)
	switch {
	case negated:
		p.cannot(from, to, "NOT is not supported")
	case op.kind == tOp && op.text != "=" && op.text != "==":
		p.cannot(from, to, "only = comparisons are supported, not "+op.text)
	case op.text == "LIKE" || op.text == "MATCHES" || op.text == "ISSUPERSET":
		p.cannot(from, to, op.text+" is not supported; samdrift matches exact values")
	case typ == "":
		p.cannot(from, to, path+" is not an object property samdrift matches on")
	case op.text == "ISSUBSET" && typ != indicator.IP:
		p.cannot(from, to, "ISSUBSET is supported for address ranges only")
	default:
		for _, v := range values {
			p.add(obj, typ, v, from, to)
		}
	}
}

// path reads an object path — type, ':', then property names and
// indexes — and returns the object type and the path as matchPaths spells it.
func (p *parser) path() (obj, path string) {
	obj = p.expectKind(tIdent, "an object type such as ipv4-addr").text
	b := []byte(obj + ":")
	for p.expect(tPunct, ":"); ; {
		switch t := p.next(); t.kind {
		case tIdent:
			b = append(b, t.text...)
		case tString:
			b = append(b, t.val...)
		default:
			p.fail(t, "expected a property name, found %s", t.text)
		}
		for p.is(tPunct, "[") {
			p.next()
			if t := p.next(); t.kind == tNumber || t.kind == tPunct && t.text == "*" {
				b = append(b, "["+t.text+"]"...)
			} else {
				p.fail(t, "expected an index or '*', found %s", t.text)
			}
			p.expect(tPunct, "]")
		}
		if !p.is(tPunct, ".") {
			return obj, string(b)
		}
		b = append(b, p.next().text...)
	}
}

// literal reads one value of a comparison.
func (p *parser) literal() token {
	t := p.next()
	switch t.kind {
	case tString, tTyped, tNumber:
		return t
	case tIdent:
		if t.text == "true" || t.text == "false" {
			return t
		}
	}
	p.fail(t, "expected a value, found %s", t.text)
	return t
}

// matchType returns the indicator type an object path holds, or "".
func matchType(path string) string {
	if h, ok := strings.CutPrefix(path, "file:hashes."); ok {
		path = "file:hashes." + strings.ReplaceAll(strings.ToLower(h), "-", "")
	}
	return matchPaths[path]
}

// add normalises one value and records it.
func (p *parser) add(obj, typ string, v token, from, to int) {
	if v.kind != tString {
		p.cannot(from, to, "the value must be a string, not "+v.text)
		return
	}
	if obj == "ipv4-addr" || obj == "ipv6-addr" {
		addr, err := netip.ParseAddr(v.val)
		if pfx, perr := netip.ParsePrefix(v.val); perr == nil {
			addr, err = pfx.Addr(), nil
		}
		if err == nil && (obj == "ipv4-addr") != addr.Is4() {
			if p.invalid == nil {
				p.invalid = errs.Field("pattern", "%s is not an %s value", v.text, obj)
			}
			return
		}
	}
	_, val, err := indicator.Normalize(typ, v.val)
	if err != nil {
		if p.invalid == nil {
			p.invalid = errs.Field("pattern", "%q: %v", strings.TrimSpace(p.src[from:to]), err)
		}
		return
	}
	o := Observable{Type: typ, Value: val}
	if !p.seen[o] {
		p.seen[o] = true
		p.obs = append(p.obs, o)
	}
}
