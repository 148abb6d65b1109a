package sigma

import (
	"sync"
	"time"
	"unsafe"
)

// Schema numbers the field names an engine's rules and routes read, so
// that evaluation indexes slices instead of hashing names.
type Schema struct {
	slots map[string]int
	names []string

	mu   sync.Mutex
	idx  *nameIndex // of names[:idxN], rebuilt when names have grown
	idxN int
}

// index returns the lookup table of the names so far.
func (s *Schema) index() *nameIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx == nil || s.idxN != len(s.names) {
		s.idx, s.idxN = newNameIndex(s.names), len(s.names)
	}
	return s.idx
}

func newSchema() *Schema { return &Schema{slots: map[string]int{}} }

// slot returns the slot of name, adding it when new.
func (s *Schema) slot(name string) int {
	if i, ok := s.slots[name]; ok {
		return i
	}
	i := len(s.names)
	s.slots[name] = i
	s.names = append(s.names, name)
	return i
}

// Doc is one event as the engine sees it: the values of the fields its
// rules read (others are not kept), the values keyword searches look
// through, and the event's time. A Doc is reused across events (Reset)
// and is not safe for concurrent use; make one per goroutine with
// Engine.NewDoc.
type Doc struct {
	schema *Schema
	names  *nameIndex
	cur    uint32
	gen    []uint32
	vals   []string
	more   map[int][]string // further values of multi-valued fields

	foldGen []uint32
	folded  []string
	dashGen []uint32
	dashed  []string

	keywords   []string
	kwFolded   []string
	kwText     string // kwFolded joined by NUL
	kwEnds     []int  // where each value ends in kwText
	kwFoldDone bool

	// Time is when the event happened (for correlations and time
	// modifiers on the event's own time).
	Time time.Time

	f     *folder
	arena []byte // folded values of this event
	flat  Flat   // scratch for adapters that flatten first
	memo  []int8
	// route dispatch: the routes taken per key (see dispatch.go)
	key        []byte
	routeCache map[string][]int32
	routeOwner *Engine
	// prefilter scratch
	hits    []uint64
	touched []int32
	cands   []int32
	found   []int32
}

func newDoc(s *Schema) *Doc {
	n := len(s.names)
	return &Doc{schema: s, names: s.index(), cur: 1, gen: make([]uint32, n), vals: make([]string, n),
		foldGen: make([]uint32, n), folded: make([]string, n), dashGen: make([]uint32, n), dashed: make([]string, n), f: newFolder()}
}

// Reset empties the doc for the next event.
func (d *Doc) Reset() {
	d.cur++
	if d.cur == 0 { // wrapped: clear stamps
		clear(d.gen)
		clear(d.foldGen)
		clear(d.dashGen)
		d.cur = 1
	}
	if d.more != nil {
		clear(d.more)
	}
	d.arena = d.arena[:0]
	d.keywords = d.keywords[:0]
	d.kwFolded = d.kwFolded[:0]
	d.kwFoldDone = false
	d.Time = time.Time{}
}

// Set records a field value. Fields no rule reads are ignored; setting a
// field twice makes it multi-valued (a rule matches when any value does).
func (d *Doc) Set(name, value string) {
	i, ok := d.names.lookup(name)
	if !ok {
		return
	}
	d.setSlot(i, value)
}

func (d *Doc) setSlot(i int, value string) {
	if d.gen[i] == d.cur {
		if d.more == nil {
			d.more = map[int][]string{}
		}
		d.more[i] = append(d.more[i], value)
		return
	}
	d.gen[i] = d.cur
	d.vals[i] = value
}

// AddKeyword adds a value that field-less (keyword) searches look
// through: the message for syslog events, every data value for Windows
// events.
func (d *Doc) AddKeyword(v string) { d.keywords = append(d.keywords, v) }

// Reads reports whether any loaded rule or route reads field name; an
// adapter can skip computing values nobody reads.
func (d *Doc) Reads(name string) bool {
	_, ok := d.names.lookup(name)
	return ok
}

func (d *Doc) has(i int) bool { return d.gen[i] == d.cur }

// value returns slot i's first value in the representation a test needs:
// folded unless cased, dash-canonical for windash.
func (d *Doc) value(i int, cased, dash bool) string {
	switch {
	case !cased && !dash:
		if d.foldGen[i] != d.cur {
			d.foldGen[i] = d.cur
			d.arena, d.folded[i] = d.f.foldInto(d.arena, d.vals[i])
		}
		return d.folded[i]
	case !cased && dash:
		if d.dashGen[i] != d.cur {
			d.dashGen[i] = d.cur
			d.dashed[i] = canonDash(d.value(i, false, false))
		}
		return d.dashed[i]
	case dash:
		return canonDash(d.vals[i])
	}
	return d.vals[i]
}

// extra returns slot i's further values, prepared as value does.
func (d *Doc) extra(i int, cased, dash bool) []string {
	more := d.more[i]
	if len(more) == 0 {
		return nil
	}
	out := make([]string, len(more))
	for k, v := range more {
		if !cased {
			v = d.f.fold(v)
		}
		if dash {
			v = canonDash(v)
		}
		out[k] = v
	}
	return out
}

// keywordValues returns the keyword values, folded unless cased.
func (d *Doc) keywordValues(cased bool) []string {
	if cased {
		return d.keywords
	}
	d.foldKeywords()
	return d.kwFolded
}

// keywordText returns the folded keyword values joined by NUL bytes, so
// that the prefilter scans them in one pass. A literal found across a
// joint only makes a rule a candidate; its evaluation reads the values.
func (d *Doc) keywordText() string {
	d.foldKeywords()
	return d.kwText
}

// foldKeywords folds the keyword values once per event, one after the
// other in the arena.
func (d *Doc) foldKeywords() {
	if d.kwFoldDone {
		return
	}
	d.kwFoldDone = true
	start := len(d.arena)
	ends := d.kwEnds[:0]
	for _, k := range d.keywords {
		n := len(d.arena)
		var f string
		d.arena, f = d.f.foldInto(d.arena, k)
		if len(d.arena) == n { // already folded: not copied
			d.arena = append(d.arena, f...)
		}
		ends = append(ends, len(d.arena)-start)
		d.arena = append(d.arena, 0)
	}
	d.kwEnds = ends
	if len(d.arena) == start {
		d.kwText = ""
		return
	}
	d.kwText = unsafe.String(&d.arena[start], len(d.arena)-start)
	off := 0
	for _, end := range ends {
		d.kwFolded = append(d.kwFolded, d.kwText[off:end])
		off = end + 1
	}
}
