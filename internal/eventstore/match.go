package eventstore

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/samdrift/samdrift/internal/event"
)

// matcher is a compiled query evaluated in Go, for stores that filter
// decoded events (SQLite's block layout) rather than in SQL. It has the
// SQL compiler's semantics: whole values ignoring case, wildcards within
// one value, substrings of the message, numeric and time ranges.
type matcher func(e *event.Event) bool

// compileMatcher turns a parsed query into a matcher; nil matches all.
// Errors are the compiler's (a range on a text field, a bad number).
func compileMatcher(n *node) (matcher, error) {
	if n == nil {
		return func(*event.Event) bool { return true }, nil
	}
	switch n.kind {
	case nodeAnd, nodeOr:
		// The cheapest tests first: most events fail a column's value
		// before the message is searched.
		order := slices.Clone(n.kids)
		slices.SortStableFunc(order, func(a, b *node) int { return matchCost(a) - matchCost(b) })
		kids := make([]matcher, len(order))
		for i, k := range order {
			m, err := compileMatcher(k)
			if err != nil {
				return nil, err
			}
			kids[i] = m
		}
		if n.kind == nodeAnd {
			return func(e *event.Event) bool {
				for _, k := range kids {
					if !k(e) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(e *event.Event) bool {
			for _, k := range kids {
				if k(e) {
					return true
				}
			}
			return false
		}, nil
	case nodeNot:
		m, err := compileMatcher(n.kids[0])
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) bool { return !m(e) }, nil
	}
	col, isCol := queryColumns[n.field]
	if n.field == "" {
		col, isCol = column{"message", colMessage}, true
	}
	if isCol {
		switch col.kind {
		case colNumber:
			return numberMatcher(n, func(e *event.Event) (float64, bool) {
				if col.name == "severity" {
					return float64(e.Severity), true
				}
				return float64(e.Tenant), true
			})
		case colTime:
			return timeMatcher(n)
		}
		get := columnGetter(col.name)
		if n.term == termRange {
			return nil, queryError(n.pos, "%s holds text; ranges need a number field", n.field)
		}
		if n.term == termExists {
			return func(e *event.Event) bool { return get(e) != "" }, nil
		}
		pat := newPattern(n.value, col.kind == colMessage)
		return func(e *event.Event) bool { return pat.match(get(e)) }, nil
	}
	// A field may hold several values (one field each, as an array
	// arrives): a term matches when any of them does.
	key := n.field
	switch n.term {
	case termExists:
		return func(e *event.Event) bool { return anyValue(e, key, func(string) bool { return true }) }, nil
	case termRange:
		in, err := numberTest(n)
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) bool {
			return anyValue(e, key, func(v string) bool {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return err == nil && !math.IsNaN(f) && in(f)
			})
		}, nil
	}
	pat := newPattern(n.value, false)
	return func(e *event.Event) bool { return anyValue(e, key, pat.match) }, nil
}

// anyValue reports whether any value of key (compared ignoring case, as
// the SQL form does) satisfies ok.
func anyValue(e *event.Event, key string, ok func(string) bool) bool {
	for _, f := range e.Fields {
		if (f.Key == key || strings.EqualFold(f.Key, key)) && ok(f.Value) {
			return true
		}
	}
	return false
}

func columnGetter(name string) func(e *event.Event) string {
	switch name {
	case "message":
		return func(e *event.Event) string { return e.Message }
	case "host":
		return func(e *event.Event) string { return e.Host }
	case "app":
		return func(e *event.Event) string { return e.App }
	case "format":
		return func(e *event.Event) string { return e.Format }
	case "product":
		return func(e *event.Event) string { return e.Product }
	case "source_ip":
		return func(e *event.Event) string { return e.SourceIP }
	case "id":
		return func(e *event.Event) string { return e.ID }
	case "parse_error":
		return func(e *event.Event) string { return e.ParseError }
	default: // raw
		return func(e *event.Event) string { return e.Raw }
	}
}

// headColumn says whether a column (queryColumns' names) is in a split
// block's heads.
func headColumn(name string) bool {
	switch name {
	case "message", "host", "app", "format", "product", "source_ip", "severity", "tenant", "ts":
		return true
	}
	return false
}

// needsRest says whether testing an event against n needs values outside
// a split block's heads: a field's, the id's, the raw original's, the
// parse error's.
func needsRest(n *node) bool {
	if n.kind != nodeTerm {
		return slices.ContainsFunc(n.kids, needsRest)
	}
	if n.field == "" {
		return false
	}
	col, isCol := queryColumns[n.field]
	return !isCol || !headColumn(col.name)
}

// matchCost ranks what testing an event against n costs: a column's
// value, a field's (walking the fields), a search of the message, a
// pattern, then combinations.
func matchCost(n *node) int {
	if n.kind != nodeTerm {
		return 5
	}
	col, isCol := queryColumns[n.field]
	switch {
	case n.wild:
		return 4
	case n.field == "" || (isCol && col.kind == colMessage):
		return 3
	case !isCol:
		return 2
	}
	return 1
}

// numberMatcher matches exact numbers and ranges over get's value.
func numberMatcher(n *node, get func(e *event.Event) (float64, bool)) (matcher, error) {
	test, err := numberTest(n)
	if err != nil {
		return nil, err
	}
	return func(e *event.Event) bool { v, ok := get(e); return ok && test(v) }, nil
}

// numberTest is the test a number term makes of one value: present (not
// negative), equal, or in range.
func numberTest(n *node) (func(v float64) bool, error) {
	switch n.term {
	case termExists:
		return func(v float64) bool { return v >= 0 }, nil
	case termMatch:
		if n.wild {
			return nil, queryError(n.pos, "%s is a number; wildcards do not apply", n.field)
		}
		want, err := number(n, n.value)
		if err != nil {
			return nil, err
		}
		return func(v float64) bool { return v == want }, nil
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	var err error
	if n.lo != "" {
		if lo, err = number(n, n.lo); err != nil {
			return nil, err
		}
	}
	if n.hi != "" {
		if hi, err = number(n, n.hi); err != nil {
			return nil, err
		}
	}
	loInc, hiInc := n.loInc || n.lo == "", n.hiInc || n.hi == ""
	return func(v float64) bool {
		return !(v < lo || (v == lo && !loInc) || v > hi || (v == hi && !hiInc))
	}, nil
}

func timeMatcher(n *node) (matcher, error) {
	conv := func(s string) (time.Time, error) {
		t, ok := parseTime(s)
		if !ok {
			return t, queryError(n.pos, "%s: %q is not a time; write 2026-11-29 or 2026-11-29T08:00:00Z", n.field, s)
		}
		return t, nil
	}
	switch n.term {
	case termExists:
		return func(*event.Event) bool { return true }, nil
	case termMatch:
		if d, err := time.ParseInLocation("2006-01-02", n.value, copenhagen); err == nil && !n.wild {
			end := d.AddDate(0, 0, 1)
			return func(e *event.Event) bool { return !e.Time.Before(d) && e.Time.Before(end) }, nil
		}
		t, err := conv(n.value)
		if err != nil {
			return nil, err
		}
		return func(e *event.Event) bool { return e.Time.UnixMicro() == t.UnixMicro() }, nil
	}
	var lo, hi int64 = math.MinInt64, math.MaxInt64
	if n.lo != "" {
		t, err := conv(n.lo)
		if err != nil {
			return nil, err
		}
		lo = t.UnixMicro()
		if !n.loInc {
			lo++
		}
	}
	if n.hi != "" {
		t, err := conv(n.hi)
		if err != nil {
			return nil, err
		}
		hi = t.UnixMicro()
		if !n.hiInc {
			hi--
		}
	}
	return func(e *event.Event) bool { v := e.Time.UnixMicro(); return v >= lo && v <= hi }, nil
}

// pattern matches a value ignoring case: the whole value, or (contains)
// anywhere in it, with the wildcard marks as '*' and '?'.
type pattern struct {
	parts    []string // literal runs between '*', lower case; '?' kept as wildOne
	contains bool
	exact    string // when there are no wildcards
	wild     bool
	// plain: exact is ASCII without letters, which lowering leaves as
	// they are in any value (see admitsBytes): compared as it is.
	plain bool
}

func newPattern(v string, contains bool) pattern {
	p := pattern{contains: contains}
	low := strings.ToLower(v)
	if !strings.ContainsRune(low, wildStar) && !strings.ContainsRune(low, wildOne) {
		p.exact = low
		p.plain = isASCII(low) && !strings.ContainsFunc(low, func(r rune) bool { return 'a' <= r && r <= 'z' })
		return p
	}
	p.wild = true
	p.parts = strings.Split(low, string(wildStar))
	return p
}

func (p pattern) match(s string) bool {
	if p.plain {
		if p.contains {
			return strings.Contains(s, p.exact)
		}
		return s == p.exact
	}
	if !p.wild {
		if isASCII(s) {
			// Without lowering a copy: a search compares every event's
			// message, and strings.ToLower allocated a copy of each one
			// with a capital letter in it.
			if p.contains {
				return indexFold(s, p.exact) >= 0
			}
			return len(s) == len(p.exact) && equalFoldASCII(s, p.exact)
		}
		s = strings.ToLower(s)
		if p.contains {
			return strings.Contains(s, p.exact)
		}
		return s == p.exact
	}
	s = strings.ToLower(s)
	parts := p.parts
	if p.contains {
		parts = append(append([]string{""}, parts...), "")
	}
	return globMatch(parts, s)
}

// isASCII reports whether s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	if len(s) >= 8 {
		p := unsafe.Pointer(unsafe.StringData(s))
		for ; i+8 <= len(s); i += 8 {
			if *(*uint64)(unsafe.Add(p, i))&0x8080808080808080 != 0 {
				return false
			}
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// equalFoldASCII reports whether ASCII s in lower case is low.
func equalFoldASCII(s, low string) bool {
	for i := 0; i < len(s); i++ {
		if lowerASCII[s[i]] != low[i] {
			return false
		}
	}
	return true
}

// globMatch matches s against parts joined by '*' (each part may hold
// wildOne for one character).
func globMatch(parts []string, s string) bool {
	if len(parts) == 1 {
		return partMatch(parts[0], s) && utf8.RuneCountInString(s) == utf8.RuneCountInString(parts[0])
	}
	// The first part anchors the start, the last the end.
	first, last := parts[0], parts[len(parts)-1]
	fl, ll := utf8.RuneCountInString(first), utf8.RuneCountInString(last)
	if utf8.RuneCountInString(s) < fl+ll || !partMatch(first, s) {
		return false
	}
	s = skipRunes(s, fl)
	for _, mid := range parts[1 : len(parts)-1] {
		i := findPart(mid, s)
		if i < 0 {
			return false
		}
		s = s[i:]
		s = skipRunes(s, utf8.RuneCountInString(mid))
	}
	n := utf8.RuneCountInString(s)
	if n < ll {
		return false
	}
	return partMatch(last, skipRunes(s, n-ll))
}

// partMatch reports whether s starts with part ('?' any one rune).
func partMatch(part, s string) bool {
	for _, pr := range part {
		if s == "" {
			return false
		}
		r, size := utf8.DecodeRuneInString(s)
		if pr != wildOne && pr != r {
			return false
		}
		s = s[size:]
	}
	return true
}

// findPart is the byte index of the first place part matches in s, or -1.
func findPart(part, s string) int {
	for i := 0; ; {
		if partMatch(part, s[i:]) {
			return i
		}
		if i >= len(s) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
}

func skipRunes(s string, n int) string {
	for ; n > 0 && s != ""; n-- {
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	return s
}
