package sources

import (
	"net/netip"
	"strings"
)

// An identity (address range, host name pattern, certificate) claims the
// senders it matches. Two identities of different organisations collide
// when some sender could be matched by both: then the one registered later
// could take the other organisation's traffic (a narrower range, a longer
// pattern, the same certificate), so registering it needs someone whose
// reach covers both organisations (docs/ARCHITECTURE.md, "Attribution").

// Bounds below which an identity is too wide for anyone but the SOC or an
// administrator: it would claim the senders of many organisations.
const (
	minIPv4Bits = 16
	minIPv6Bits = 32
)

// wideRange reports whether p is wider than a single organisation's
// address plan (IPv4 shorter than /16, IPv6 shorter than /32).
func wideRange(p netip.Prefix) bool {
	if p.Addr().Is4() {
		return p.Bits() < minIPv4Bits
	}
	if p.Addr().Is4In6() {
		return p.Bits()-96 < minIPv4Bits
	}
	return p.Bits() < minIPv6Bits
}

// widePattern reports whether a host name pattern is not anchored in a
// domain of its own: after the last label that holds a wildcard there must
// be two fixed labels, as in *.frederiksberg.dk, dc*.kk.dk or *1.kk.dk
// (a star also matches dots, but never past that fixed suffix). "*",
// "*.dk", "*kk.dk" and "dc?" are wide. An exact name is never wide.
func widePattern(p string) bool {
	labels := strings.Split(p, ".")
	last := -1
	for i, l := range labels {
		if strings.ContainsAny(l, "*?[]\\") {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	fixed := labels[last+1:]
	if len(fixed) < 2 {
		return true
	}
	for _, l := range fixed {
		if l == "" {
			return true
		}
	}
	return false
}

// symbols is a set over the alphabet a host name pattern is matched
// against: the 128 ASCII characters and one more, bit 128, standing for
// every other rune (patterns are ASCII, so all other runes behave alike).
type symbols [3]uint64

func (s *symbols) add(c int)            { s[c>>6] |= 1 << (c & 63) }
func (s symbols) meets(t symbols) bool  { return s[0]&t[0] != 0 || s[1]&t[1] != 0 || s[2]&t[2] != 0 }
func (s symbols) without(c int) symbols { s[c>>6] &^= 1 << (c & 63); return s }

// anyRune is every symbol; path.Match's * and ? match any rune but '/'.
var anyRune = symbols{^uint64(0), ^uint64(0), 1}

// globItem is one step of a pattern: one symbol of set, or (star) any
// number of them.
type globItem struct {
	set  symbols
	star bool
}

// parseGlob turns an ASCII path.Match pattern into items. The pattern has
// been checked with path.Match already; ok is false for what this parser
// does not know (non-ASCII), which callers treat as colliding.
func parseGlob(p string) ([]globItem, bool) {
	var items []globItem
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 0x80 {
			return nil, false
		}
		switch c {
		case '*':
			items = append(items, globItem{set: anyRune.without('/'), star: true})
		case '?':
			items = append(items, globItem{set: anyRune.without('/')})
		case '\\':
			if i+1 >= len(p) {
				return nil, false
			}
			i++
			var s symbols
			s.add(int(p[i]))
			items = append(items, globItem{set: s})
		case '[':
			set, n, ok := parseClass(p[i+1:])
			if !ok {
				return nil, false
			}
			items = append(items, globItem{set: set})
			i += n
		default:
			var s symbols
			s.add(int(c))
			items = append(items, globItem{set: s})
		}
	}
	return items, true
}

// parseClass reads a character class after its '[' and returns its set
// and how many bytes it took, ']' included.
func parseClass(p string) (symbols, int, bool) {
	var set symbols
	i := 0
	negated := i < len(p) && p[i] == '^'
	if negated {
		i++
	}
	esc := func() (int, bool) {
		if i >= len(p) {
			return 0, false
		}
		c := p[i]
		if c == '\\' {
			i++
			if i >= len(p) {
				return 0, false
			}
			c = p[i]
		}
		i++
		return int(c), c < 0x80
	}
	for n := 0; ; n++ {
		if i >= len(p) {
			return set, 0, false
		}
		if p[i] == ']' && n > 0 {
			i++
			break
		}
		lo, ok := esc()
		if !ok {
			return set, 0, false
		}
		hi := lo
		if i < len(p) && p[i] == '-' {
			i++
			if hi, ok = esc(); !ok {
				return set, 0, false
			}
		}
		for c := lo; c <= hi; c++ {
			set.add(c)
		}
	}
	if negated {
		for k := range set {
			set[k] = anyRune[k] &^ set[k]
		}
	}
	return set, i, true
}

// patternsMeet reports whether some host name matches both patterns. It
// walks the product of the two patterns' steps: a symbol can be taken
// from state (i, j) when both steps' sets share one. Patterns it cannot
// read are taken to meet.
func patternsMeet(a, b string) bool {
	x, okA := parseGlob(a)
	y, okB := parseGlob(b)
	if !okA || !okB {
		return true
	}
	w := len(y) + 1
	seen := make([]bool, (len(x)+1)*w)
	stack := []int{0}
	seen[0] = true
	push := func(i, j int) {
		if k := i*w + j; !seen[k] {
			seen[k] = true
			stack = append(stack, k)
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, j := k/w, k%w
		if i == len(x) && j == len(y) {
			return true
		}
		// A star may match nothing.
		if i < len(x) && x[i].star {
			push(i+1, j)
		}
		if j < len(y) && y[j].star {
			push(i, j+1)
		}
		if i == len(x) || j == len(y) || !x[i].set.meets(y[j].set) {
			continue
		}
		// One symbol both accept: a star stays, a single step advances.
		ni, nj := i+1, j+1
		if x[i].star {
			ni = i
		}
		if y[j].star {
			nj = j
		}
		push(ni, nj)
	}
	return false
}
