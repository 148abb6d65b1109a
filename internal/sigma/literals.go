package sigma

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// litIndex finds which of a fixed set of literals occur in a text. It is
// the prefilter's scanner, built for thousands of literals per field
// (SigmaHQ's process_creation rules give ≈ 9,700) over short texts (a
// command line, a path).
//
// An Aho-Corasick DFA over that many literals is tens of megabytes (one
// row of transitions per state), so its scan misses the cache on nearly
// every byte. Instead each literal of four bytes or more is anchored on
// one of its 4-byte grams, the one fewest other literals share, and the
// scan hashes the text's gram at every position, tests a small bit set
// (which stays in the first-level cache), and only on a hit looks the
// gram up and compares the literals anchored on it in place. Literals of
// two or three bytes are keyed the same way on their first two bytes,
// one-byte literals by a table. Like Hyperscan's FDR, minus the SIMD.
//
// When every literal is long (keyword searches, hashes, most paths) the
// index skips instead, as Wu and Manber's multi-pattern search does: with
// m the shortest literal's length, a window of m bytes ends at each
// probe; a table says, for the window's last 4-byte gram, how far the
// window may move before any literal's first m bytes could fit in it,
// and only a gram that ends some literal's first m bytes (distance 0) is
// looked up and verified. Over long literals most probes move the window
// by nearly m bytes, so a text costs about len/m probes, not len.
type litIndex struct {
	lits []string

	// skip is the skip table (nil: scan every position); grams then
	// holds the literals keyed on the gram that ends their first m bytes.
	skip     []uint8
	skipBits uint
	m        int

	grams gramTable // 4-byte anchors of literals of len >= 4
	pairs gramTable // first two bytes of literals of len 2 and 3
	// pairSet has a bit for each pair key: exact, and one load without a
	// multiply (nil when there are no pairs).
	pairSet *[1 << 16 / 64]uint64
	one     [256]int32
	// hasOne skips the one-byte pass when there are no such literals.
	hasOne bool
}

// gramTable maps a key (a 4-byte gram, or a 2-byte prefix) to the
// literals anchored on it, behind a blocked Bloom filter of the keys: a
// key sets two bits of one 64-bit word, so a test is one load.
type gramTable struct {
	bloom     []uint64
	wordShift uint // 64 - log2(len(bloom))
	slots     []gramSlot
	slotBits  uint
	cands     []gramCand
}

type gramSlot struct {
	key      uint32
	start, n uint32 // cands[start:start+n]; n == 0: empty slot
}

// gramCand is a literal anchored at off bytes into it.
type gramCand struct {
	lit int32
	off int32
}

const (
	gramMul  = 0x9E3779B1         // slots
	bloomMul = 0x9E3779B97F4A7C15 // Bloom words and bits
)

func (t *gramTable) hash(key uint32, bits uint) uint32 { return (key * gramMul) >> (32 - bits) }

// bloomProbe returns a key's word in a filter of 64-bit words (the top
// bits of the product) and its two bits (from the middle).
func bloomProbe(key uint32, wordShift uint) (uint64, uint64) {
	h := uint64(key) * bloomMul
	return h >> wordShift, 1<<(h>>20&63) | 1<<(h>>26&63)
}

// build fills the table from keyed candidates.
func (t *gramTable) build(keys []uint32, cands []gramCand) {
	if len(keys) == 0 {
		return
	}
	byKey := map[uint32][]gramCand{}
	var order []uint32
	for i, k := range keys {
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], cands[i])
	}
	// About 16 bits per key keeps false hits near 1% (two bits a key)
	// while the filter stays small: 8 KiB for 4,000 keys, at most 64 KiB.
	bloomBits := uint(max(10, min(19, bits.Len(uint(len(order)*16)))))
	t.bloom = make([]uint64, 1<<bloomBits/64)
	t.wordShift = 64 - (bloomBits - 6)
	t.slotBits = uint(bits.Len(uint(len(order) * 2)))
	t.slots = make([]gramSlot, 1<<t.slotBits)
	mask := uint32(len(t.slots) - 1)
	for _, k := range order {
		w, m := bloomProbe(k, t.wordShift)
		t.bloom[w] |= m
		s := t.hash(k, t.slotBits)
		for t.slots[s].n != 0 {
			s = (s + 1) & mask
		}
		cs := byKey[k]
		t.slots[s] = gramSlot{key: k, start: uint32(len(t.cands)), n: uint32(len(cs))}
		t.cands = append(t.cands, cs...)
	}
}

// lookup returns the candidates keyed k (after the bit set said maybe).
func (t *gramTable) lookup(k uint32) []gramCand {
	mask := uint32(len(t.slots) - 1)
	for s := t.hash(k, t.slotBits); ; s = (s + 1) & mask {
		sl := &t.slots[s]
		if sl.n == 0 {
			return nil
		}
		if sl.key == k {
			return t.cands[sl.start : sl.start+sl.n]
		}
	}
}

func (t *gramTable) maybe(k uint32) bool {
	if t.bloom == nil {
		return false
	}
	w, m := bloomProbe(k, t.wordShift)
	return t.bloom[w]&m == m
}

func gramAt(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }

func pairAt(b []byte, i int) uint32 { return uint32(binary.LittleEndian.Uint16(b[i:])) }

// newLitIndex indexes lits (distinct, non-empty); the ids reported by
// scan are indexes into lits.
func newLitIndex(lits []string) *litIndex {
	x := &litIndex{lits: lits}
	for i := range x.one {
		x.one[i] = -1
	}
	// How many literals contain each gram: a literal's rarest gram is its
	// anchor, so that a bucket holds few literals and common text ("ows\",
	// ".exe") rarely leads to one.
	freq := map[uint32]int32{}
	seen := map[uint32]bool{}
	for _, l := range lits {
		if len(l) < 4 {
			continue
		}
		clear(seen)
		b := unsafe.Slice(unsafe.StringData(l), len(l))
		for i := 0; i+4 <= len(b); i++ {
			g := gramAt(b, i)
			if !seen[g] {
				seen[g] = true
				freq[g]++
			}
		}
	}
	if x.buildSkip() {
		return x
	}
	var gkeys, pkeys []uint32
	var gcands, pcands []gramCand
	for id, l := range lits {
		b := unsafe.Slice(unsafe.StringData(l), len(l))
		switch {
		case len(b) == 1:
			x.one[b[0]] = int32(id)
			x.hasOne = true
		case len(b) < 4:
			pkeys = append(pkeys, pairAt(b, 0))
			pcands = append(pcands, gramCand{lit: int32(id)})
		default:
			best, bestFreq := 0, int32(1<<30)
			for i := 0; i+4 <= len(b); i++ {
				if f := freq[gramAt(b, i)]; f < bestFreq {
					best, bestFreq = i, f
				}
			}
			gkeys = append(gkeys, gramAt(b, best))
			gcands = append(gcands, gramCand{lit: int32(id), off: int32(best)})
		}
	}
	x.grams.build(gkeys, gcands)
	x.pairs.build(pkeys, pcands)
	if len(pkeys) > 0 {
		x.pairSet = new([1 << 16 / 64]uint64)
		for _, k := range pkeys {
			x.pairSet[k>>6] |= 1 << (k & 63)
		}
	}
	return x
}

// minSkip is the shortest literal length for which the index skips: a
// window of minSkip bytes moves by up to minSkip-3 bytes a probe.
const minSkip = 8

// buildSkip builds the skip table when every literal has at least
// minSkip bytes, and reports whether it did.
func (x *litIndex) buildSkip() bool {
	m := 1 << 30
	for _, l := range x.lits {
		m = min(m, len(l))
	}
	if len(x.lits) == 0 || m < minSkip {
		return false
	}
	// A move is at most m-3 bytes and is kept in a byte: windows of more
	// than 64 bytes gain little (texts are short) and would not fit.
	m = min(m, 64)
	x.m = m
	grams := len(x.lits) * (m - 3)
	// Four slots per gram keep collisions (which only shorten moves) rare;
	// 32 KiB at most stays in the first-level cache.
	x.skipBits = uint(max(8, min(15, bits.Len(uint(grams*4)))))
	x.skip = make([]uint8, 1<<x.skipBits)
	for i := range x.skip {
		x.skip[i] = uint8(m - 3)
	}
	keys := make([]uint32, 0, len(x.lits))
	cands := make([]gramCand, 0, len(x.lits))
	for id, l := range x.lits {
		b := unsafe.Slice(unsafe.StringData(l), len(l))
		for i := 0; i+4 <= m; i++ {
			h := x.grams.hash(gramAt(b, i), x.skipBits)
			x.skip[h] = min(x.skip[h], uint8(m-4-i))
		}
		keys = append(keys, gramAt(b, m-4))
		cands = append(cands, gramCand{lit: int32(id), off: int32(m - 4)})
	}
	x.grams.build(keys, cands)
	return true
}

// scan appends to found the id of every literal occurring in v (an id
// once per occurrence; callers treat repeats as one).
func (x *litIndex) scan(v string, found []int32) []int32 {
	n := len(v)
	if n == 0 {
		return found
	}
	b := unsafe.Slice(unsafe.StringData(v), n) // read only
	if x.skip != nil {
		skip, bits := x.skip, x.skipBits
		for i := x.m - 4; i+4 <= n; {
			g := binary.LittleEndian.Uint32(b[i:])
			if s := skip[(g*gramMul)>>(32-bits)]; s != 0 {
				i += int(s)
				continue
			}
			found = x.verify(x.grams.lookup(g), v, i, found)
			i++
		}
		return found
	}
	gb, gshift := x.grams.bloom, x.grams.wordShift
	ps := x.pairSet
	i := 0
	if gb != nil {
		for ; i+4 <= n; i++ {
			g := binary.LittleEndian.Uint32(b[i:])
			if w, m := bloomProbe(g, gshift); gb[w]&m == m {
				found = x.verify(x.grams.lookup(g), v, i, found)
			}
			if ps != nil {
				if p := g & 0xffff; ps[p>>6]&(1<<(p&63)) != 0 {
					found = x.verify(x.pairs.lookup(p), v, i, found)
				}
			}
		}
	}
	if ps != nil {
		for ; i+2 <= n; i++ {
			if p := uint32(binary.LittleEndian.Uint16(b[i:])); ps[p>>6]&(1<<(p&63)) != 0 {
				found = x.verify(x.pairs.lookup(p), v, i, found)
			}
		}
	}
	if x.hasOne {
		for i := 0; i < n; i++ {
			if id := x.one[b[i]]; id >= 0 {
				found = append(found, id)
			}
		}
	}
	return found
}

// verify appends the candidates anchored at position i that occur there.
func (x *litIndex) verify(cands []gramCand, v string, i int, found []int32) []int32 {
	for _, c := range cands {
		l := x.lits[c.lit]
		start := i - int(c.off)
		if start >= 0 && start+len(l) <= len(v) && v[start:start+len(l)] == l {
			found = append(found, c.lit)
		}
	}
	return found
}
