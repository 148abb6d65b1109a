package eventstore

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"sync"

	"github.com/samdrift/samdrift/internal/event"
)

// Per-block gram filters (SQLite). A search over every tenant for a rare
// value (an address, a user name) used to decompress every block in the
// time range. Each block now has a Bloom filter of the byte trigrams of
// its events' lower-cased text values (message, host, app, the fields'
// values, …) and of those values whole (not the message's); a query's
// text terms need all their trigrams, and equality terms their value, so
// a block whose filter lacks one cannot hold a match and is not read.
// The filter only ever skips blocks that cannot match: matching is still
// done on the decoded events. A block without a filter (stored before
// this) is always read.
//
// The filter is built at about two bits per byte of the block's text and
// folded in halves (bit i of the half is bit i or bit i+half: indexes are
// hashes masked by the size) while the folded filter stays at most half
// full, so a block's filter fits its distinct trigrams and values.

const (
	gramMaxWords = 1 << 20 / 64 // 1 Mi bits at most while building (128 KiB)
	gramMinWords = 1 << 10 / 64 // 1 Ki bits at least (128 bytes)
	gramMaxFill  = 0.5          // fold while the folded filter stays under this
)

// gramBits returns the two bit indexes (before masking) of a trigram.
func gramBits(g uint32) (uint64, uint64) {
	h := uint64(g) * 0x9E3779B97F4A7C15
	return h >> 40, h >> 16 & 0xFFFFFF
}

// lowerASCII maps 'A'…'Z' to 'a'…'z' and every other byte to itself.
var lowerASCII = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// gramBuilder collects trigrams into a filter sized for the block; reuse
// it.
type gramBuilder struct {
	words []uint64 // gramMaxWords of scratch
	n     int      // words in use (a power of two)
}

// begin starts a filter for a block of about size bytes of text: about
// two bits per byte (folding shrinks it to the distinct trigrams), so
// that small blocks cost little to build.
func (b *gramBuilder) begin(size int) {
	n := gramMinWords
	for n < gramMaxWords && n*64 < 2*size {
		n *= 2
	}
	b.n = n
}

// gramPool keeps builders (128 KiB each) between transactions.
var gramPool = sync.Pool{New: func() any { return &gramBuilder{words: make([]uint64, gramMaxWords)} }}

// lower lowers v as the matcher lowers values (strings.ToLower), for
// non-ASCII values; ASCII ones are lowered by the table as they are read.
func lower(v string) string {
	if !isASCII(v) {
		return strings.ToLower(v)
	}
	return v
}

// add adds the trigrams of v, lowered (see lower).
func (b *gramBuilder) add(v string) {
	if len(v) < 3 {
		return
	}
	w := b.words[:b.n]
	mask := uint64(b.n*64 - 1)
	g := uint32(lowerASCII[v[0]]) | uint32(lowerASCII[v[1]])<<8
	for i := 2; i < len(v); i++ {
		g = g&0xFFFF | uint32(lowerASCII[v[i]])<<16
		h1, h2 := gramBits(g)
		h1, h2 = h1&mask, h2&mask
		w[h1>>6] |= 1 << (h1 & 63)
		w[h2>>6] |= 1 << (h2 & 63)
		g >>= 8
	}
}

// valueHash hashes a whole value, lowered (see lower), with FNV-1a:
// stable across processes, the filters are stored.
func valueHash(v string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(v); i++ {
		h ^= uint64(lowerASCII[v[i]])
		h *= 1099511628211
	}
	return h
}

// valueBits are a whole value's two bit indexes (before masking).
func valueBits(h uint64) (uint64, uint64) {
	h *= 0xBF58476D1CE4E5B9
	return h >> 37, h >> 11 & 0x3FFFFFF
}

// addValue adds a value's trigrams and the value whole: an equality term
// (user.name:bob, source.ip:198.51.100.7) is then ruled out by the value,
// not only by trigrams that digits and dots make common.
func (b *gramBuilder) addValue(v string) {
	if v == "" {
		return
	}
	v = lower(v)
	b.add(v)
	h1, h2 := valueBits(valueHash(v))
	mask := uint64(b.n*64 - 1)
	h1, h2 = h1&mask, h2&mask
	b.words[h1>>6] |= 1 << (h1 & 63)
	b.words[h2>>6] |= 1 << (h2 & 63)
}

// addEvent adds every text value a query can search except the raw
// original (a JSON event's whole document would double the work) and the
// event id (unique and random: it doubled the filters' size); queries on
// raw or id require nothing of the filter.
func (b *gramBuilder) addEvent(e *event.Event) {
	b.add(lower(e.Message)) // searched for parts, never whole
	for _, v := range [...]string{e.Host, e.App, e.Format, e.Product, e.SourceIP, e.ParseError} {
		b.addValue(v)
	}
	for _, f := range e.Fields {
		b.addValue(f.Value)
	}
}

// filter adds evs, folds everything added since begin into the stored
// form (little-endian words) and empties the builder.
func (b *gramBuilder) filter(evs []event.Event) []byte {
	for i := range evs {
		b.addEvent(&evs[i])
	}
	w := b.words[:b.n]
	ones := 0
	for _, x := range w {
		ones += bits.OnesCount64(x)
	}
	n := len(w)
	for n > gramMinWords {
		p := float64(ones) / float64(n*64)
		if 1-(1-p)*(1-p) > gramMaxFill {
			break
		}
		half := n / 2
		ones = 0
		for i := 0; i < half; i++ {
			w[i] |= w[i+half]
			ones += bits.OnesCount64(w[i])
		}
		n = half
	}
	out := make([]byte, n*8)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(out[i*8:], w[i])
	}
	clear(b.words[:b.n])
	return out
}

// gramReq is what a block's filter must have for a query to match in it:
// all trigrams of a term (grams), all of (and) or one of (or) its kids.
// A nil *gramReq requires nothing.
type gramReq struct {
	and, or []*gramReq
	grams   []uint32
	// value is the hash of a whole value some field must equal (has
	// says there is one).
	value uint64
	has   bool
	// pieces are the term's ASCII pieces (lower case, three bytes or
	// more) that a block's decompressed bytes must hold (see
	// admitsBytes).
	pieces []string
	// rest says the term's values are in a split block's rests (a
	// field's, the parse error's), not its heads.
	rest bool
}

// gramRequirement derives the requirement of a parsed query: text terms
// need their pieces' trigrams (a piece is the text between wildcards, of
// three bytes or more), and a term on a field or a text column without
// wildcards its whole value; ranges, numbers, times, existence, the raw
// original, the id and negations need nothing.
func gramRequirement(n *node) *gramReq {
	if n == nil {
		return nil
	}
	switch n.kind {
	case nodeAnd:
		r := &gramReq{}
		for _, k := range n.kids {
			if kr := gramRequirement(k); kr != nil {
				r.and = append(r.and, kr)
			}
		}
		if len(r.and) == 0 {
			return nil
		}
		return r
	case nodeOr:
		r := &gramReq{}
		for _, k := range n.kids {
			kr := gramRequirement(k)
			if kr == nil {
				return nil // one branch needs nothing: neither does the or
			}
			r.or = append(r.or, kr)
		}
		return r
	case nodeNot:
		return nil
	}
	if n.term == termExists || n.term == termRange {
		return nil
	}
	col, isCol := queryColumns[n.field]
	if n.field == "" {
		col, isCol = column{"message", colMessage}, true
	}
	if isCol && (col.kind == colNumber || col.kind == colTime || col.name == "raw" || col.name == "id") {
		return nil
	}
	r := &gramReq{rest: !isCol || !headColumn(col.name)}
	if !n.wild && (!isCol || col.kind == colText) {
		// A whole value: message terms are parts, wildcards patterns.
		r.value, r.has = valueHash(lower(n.value)), true
	}
	low := strings.ToLower(n.value)
	for _, piece := range strings.FieldsFunc(low, func(c rune) bool { return c == wildStar || c == wildOne }) {
		for i := 0; i+3 <= len(piece); i++ {
			r.grams = append(r.grams, uint32(piece[i])|uint32(piece[i+1])<<8|uint32(piece[i+2])<<16)
		}
		if len(piece) >= 3 && isASCII(piece) {
			r.pieces = append(r.pieces, piece)
		}
	}
	if len(r.grams) == 0 && !r.has {
		return nil
	}
	return r
}

// admits reports whether a block with filter f may hold a match.
func (r *gramReq) admits(f []byte) bool {
	if r == nil || len(f) < 8 || len(f)&(len(f)-1) != 0 {
		return true // no requirement, or not a filter this code wrote
	}
	mask := uint64(len(f)*8 - 1)
	return r.holds(func(t *gramReq) bool {
		if t.has {
			h1, h2 := valueBits(t.value)
			h1, h2 = h1&mask, h2&mask
			if f[h1>>3]&(1<<(h1&7)) == 0 || f[h2>>3]&(1<<(h2&7)) == 0 {
				return false
			}
		}
		for _, g := range t.grams {
			h1, h2 := gramBits(g)
			h1, h2 = h1&mask, h2&mask
			if f[h1>>3]&(1<<(h1&7)) == 0 || f[h2>>3]&(1<<(h2&7)) == 0 {
				return false
			}
		}
		return true
	})
}

// holds reports whether requirement r holds when own tells whether a
// node's own terms (its value, grams, pieces) do: those, every and, one
// or.
func (r *gramReq) holds(own func(t *gramReq) bool) bool {
	if r == nil {
		return true
	}
	if !own(r) {
		return false
	}
	for _, k := range r.and {
		if !k.holds(own) {
			return false
		}
	}
	if len(r.or) > 0 {
		for _, k := range r.or {
			if k.holds(own) {
				return true
			}
		}
		return false
	}
	return true
}

// restPieces says whether r has pieces of a term on values in a split
// block's rests.
func (r *gramReq) restPieces() bool {
	if r == nil {
		return false
	}
	if r.rest && len(r.pieces) > 0 {
		return true
	}
	for _, k := range r.and {
		if k.restPieces() {
			return true
		}
	}
	for _, k := range r.or {
		if k.restPieces() {
			return true
		}
	}
	return false
}

// Block bytes. A value an event holds is stored as it is in the block's
// encoded form, so a block whose decompressed bytes do not hold a term's
// piece, ignoring ASCII case, holds no event the term matches: it is not
// decoded. (Decoding was half of a search for a rare address that the
// trigram filters could not rule out.) Lowering is strings.ToLower's,
// under which two non-ASCII letters become ASCII ones: 'İ' (U+0130) 'i'
// and the Kelvin sign (U+212A) 'k'. A piece with an 'i' or a 'k' rules
// out no block that holds either of them.

// blockText is a decompressed block as admitsBytes reads it.
type blockText struct {
	s, rest string // a split block's heads and (when read) rests; an older block's whole batch
	// partial says s holds a split block's heads and its rests are not
	// read: terms on values in the rests are not ruled out.
	partial           bool
	checked, oddLower bool // whether they hold 'İ' or 'K' (looked for once)
}

// admitsBytes reports whether a block whose decompressed bytes are b may
// hold a match.
func (r *gramReq) admitsBytes(b *blockText) bool {
	return r.holds(func(t *gramReq) bool {
		if t.rest && b.partial {
			return true
		}
		for _, p := range t.pieces {
			if indexFold(b.s, p) >= 0 || (b.rest != "" && indexFold(b.rest, p) >= 0) {
				continue
			}
			if strings.ContainsAny(p, "ik") {
				if !b.checked {
					b.checked = true
					b.oddLower = strings.Contains(b.s, "\u0130") || strings.Contains(b.s, "\u212a") ||
						strings.Contains(b.rest, "\u0130") || strings.Contains(b.rest, "\u212a")
				}
				if b.oddLower {
					continue
				}
			}
			return false
		}
		return true
	})
}

// commonness ranks bytes by how often they occur in log text (higher:
// more often), to pick the byte a search looks for first.
var commonness = func() [256]uint8 {
	var t [256]uint8
	for c := range t {
		t[c] = 4 // other punctuation, control and non-ASCII bytes
	}
	for i, c := range []byte("zqjxkvbpygfwmucldrhsnioate") {
		t[c] = uint8(6 + i) // letters, the rarest first
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 20
	}
	for _, c := range []byte(`.:=-/"_,`) {
		t[c] = 20
	}
	t[' '] = 40
	return t
}()

// indexFold is the index in s of the first place that equals ASCII
// lower-case low ignoring ASCII case, or -1. Candidates are found by the
// rarest byte of low (strings.IndexByte is vectorised), in either case for
// a letter; a low without letters is found by strings.Index.
func indexFold(s, low string) int {
	a, letters := 0, false
	for i := 0; i < len(low); i++ {
		c := low[i]
		if 'a' <= c && c <= 'z' {
			letters = true
		}
		if commonness[c] < commonness[low[a]] {
			a = i
		}
	}
	if !letters {
		return strings.Index(s, low)
	}
	n := len(low)
	lo, up := low[a], low[a]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	end := len(s) - (n - a) + 1 // anchors at or past end leave no room
	// The next anchor at or after i in either case: -1 none, -2 not
	// looked for yet (each case is looked for again only once passed).
	nextLo, nextUp := -2, -2
	if up == lo {
		nextUp = -1
	}
	find := func(c byte, i int) int {
		if k := strings.IndexByte(s[i:end], c); k >= 0 {
			return i + k
		}
		return -1
	}
	for i := a; i < end; {
		if nextLo != -1 && nextLo < i {
			nextLo = find(lo, i)
		}
		if nextUp != -1 && nextUp < i {
			nextUp = find(up, i)
		}
		j := nextLo
		if j < 0 || (nextUp >= 0 && nextUp < j) {
			j = nextUp
		}
		if j < 0 {
			return -1
		}
		if equalFoldASCII(s[j-a:j-a+n], low) {
			return j - a
		}
		i = j + 1
	}
	return -1
}
