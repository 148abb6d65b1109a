package sigma

import (
	"slices"
	"sort"
	"strings"
)

// A prefilter keeps a route from evaluating rules that cannot match. For
// each rule it derives clauses — sets of atoms "field F contains literal
// L" — that must all hold for the rule to match, at least one atom per
// clause (each selection test with literals is a clause of a selection;
// an and keeps its children's clauses; an or is one clause uniting one
// clause of each child; not gives none). Per event it runs one
// literal index (litIndex) per field over the folded value, sets the bits
// of the clauses whose atoms were found, and evaluates only the rules
// with all clause bits set, and the rules without clauses.
type prefilter struct {
	always []int32 // rules without clauses: always evaluated
	need   []uint64
	fields []prefilterField
}

// prefilterField is the index over one field's literals (slot -1:
// keyword values).
type prefilterField struct {
	slot  int
	idx   *litIndex
	posts [][]int32 // per literal id: rule<<6 | clause bit
}

// maxClauses bounds the clauses kept per rule (one bit each).
const maxClauses = 64

// atom is a necessary literal in a field.
type atom struct {
	slot int
	lit  string
}

// atomSet is a disjunction of atoms; nil means "no necessary literal".
type atomSet []atom

// better ranks atom sets by length alone: longer shortest literal first,
// then fewer atoms.
func (s atomSet) better(o atomSet) bool {
	if o == nil {
		return s != nil
	}
	if s == nil {
		return false
	}
	ms, mo := s.minLen(), o.minLen()
	if ms != mo {
		return ms > mo
	}
	return len(s) < len(o)
}

// commonness estimates how often each atom holds: the number of the
// route's literals (in the atom's field) that contain it. Rule authors'
// literals are drawn from real values, so a piece inside hundreds of them
// ("\\windows\\", ".exe") is in most events too, while a tool's name is
// in few. No data needed; counted with one literal index per field.
type commonness map[atom]int

// cost is a clause's estimated chance of holding: the sum of its atoms'
// commonness.
func (c commonness) cost(s atomSet) int {
	n := 0
	for _, a := range s {
		n += c[a]
	}
	return n
}

// better ranks atom sets for the prefilter: the rarer clause first, then
// by length. With no counts it is atomSet.better.
func (c commonness) better(s, o atomSet) bool {
	if c == nil || s == nil || o == nil {
		return s.better(o)
	}
	if cs, co := c.cost(s), c.cost(o); cs != co {
		return cs < co
	}
	return s.better(o)
}

// countCommonness counts, for every atom the rules' tests offer, the
// literals of its field that contain it.
func countCommonness(rules []*compiledRule) commonness {
	byField := map[int]map[string]bool{}
	for _, cr := range rules {
		for si := range cr.sels {
			for _, conj := range cr.sels[si].alts {
				for ti := range conj {
					for _, a := range testAtoms(&conj[ti]) {
						if byField[a.slot] == nil {
							byField[a.slot] = map[string]bool{}
						}
						byField[a.slot][a.lit] = true
					}
				}
			}
		}
	}
	c := commonness{}
	var found []int32
	for slot, set := range byField {
		lits := make([]string, 0, len(set))
		for l := range set {
			lits = append(lits, l)
		}
		sort.Strings(lits)
		x := newLitIndex(lits)
		seen := make([]int, len(lits)) // last literal (1-based) that counted an atom
		for li, l := range lits {
			found = x.scan(l, found[:0])
			for _, id := range found {
				if seen[id] != li+1 {
					seen[id] = li + 1
					c[atom{slot, lits[id]}]++
				}
			}
		}
	}
	return c
}

func (s atomSet) minLen() int {
	m := 1 << 30
	for _, a := range s {
		m = min(m, len(a.lit))
	}
	return m
}

// patternLiteral returns the longest literal a value matching p must
// contain, or "" when there is none. For windash patterns the literal
// must not span a dash character (the value's dashes vary).
func patternLiteral(p *strPattern, dash bool) string {
	var cands []string
	switch p.op {
	case opEq, opPrefix, opSuffix, opContains:
		cands = []string{p.lit}
	case opGlob:
		for _, g := range p.glob {
			if !g.star && !g.one {
				cands = append(cands, g.lit)
			}
		}
	}
	best := ""
	for _, c := range cands {
		pieces := []string{c}
		if dash {
			pieces = strings.FieldsFunc(c, func(r rune) bool { return strings.ContainsRune(windashChars, r) })
		}
		for _, p := range pieces {
			if len(p) > len(best) {
				best = p
			}
		}
	}
	return best
}

// atomOf folds a literal for the automata, which scan folded values.
// (Cutting atoms to a short window made the automata smaller but far less
// selective — path prefixes like "c:\windows\" are in every event — and
// halved the rate; whole literals it is.)
func atomOf(lit string) string { return foldString(lit) }

// testAtoms returns the atoms one of which must hold for t to hold.
func testAtoms(t *test) atomSet {
	if t.kind == tRe && !t.neg && !t.all && t.slot >= 0 {
		var set atomSet
		for _, re := range t.res {
			lits := regexLiterals(re.String())
			if lits == nil {
				return nil
			}
			for _, l := range lits {
				set = append(set, atom{t.slot, atomOf(l)})
			}
		}
		return set
	}
	if t.kind != tStr || t.neg || len(t.pats) == 0 {
		return nil
	}
	if t.all {
		// One value suffices: take the one with the longest literal.
		best := ""
		for i := range t.pats {
			if l := patternLiteral(&t.pats[i], t.dash); len(l) > len(best) {
				best = l
			}
		}
		if best == "" {
			return nil
		}
		return atomSet{{t.slot, atomOf(best)}}
	}
	set := make(atomSet, 0, len(t.pats))
	for i := range t.pats {
		l := patternLiteral(&t.pats[i], t.dash)
		if l == "" {
			return nil
		}
		set = append(set, atom{t.slot, atomOf(l)})
	}
	return set
}

// selectionClauses: a selection with one alternative gives a clause per
// test that has atoms; with several, one clause uniting each
// alternative's best test (none when an alternative has no atoms).
func (c commonness) selectionClauses(s *selection) []atomSet {
	if len(s.alts) == 1 {
		var out []atomSet
		for i := range s.alts[0] {
			if a := testAtoms(&s.alts[0][i]); a != nil {
				out = append(out, a)
			}
		}
		return out
	}
	var union atomSet
	for _, conj := range s.alts {
		var best atomSet
		for i := range conj {
			if a := testAtoms(&conj[i]); c.better(a, best) {
				best = a
			}
		}
		if best == nil {
			return nil
		}
		union = append(union, best...)
	}
	return []atomSet{union}
}

func (c commonness) bestClause(cs []atomSet) atomSet {
	var best atomSet
	for _, s := range cs {
		if c.better(s, best) {
			best = s
		}
	}
	return best
}

func (c commonness) nodeClauses(n *node, sels []selection) []atomSet {
	switch n.op {
	case nSel:
		return c.selectionClauses(&sels[n.sel])
	case nAnd:
		var out []atomSet
		for _, k := range n.kids {
			out = append(out, c.nodeClauses(k, sels)...)
		}
		return out
	case nOr:
		var union atomSet
		for _, k := range n.kids {
			b := c.bestClause(c.nodeClauses(k, sels))
			if b == nil {
				return nil
			}
			union = append(union, b...)
		}
		return []atomSet{union}
	}
	return nil
}

// weakLen is the length below which an atom says almost nothing: one
// byte (" ", "a", "-") is in nearly every command line.
const weakLen = 2

// strongClauses drops the clauses whose shortest atom is weak when the
// rule has a stronger one: they admit nearly every event anyway, and
// each found weak literal costs a visit to every rule that names it.
// (Every clause is necessary, so any subset still admits every event the
// rule can match.)
func strongClauses(cs []atomSet) []atomSet {
	best := 0
	for _, c := range cs {
		best = max(best, c.minLen())
	}
	if best < weakLen {
		return cs
	}
	return slices.DeleteFunc(cs, func(c atomSet) bool { return c.minLen() < weakLen })
}

// buildPrefilter indexes a route's rules.
func buildPrefilter(rules []*compiledRule) (*prefilter, error) {
	pf := &prefilter{need: make([]uint64, len(rules))}
	type fieldLits struct {
		ids   map[string]int
		lits  []string
		posts [][]int32
	}
	fields := map[int]*fieldLits{}
	var order []int
	common := countCommonness(rules)
	for i, cr := range rules {
		clauses := strongClauses(common.nodeClauses(cr.cond, cr.sels))
		if len(clauses) > maxClauses {
			// Keep the most selective ones; fewer clauses only admit
			// more candidates.
			sort.SliceStable(clauses, func(a, b int) bool { return common.better(clauses[a], clauses[b]) })
			clauses = clauses[:maxClauses]
		}
		if len(clauses) == 0 {
			pf.always = append(pf.always, int32(i))
			continue
		}
		for ci, set := range clauses {
			pf.need[i] |= 1 << ci
			for _, a := range set {
				f := fields[a.slot]
				if f == nil {
					f = &fieldLits{ids: map[string]int{}}
					fields[a.slot] = f
					order = append(order, a.slot)
				}
				id, ok := f.ids[a.lit]
				if !ok {
					id = len(f.lits)
					f.ids[a.lit] = id
					f.lits = append(f.lits, a.lit)
					f.posts = append(f.posts, nil)
				}
				post := int32(i)<<6 | int32(ci)
				if ps := f.posts[id]; len(ps) == 0 || ps[len(ps)-1] != post {
					f.posts[id] = append(f.posts[id], post)
				}
			}
		}
	}
	for _, slot := range order {
		f := fields[slot]
		pf.fields = append(pf.fields, prefilterField{slot: slot, idx: newLitIndex(f.lits), posts: f.posts})
	}
	return pf, nil
}

// candidates appends to out the indexes of the rules to evaluate, in
// rule order. hits is scratch with one word per rule, all zero; it is
// left zero.
func (pf *prefilter) candidates(d *Doc, hits []uint64, touched []int32, out []int32) ([]int32, []int32) {
	touched = touched[:0]
	for fi := range pf.fields {
		f := &pf.fields[fi]
		if f.slot < 0 {
			touched = f.scan(d, d.keywordText(), hits, touched)
			continue
		}
		if !d.has(f.slot) {
			continue
		}
		touched = f.scan(d, d.value(f.slot, false, false), hits, touched)
		if len(d.more) > 0 {
			for _, v := range d.extra(f.slot, false, false) {
				touched = f.scan(d, v, hits, touched)
			}
		}
	}
	out = append(out, pf.always...)
	for _, r := range touched {
		if hits[r] == pf.need[r] {
			out = append(out, r)
		}
		hits[r] = 0
	}
	slices.Sort(out)
	return out, touched
}

func (f *prefilterField) scan(d *Doc, v string, hits []uint64, touched []int32) []int32 {
	d.found = f.idx.scan(v, d.found[:0])
	for _, id := range d.found {
		for _, p := range f.posts[id] {
			r := p >> 6
			if hits[r] == 0 {
				touched = append(touched, r)
			}
			hits[r] |= 1 << (p & 63)
		}
	}
	return touched
}
