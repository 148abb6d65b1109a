package sigma

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Correlation state outlives a restart by being saved (Save, at shutdown)
// and loaded into the next process's correlator (Load): one JSON object
// per group, least recently observed first, each naming the shape of its
// correlation, so that state is loaded only into a correlation it is
// valid for (see Adopt).

// savedGroup is one group's state as Save writes it.
type savedGroup struct {
	Shape  string            `json:"shape"`
	Tenant int64             `json:"tenant"`
	Values string            `json:"values"` // the group-by values, each ended by a NUL
	First  time.Time         `json:"first"`
	Last   time.Time         `json:"last"`
	Times  []time.Time       `json:"times,omitempty"`
	Vals   []savedValue      `json:"vals,omitempty"`
	Seen   map[int]time.Time `json:"seen,omitempty"`
	Stages []time.Time       `json:"stages,omitempty"`
	HasStg []bool            `json:"has_stages,omitempty"`
}

type savedValue struct {
	T time.Time `json:"t"`
	S string    `json:"s,omitempty"`
	F float64   `json:"f,omitempty"`
}

// Save writes every group's state to w and returns how many it wrote.
func (c *Correlator) Save(w io.Writer) (int, error) { return c.SaveWhere(w, nil, false) }

// SaveWhere writes the state of the groups whose tenant keep accepts
// (every group when keep is nil) to w and returns how many it wrote;
// with forget, it then drops them, as when another process takes those
// tenants over.
func (c *Correlator) SaveWhere(w io.Writer, keep func(tenant int64) bool, forget bool) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	shapes := make([]string, len(c.corrs))
	for i, cc := range c.corrs {
		shapes[i] = stateShape(cc.c)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	var saved []*groupState
	for st := c.tail; st != nil; st = st.prev {
		if keep != nil && !keep(st.tenant) {
			continue
		}
		saved = append(saved, st)
		g := savedGroup{Shape: shapes[st.corr], Tenant: st.tenant, Values: st.key[groupKeyPrefix:], First: st.first, Last: st.last,
			Times: st.times, Seen: st.seen, Stages: st.stages, HasStg: st.hasStg}
		for _, v := range st.vals {
			g.Vals = append(g.Vals, savedValue{T: v.t, S: v.s, F: v.f})
		}
		if err := enc.Encode(&g); err != nil {
			return n, fmt.Errorf("cannot save correlation state: %w", err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	if forget {
		for _, st := range saved {
			c.drop(st)
		}
	}
	return n, nil
}

// Load reads state that Save wrote into this correlator: groups of
// correlations it has in the same shape are kept (up to its limits), the
// others dropped and counted. A malformed line is an error naming it;
// the groups before it stay loaded.
func (c *Correlator) Load(r io.Reader) (kept, dropped int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byShape := c.shapes()
	dec := json.NewDecoder(r)
	for line := 1; ; line++ {
		var g savedGroup
		if err := dec.Decode(&g); err == io.EOF {
			return kept, dropped, nil
		} else if err != nil {
			return kept, dropped, fmt.Errorf("correlation state, group %d: %w", line, err)
		}
		ci, ok := byShape[g.Shape]
		if !ok {
			dropped++
			continue
		}
		st := &groupState{tenant: g.Tenant, first: g.First, last: g.Last, times: g.Times, seen: g.Seen,
			stages: g.Stages, hasStg: g.HasStg}
		for _, v := range g.Vals {
			st.vals = append(st.vals, timedValue{t: v.T, s: v.S, f: v.F})
		}
		c.take(st, ci, g.Values) // saved state replaces what this process saw first
		kept++
	}
}
