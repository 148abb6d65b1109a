package sigma

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/cases"
)

// folder folds strings for case-insensitive comparison. ASCII strings take a
// fast path; anything else goes through Unicode full case folding, so that
// "ſ" matches "s" and "K" (Kelvin) matches "k". A folder is not safe for
// concurrent use (cases.Caser keeps state).
type folder struct {
	caser cases.Caser
	// runes caches the folding of the non-ASCII runes seen: Danish
	// names and paths (æ, ø, å) are in many values, and folding them one
	// rune at a time from this cache keeps them off the Caser's slow path.
	runes map[rune]string
}

// maxFoldRunes bounds a folder's rune cache.
const maxFoldRunes = 4096

func newFolder() *folder { return &folder{caser: cases.Fold()} }

// foldInto folds s, writing ASCII results into arena (which it returns,
// grown) instead of allocating; the returned string aliases arena and is
// valid until the arena is reused. ASCII is folded eight bytes at a time.
func (f *folder) foldInto(arena []byte, s string) ([]byte, string) {
	start := len(arena)
	arena = slices.Grow(arena, len(s))
	out := arena[start : start+len(s)]
	var upper uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		if w&hi8 != 0 {
			return f.foldRunes(arena[:start+i], start, s, i)
		}
		m := upperMask(w)
		upper |= m
		binary.LittleEndian.PutUint64(out[i:], w|m>>2)
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return f.foldRunes(arena[:start+i], start, s, i)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			upper = 1
		}
		out[i] = c
	}
	if upper == 0 {
		return arena[:start], s
	}
	arena = arena[:start+len(s)]
	return arena, unsafe.String(unsafe.SliceData(out), len(out))
}

// foldRunes folds s[i:] onto arena (which holds s[:i] folded from
// start) rune by rune, each non-ASCII rune from the cache. Full case
// folding maps each rune on its own (no context), so this equals folding
// the whole string; invalid UTF-8 goes to the Caser whole.
func (f *folder) foldRunes(arena []byte, start int, s string, i int) ([]byte, string) {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			arena = append(arena, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return arena[:start], f.caser.String(s)
		}
		fr, ok := f.runes[r]
		if !ok {
			fr = f.caser.String(s[i : i+n])
			if f.runes == nil || len(f.runes) >= maxFoldRunes {
				f.runes = make(map[rune]string)
			}
			f.runes[r] = fr
		}
		arena = append(arena, fr...)
		i += n
	}
	out := arena[start:]
	if string(out) == s {
		return arena[:start], s
	}
	return arena, unsafe.String(unsafe.SliceData(out), len(out))
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// upperMask returns 0x80 in each byte of w (all ASCII) that is 'A'…'Z'.
func upperMask(w uint64) uint64 {
	ge := w + lo8*(0x80-'A')   // high bit: byte >= 'A'
	gt := w + lo8*(0x80-'Z'-1) // high bit: byte > 'Z'
	return (ge &^ gt) & hi8
}

// fold returns s case-folded.
func (f *folder) fold(s string) string {
	ascii := true
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return string(b)
	}
	return f.caser.String(s)
}

// foldString folds s with a fresh folder (compile time only).
func foldString(s string) string { return newFolder().fold(s) }

// Dash characters that the windash modifier treats as interchangeable.
const windashChars = "-/\u2013\u2014\u2015"

// canonDash replaces every windash character in s with '-'. Comparing
// canonicalised values is equivalent to trying every permutation of dash
// characters in the pattern, without the permutations' blow-up.
func canonDash(s string) string {
	if !strings.ContainsAny(s, windashChars[1:]) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '/', '\u2013', '\u2014', '\u2015':
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// glyph is one element of a parsed Sigma string: a literal run, or a
// wildcard.
type glyph struct {
	lit  string
	star bool // '*': any run of characters
	one  bool // '?': exactly one character
}

// sigmaString is a Sigma value with its wildcards parsed: '*' and '?' are
// wildcards, '\*' '\?' '\\' their literal forms, and a backslash before any
// other character is a literal backslash (Sigma v2 escaping).
type sigmaString []glyph

func parseSigmaString(s string) sigmaString {
	var out sigmaString
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, glyph{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(out) == 0 || !out[len(out)-1].star {
				out = append(out, glyph{star: true})
			}
		case c == '?':
			flush()
			out = append(out, glyph{one: true})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// plain reports whether the string has no wildcards, and its literal text.
func (s sigmaString) plain() (string, bool) {
	var b strings.Builder
	for _, g := range s {
		if g.star || g.one {
			return "", false
		}
		b.WriteString(g.lit)
	}
	return b.String(), true
}

// literal joins the string back with wildcards as '*' and '?' (for
// messages and for prefilter literals).
func (s sigmaString) String() string {
	var b strings.Builder
	for _, g := range s {
		switch {
		case g.star:
			b.WriteByte('*')
		case g.one:
			b.WriteByte('?')
		default:
			b.WriteString(g.lit)
		}
	}
	return b.String()
}

// wrap adds a leading and/or trailing '*'.
func (s sigmaString) wrap(lead, trail bool) sigmaString {
	out := make(sigmaString, 0, len(s)+2)
	if lead && (len(s) == 0 || !s[0].star) {
		out = append(out, glyph{star: true})
	}
	out = append(out, s...)
	if trail && (len(out) == 0 || !out[len(out)-1].star) {
		out = append(out, glyph{star: true})
	}
	return out
}

// mapLits applies f to every literal run.
func (s sigmaString) mapLits(f func(string) string) sigmaString {
	out := make(sigmaString, len(s))
	for i, g := range s {
		if !g.star && !g.one {
			g.lit = f(g.lit)
		}
		out[i] = g
	}
	return out
}

// strOp is how a compiled string pattern compares.
type strOp uint8

const (
	opEq strOp = iota
	opPrefix
	opSuffix
	opContains
	opAny  // "*": any value, including empty
	opGlob // anything else with wildcards
)

// strPattern is a compiled string comparison. For opGlob, parts are the
// literal runs between stars; a glob with '?' uses the glyph matcher.
type strPattern struct {
	op    strOp
	lit   string
	glob  sigmaString
	parts []string // for star-only globs: literals between '*'
	lead  bool     // star-only glob starts with '*'
	trail bool     // star-only glob ends with '*'
	ones  bool     // glob has '?'
}

func compilePattern(s sigmaString) strPattern {
	if lit, ok := s.plain(); ok {
		return strPattern{op: opEq, lit: lit}
	}
	n := len(s)
	if n == 1 && s[0].star {
		return strPattern{op: opAny}
	}
	ones := false
	for _, g := range s {
		if g.one {
			ones = true
		}
	}
	if !ones {
		switch {
		case n == 2 && s[0].star && !s[1].star:
			return strPattern{op: opSuffix, lit: s[1].lit}
		case n == 2 && !s[0].star && s[1].star:
			return strPattern{op: opPrefix, lit: s[0].lit}
		case n == 3 && s[0].star && !s[1].star && s[2].star:
			return strPattern{op: opContains, lit: s[1].lit}
		}
		p := strPattern{op: opGlob, glob: s, lead: s[0].star, trail: s[n-1].star}
		for _, g := range s {
			if !g.star {
				p.parts = append(p.parts, g.lit)
			}
		}
		return p
	}
	return strPattern{op: opGlob, glob: s, ones: true}
}

// match compares v (already folded and dash-canonicalised as the pattern
// was) with the pattern.
func (p *strPattern) match(v string) bool {
	switch p.op {
	case opEq:
		return v == p.lit
	case opPrefix:
		return strings.HasPrefix(v, p.lit)
	case opSuffix:
		return strings.HasSuffix(v, p.lit)
	case opContains:
		return strings.Contains(v, p.lit)
	case opAny:
		return true
	}
	if p.ones {
		return globMatch(p.glob, v)
	}
	parts := p.parts
	if !p.lead {
		if !strings.HasPrefix(v, parts[0]) {
			return false
		}
		v = v[len(parts[0]):]
		parts = parts[1:]
	}
	last := ""
	if !p.trail && len(parts) > 0 {
		last = parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	for _, part := range parts {
		i := strings.Index(v, part)
		if i < 0 {
			return false
		}
		v = v[i+len(part):]
	}
	if !p.trail {
		return strings.HasSuffix(v, last)
	}
	return true
}

// globMatch matches glyphs against v with backtracking over stars; '?' is
// one rune.
func globMatch(g sigmaString, v string) bool {
	if len(g) == 0 {
		return v == ""
	}
	switch {
	case g[0].star:
		rest := g[1:]
		if len(rest) == 0 {
			return true
		}
		for i := 0; i <= len(v); {
			if globMatch(rest, v[i:]) {
				return true
			}
			if i == len(v) {
				break
			}
			_, w := utf8.DecodeRuneInString(v[i:])
			i += w
		}
		return false
	case g[0].one:
		if v == "" {
			return false
		}
		_, w := utf8.DecodeRuneInString(v)
		return globMatch(g[1:], v[w:])
	default:
		if !strings.HasPrefix(v, g[0].lit) {
			return false
		}
		return globMatch(g[1:], v[len(g[0].lit):])
	}
}
