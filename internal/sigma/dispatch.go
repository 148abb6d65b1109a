package sigma

import (
	"encoding/binary"
	"slices"
)

// Route dispatch. Every route's predicates are tested against every event
// unless the routes an event takes are already known: the predicates of
// nearly all routes read a handful of fields (Channel, EventID, the
// syslog program), so the routes an event takes are a function of those
// values alone. Each Doc remembers, for the values it has seen, which
// routes matched; only routes whose predicates read keyword values or
// search a field for a part (Cisco's "%FAC-SEV-MNEMONIC:" in a message)
// are tested every time.

// maxKeySlots bounds the fields a dispatch key is made of; with more,
// every route is tested for every event.
const maxKeySlots = 8

// maxRouteCache bounds a Doc's remembered keys; the cache is emptied
// when full (event kinds are few: channels times event ids).
const maxRouteCache = 4096

// testSlots appends the slot a test reads; ok is false when the test
// cannot be keyed: it reads keyword values, or compares a field other
// than whole (a field searched for a part, like a message, takes a new
// value with nearly every event, so a key holding it would never repeat).
func testSlots(t *test, out []int) ([]int, bool) {
	switch {
	case t.slot < 0 || len(t.refs) > 0:
		return out, false
	case t.kind == tExists || t.kind == tNull:
	case t.kind == tStr:
		for i := range t.pats {
			if t.pats[i].op != opEq {
				return out, false
			}
		}
	default:
		return out, false
	}
	return append(out, t.slot), true
}

// buildDispatch marks the routes whose predicates cannot be keyed and
// collects the key slots of the others.
func (e *Engine) buildDispatch() {
	var slots []int
	for _, rt := range e.routes {
		var mine []int
		keyed := true
		for _, sel := range rt.pred {
			for _, conj := range sel.alts {
				for i := range conj {
					var ok bool
					if mine, ok = testSlots(&conj[i], mine); !ok {
						keyed = false
					}
				}
			}
		}
		rt.dynamic = !keyed
		if keyed {
			slots = append(slots, mine...)
		}
	}
	slices.Sort(slots)
	slots = slices.Compact(slots)
	if len(slots) > maxKeySlots {
		return // every route tested every time
	}
	e.keySlots = slots
	if e.keySlots == nil {
		e.keySlots = []int{}
	}
}

// routesFor returns the indexes of the routes to evaluate for d: those
// with rules whose predicates hold, and, unchecked, the dynamic ones
// (the caller tests them). ok is false when d cannot be keyed (no
// dispatch, or a key field has several values).
func (e *Engine) routesFor(d *Doc) (routes []int32, ok bool) {
	if e.keySlots == nil {
		return nil, false
	}
	key := d.key[:0]
	for _, s := range e.keySlots {
		if !d.has(s) {
			key = append(key, 0)
			continue
		}
		if len(d.more[s]) > 0 {
			return nil, false
		}
		v := d.vals[s]
		key = append(key, 1)
		key = binary.AppendUvarint(key, uint64(len(v)))
		key = append(key, v...)
	}
	d.key = key
	if d.routeOwner != e {
		// A Doc belongs to one engine; this keeps a misused one correct.
		d.routeOwner, d.routeCache = e, nil
	}
	if rs, hit := d.routeCache[string(key)]; hit {
		return rs, true
	}
	rs := []int32{}
	for i, rt := range e.routes {
		if len(rt.rules) == 0 {
			continue
		}
		if rt.dynamic || rt.matches(d) {
			rs = append(rs, int32(i))
		}
	}
	if d.routeCache == nil || len(d.routeCache) >= maxRouteCache {
		d.routeCache = make(map[string][]int32)
	}
	d.routeCache[string(key)] = rs
	return rs, true
}
