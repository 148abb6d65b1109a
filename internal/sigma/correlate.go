package sigma

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// compiledCorr is a correlation with its references resolved.
type compiledCorr struct {
	c *Correlation
	// refs: rule or correlation id/name -> position in c.Rules
	refs map[string]int
	// group field slot per referenced position (aliases resolved); -1
	// when the field is carried by an upstream correlation's group.
	groupSlots [][]int
	valueSlot  []int // value_* field per referenced position
}

// addCorrelations checks correlations and registers the fields they read.
func (e *Engine) addCorrelations(cs []*Correlation) []error {
	var errs []error
	known := map[string]bool{}
	for _, r := range e.rules {
		known[r.ID] = true
		if r.Name != "" {
			known[r.Name] = true
		}
	}
	for _, c := range cs {
		known[c.ID] = true
		if c.Name != "" {
			known[c.Name] = true
		}
	}
	e.referenced = map[string]bool{}
	for _, c := range cs {
		var missing []string
		for _, ref := range c.Rules {
			if !known[ref] {
				missing = append(missing, ref)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, &RuleError{File: c.File, Line: c.Line, ID: c.ID,
				Reason: fmt.Sprintf("correlation refers to rules that are not loaded: %s", strings.Join(missing, ", "))})
			continue
		}
		for _, ref := range c.Rules {
			if !c.Generate {
				e.referenced[ref] = true
			}
		}
		for _, g := range c.GroupBy {
			e.schema.slot(g)
			for _, f := range c.Aliases[g] {
				e.schema.slot(f)
			}
		}
		if c.Condition.Field != "" {
			e.schema.slot(c.Condition.Field)
		}
		e.corrs = append(e.corrs, c)
	}
	return errs
}

// Standalone reports whether matches of r are alerts of their own: false
// when a correlation uses r without "generate: true".
func (e *Engine) Standalone(r *Rule) bool {
	return !e.referenced[r.ID] && (r.Name == "" || !e.referenced[r.Name])
}

// Correlations returns the loaded correlations.
func (e *Engine) Correlations() []*Correlation { return e.corrs }

// CorrelationMatch is a correlation whose condition held for a group.
type CorrelationMatch struct {
	Correlation *Correlation
	Tenant      int64
	// Group holds the group-by values (alias names as keys).
	Group map[string]string
	// Value is what the condition compared: the count, distinct values,
	// sum, average or percentile.
	Value       float64
	First, Last time.Time
}

// Limits bound a correlator's memory.
type Limits struct {
	// Groups is the most groups kept over all correlations and tenants;
	// the stalest group is evicted (and counted) beyond it.
	Groups int
	// Values is the most timestamps or values kept per group.
	Values int
}

// DefaultLimits keep correlation state to a few tens of MB.
var DefaultLimits = Limits{Groups: 100000, Values: 10000}

// Correlator keeps correlation state per tenant and group, in memory and
// bounded by Limits. It is safe for concurrent use.
type Correlator struct {
	e      *Engine
	lim    Limits
	corrs  []*compiledCorr
	byRef  map[string][]int // rule or correlation ref -> correlations using it
	mu     sync.Mutex
	groups map[string]*groupState // by groupKey
	// recent lists the groups from the most (head) to the least recently
	// observed (tail), which is evicted first.
	head, tail *groupState
	keyBuf     []byte
	// upper counts the groups of fewer-than correlations, which Flush
	// decides; flushed is when it last looked.
	upper   int
	flushed time.Time
	// Evicted counts groups dropped to stay within Limits.Groups, and
	// Truncated values dropped within a group: nothing is lost silently.
	Evicted, Truncated int64
}

// A group's key is 8 bytes of correlation index, 8 of tenant, then each
// group-by value followed by a NUL: one string, so that looking a group
// up from scratch bytes allocates nothing.
const groupKeyPrefix = 16

func groupKey(buf []byte, corr int, tenant int64) []byte {
	buf = binary.BigEndian.AppendUint64(buf[:0], uint64(corr))
	return binary.BigEndian.AppendUint64(buf, uint64(tenant))
}

// groupValues are the group-by values of key, by field. They are made
// when a correlation fires, not kept per group.
func groupValues(corr *Correlation, key string) map[string]string {
	group := make(map[string]string, len(corr.GroupBy))
	rest := key[groupKeyPrefix:]
	for _, g := range corr.GroupBy {
		i := strings.IndexByte(rest, 0)
		group[g] = rest[:i]
		rest = rest[i+1:]
	}
	return group
}

type groupState struct {
	corr   int
	tenant int64
	first  time.Time
	last   time.Time
	times  []time.Time       // event_count
	vals   []timedValue      // value_* (numbers) and value_count (text)
	seen   map[int]time.Time // temporal: position -> last time
	stages []time.Time       // temporal_ordered: start of the sequence per reached stage
	hasStg []bool

	key        string      // see groupKey; it holds copies of the values
	prev, next *groupState // in Correlator.recent
}

type timedValue struct {
	t time.Time
	s string
	f float64
}

// NewCorrelator makes a correlator for the engine's correlations.
func (e *Engine) NewCorrelator(lim Limits) *Correlator {
	if lim.Groups <= 0 {
		lim.Groups = DefaultLimits.Groups
	}
	if lim.Values <= 0 {
		lim.Values = DefaultLimits.Values
	}
	c := &Correlator{e: e, lim: lim, byRef: map[string][]int{}, groups: map[string]*groupState{}}
	for i, corr := range e.corrs {
		cc := &compiledCorr{c: corr, refs: map[string]int{}}
		for pos, ref := range corr.Rules {
			cc.refs[ref] = pos
			c.byRef[ref] = append(c.byRef[ref], i)
			var slots []int
			for _, g := range corr.GroupBy {
				field := g
				if a, ok := corr.Aliases[g][ref]; ok {
					field = a
				}
				slots = append(slots, e.schema.slots[field])
			}
			cc.groupSlots = append(cc.groupSlots, slots)
			vs := -1
			if corr.Condition.Field != "" {
				vs = e.schema.slots[corr.Condition.Field]
			}
			cc.valueSlot = append(cc.valueSlot, vs)
		}
		c.corrs = append(c.corrs, cc)
	}
	return c
}

// Observe feeds one event's rule matches (from MatchFor) and returns the
// correlations that fired, chained correlations included. d must still
// hold the event.
func (c *Correlator) Observe(tenant int64, d *Doc, ms []Match) []CorrelationMatch {
	if len(c.corrs) == 0 || len(ms) == 0 {
		return nil
	}
	t := d.Time
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []CorrelationMatch
	type input struct {
		ref   string
		group map[string]string // from an upstream correlation
	}
	var queue []input
	for _, m := range ms {
		queue = append(queue, input{ref: m.Rule.ID})
		if m.Rule.Name != "" && m.Rule.Name != m.Rule.ID {
			queue = append(queue, input{ref: m.Rule.Name})
		}
	}
	for depth := 0; len(queue) > 0 && depth < 16; depth++ {
		var next []input
		for _, in := range queue {
			for _, ci := range c.byRef[in.ref] {
				cc := c.corrs[ci]
				pos := cc.refs[in.ref]
				if fired, ok := c.feed(ci, cc, pos, tenant, t, d, in.group); ok {
					out = append(out, fired)
					next = append(next, input{ref: cc.c.ID, group: fired.Group})
					if cc.c.Name != "" && cc.c.Name != cc.c.ID {
						next = append(next, input{ref: cc.c.Name, group: fired.Group})
					}
				}
			}
		}
		queue = next
	}
	return out
}

func (c *Correlator) feed(ci int, cc *compiledCorr, pos int, tenant int64, t time.Time, d *Doc, upstream map[string]string) (CorrelationMatch, bool) {
	corr := cc.c
	// The key is built in scratch space; the group's values are copied
	// only when the group is new (most events join an existing group).
	c.keyBuf = groupKey(c.keyBuf, ci, tenant)
	for gi, g := range corr.GroupBy {
		var v string
		if upstream != nil {
			v = upstream[g]
		} else if s := cc.groupSlots[pos][gi]; d.has(s) {
			v = d.vals[s]
		}
		c.keyBuf = append(c.keyBuf, v...)
		c.keyBuf = append(c.keyBuf, 0)
	}
	st := c.groups[string(c.keyBuf)]
	var closed []CorrelationMatch
	if st != nil && upperOnly(corr) && t.Sub(st.first) > corr.Timespan {
		// The group's window has ended: decide it, then start over.
		if m, ok := c.decide(corr, tenant, st); ok {
			closed = append(closed, m)
		}
		c.drop(st)
		st = nil
	}
	if st == nil {
		c.evictIfFull()
		// The key is a copy: the values may point into a whole decoded
		// batch, which state kept for minutes would pin in memory.
		st = &groupState{corr: ci, tenant: tenant, first: t, key: string(c.keyBuf)}
		c.groups[st.key] = st
		if upperOnly(corr) {
			c.upper++
		}
	} else {
		c.unlink(st)
	}
	c.pushFront(st)
	if upperOnly(corr) {
		// Fewer-than conditions are decided when the window ends (by a
		// later event of the group or by Flush), not at each event.
		c.collect(cc, pos, corr, st, t, d)
		if len(closed) > 0 {
			return closed[0], true
		}
		return CorrelationMatch{}, false
	}
	if t.After(st.last) {
		st.last = t
	}
	from := t.Add(-corr.Timespan)
	var value float64
	switch corr.Type {
	case EventCount:
		st.times = append(dropBefore(st.times, from), t)
		if len(st.times) > c.lim.Values {
			st.times = st.times[len(st.times)-c.lim.Values:]
			c.Truncated++
		}
		value = float64(len(st.times))
	case ValueCount, ValueSum, ValueAvg, ValuePercentile:
		vs := cc.valueSlot[pos]
		if vs < 0 || !d.has(vs) {
			return CorrelationMatch{}, false
		}
		raw := d.vals[vs]
		tv := timedValue{t: t}
		if corr.Type == ValueCount {
			tv.s = strings.Clone(raw)
		}
		if corr.Type != ValueCount {
			f, err := parseNumber(raw)
			if err != nil {
				return CorrelationMatch{}, false
			}
			tv.f = f
		}
		st.vals = append(dropValuesBefore(st.vals, from), tv)
		if len(st.vals) > c.lim.Values {
			st.vals = st.vals[len(st.vals)-c.lim.Values:]
			c.Truncated++
		}
		value = aggregate(corr, st.vals)
	case Temporal:
		if st.seen == nil {
			st.seen = map[int]time.Time{}
		}
		st.seen[pos] = t
		n := 0
		for _, at := range st.seen {
			if !at.Before(from) {
				n++
			}
		}
		value = float64(n)
	case TemporalOrdered:
		n := len(corr.Rules)
		if st.stages == nil {
			st.stages = make([]time.Time, n)
			st.hasStg = make([]bool, n)
		}
		switch {
		case pos == 0:
			st.stages[0], st.hasStg[0] = t, true
		case st.hasStg[pos-1] && !st.stages[pos-1].Before(from):
			st.stages[pos], st.hasStg[pos] = st.stages[pos-1], true
		}
		value = 0
		for k := 0; k < n && st.hasStg[k] && !st.stages[k].Before(from); k++ {
			value = float64(k + 1)
		}
		if value < float64(n) {
			// Ordered correlations fire only on the full sequence.
			return CorrelationMatch{}, false
		}
	}
	if !holds(corr.Condition.Bounds, value) {
		return CorrelationMatch{}, false
	}
	m := CorrelationMatch{Correlation: corr, Tenant: tenant, Group: groupValues(corr, st.key), Value: value, First: st.first, Last: st.last}
	// Start over: the next alert for this group needs a fresh window.
	c.drop(st)
	return m, true
}

// upperOnly reports whether a counting correlation's condition only
// bounds from above (lt, lte): "fewer than N within the timespan", which
// can only be decided once the window has ended.
func upperOnly(c *Correlation) bool {
	if c.Type == Temporal || c.Type == TemporalOrdered {
		return false
	}
	for _, b := range c.Condition.Bounds {
		if b.Op != "lt" && b.Op != "lte" {
			return false
		}
	}
	return true
}

// collect adds the event to a fewer-than group's window.
func (c *Correlator) collect(cc *compiledCorr, pos int, corr *Correlation, st *groupState, t time.Time, d *Doc) {
	if t.After(st.last) {
		st.last = t
	}
	if corr.Type == EventCount {
		if len(st.times) < c.lim.Values {
			st.times = append(st.times, t)
		} else {
			c.Truncated++
		}
		return
	}
	vs := cc.valueSlot[pos]
	if vs < 0 || !d.has(vs) {
		return
	}
	tv := timedValue{t: t, s: strings.Clone(d.vals[vs])}
	if corr.Type != ValueCount {
		f, err := parseNumber(d.vals[vs])
		if err != nil {
			return
		}
		tv.f, tv.s = f, ""
	}
	if len(st.vals) < c.lim.Values {
		st.vals = append(st.vals, tv)
	} else {
		c.Truncated++
	}
}

// decide evaluates a fewer-than group over its whole window.
func (c *Correlator) decide(corr *Correlation, tenant int64, st *groupState) (CorrelationMatch, bool) {
	var v float64
	if corr.Type == EventCount {
		v = float64(len(st.times))
	} else if len(st.vals) > 0 {
		v = aggregate(corr, st.vals)
	}
	if !holds(corr.Condition.Bounds, v) {
		return CorrelationMatch{}, false
	}
	return CorrelationMatch{Correlation: corr, Tenant: tenant, Group: groupValues(corr, st.key), Value: v, First: st.first, Last: st.last}, true
}

// Flush decides the fewer-than groups whose window ended before now and
// returns those whose condition held. Call it now and then (the detector
// does with every batch); it looks through the groups at most once a
// second, so a window is decided up to a second after it ended.
func (c *Correlator) Flush(now time.Time) []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.upper == 0 || (now.Sub(c.flushed) < time.Second && now.After(c.flushed)) {
		return nil
	}
	c.flushed = now
	var out []CorrelationMatch
	for _, st := range c.groups {
		corr := c.corrs[st.corr].c
		if !upperOnly(corr) || now.Sub(st.first) <= corr.Timespan {
			continue
		}
		if m, ok := c.decide(corr, st.tenant, st); ok {
			out = append(out, m)
		}
		c.drop(st)
	}
	return out
}

func holds(bounds []Bound, v float64) bool {
	for _, b := range bounds {
		if !compareBound(v, b) {
			return false
		}
	}
	return true
}

func compareBound(v float64, b Bound) bool {
	switch b.Op {
	case "gt":
		return v > b.Value
	case "gte":
		return v >= b.Value
	case "lt":
		return v < b.Value
	case "lte":
		return v <= b.Value
	case "neq":
		return v != b.Value
	}
	return v == b.Value
}

func dropBefore(ts []time.Time, from time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(from) {
		i++
	}
	return ts[i:]
}

func dropValuesBefore(vs []timedValue, from time.Time) []timedValue {
	i := 0
	for i < len(vs) && vs[i].t.Before(from) {
		i++
	}
	return vs[i:]
}

func aggregate(corr *Correlation, vs []timedValue) float64 {
	switch corr.Type {
	case ValueCount:
		distinct := map[string]struct{}{}
		for _, v := range vs {
			distinct[v.s] = struct{}{}
		}
		return float64(len(distinct))
	case ValueSum, ValueAvg:
		sum := 0.0
		for _, v := range vs {
			sum += v.f
		}
		if corr.Type == ValueAvg {
			return sum / float64(len(vs))
		}
		return sum
	}
	fs := make([]float64, len(vs))
	for i, v := range vs {
		fs[i] = v.f
	}
	sort.Float64s(fs)
	// Nearest-rank percentile.
	rank := int(math.Ceil(corr.Condition.Percentile / 100 * float64(len(fs))))
	return fs[min(max(rank, 1), len(fs))-1]
}

// evictIfFull drops the least recently observed group when the limit is
// reached. (It sampled the map before: at 100,000 events/s with a flood of
// new groups that was 6% of the server's CPU.)
func (c *Correlator) evictIfFull() {
	if len(c.groups) < c.lim.Groups || c.tail == nil {
		return
	}
	c.drop(c.tail)
	c.Evicted++
}

// drop forgets st.
func (c *Correlator) drop(st *groupState) {
	c.unlink(st)
	delete(c.groups, st.key)
	if upperOnly(c.corrs[st.corr].c) {
		c.upper--
	}
}

func (c *Correlator) pushFront(st *groupState) {
	st.prev, st.next = nil, c.head
	if c.head != nil {
		c.head.prev = st
	}
	c.head = st
	if c.tail == nil {
		c.tail = st
	}
}

func (c *Correlator) unlink(st *groupState) {
	if st.prev != nil {
		st.prev.next = st.next
	} else if c.head == st {
		c.head = st.next
	}
	if st.next != nil {
		st.next.prev = st.prev
	} else if c.tail == st {
		c.tail = st.prev
	}
	st.prev, st.next = nil, nil
}

// stateShape is what a correlation's group state depends on: state kept
// for one correlation is valid for another with the same shape, whatever
// their titles, levels, thresholds or timespans.
func stateShape(c *Correlation) string {
	aliases := make([]string, 0, len(c.Aliases))
	for a, m := range c.Aliases {
		for ref, f := range m {
			aliases = append(aliases, a+"\x00"+ref+"\x00"+f)
		}
	}
	sort.Strings(aliases)
	return fmt.Sprintf("%q %q %q %q %q %q", c.ID, c.Type, c.Rules, c.GroupBy, aliases, c.Condition.Field)
}

// shapes maps each correlation's state shape to its index.
func (c *Correlator) shapes() map[string]int {
	byShape := make(map[string]int, len(c.corrs))
	for i, cc := range c.corrs {
		byShape[stateShape(cc.c)] = i
	}
	return byShape
}

// take makes st (state from another correlator or a saved one) the group
// of correlation ci with the group-by values of values, as the most
// recently observed; state this correlator already holds for the group
// gives way. c.mu must be held.
func (c *Correlator) take(st *groupState, ci int, values string) {
	c.keyBuf = groupKey(c.keyBuf, ci, st.tenant)
	c.keyBuf = append(c.keyBuf, values...)
	st.corr, st.key = ci, string(c.keyBuf)
	if had := c.groups[st.key]; had != nil {
		c.drop(had)
	}
	c.evictIfFull()
	c.groups[st.key] = st
	c.pushFront(st)
	if upperOnly(c.corrs[ci].c) {
		c.upper++
	}
}

// Adopt takes over old's groups for the correlations this correlator has
// in the same shape (same id, type, rules, group-by, aliases and value
// field), so that recompiling the rules — a CISO turning a rule off, a
// new rule imported — does not restart every window. Groups of
// correlations that are gone or changed shape are dropped and counted.
// old must not be used afterwards.
func (c *Correlator) Adopt(old *Correlator) (kept, dropped int) {
	if old == nil || old == c {
		return 0, 0
	}
	old.mu.Lock()
	defer old.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	byShape := c.shapes()
	to := make([]int, len(old.corrs))
	for i, cc := range old.corrs {
		to[i] = -1
		if ni, ok := byShape[stateShape(cc.c)]; ok {
			to[i] = ni
		}
	}
	// Least recently observed first, so that the most recent ends at the
	// head as before.
	for st := old.tail; st != nil; {
		prev := st.prev
		ni := to[st.corr]
		if ni < 0 {
			dropped++
			st = prev
			continue
		}
		st.prev, st.next = nil, nil
		c.take(st, ni, st.key[groupKeyPrefix:])
		kept++
		st = prev
	}
	c.Evicted += old.Evicted
	c.Truncated += old.Truncated
	old.groups, old.head, old.tail, old.upper = map[string]*groupState{}, nil, nil, 0
	return kept, dropped
}

// Groups returns how many groups the correlator holds.
func (c *Correlator) Groups() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.groups)
}

func parseNumber(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
