package detect

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/sigma"
	"github.com/samdrift/samdrift/internal/store"
)

// Batch is one spine batch of events.
type Batch struct {
	ID     string
	Events []event.Event
}

// Detector runs the library's rules over events and keeps the alerts.
// Handle is called by one consumer at a time; Alerts and Subscribe are
// safe for concurrent use.
type Detector struct {
	db  *store.DB
	lib *Library
	log *slog.Logger
	hub hub
	// relay carries alerts to the other nodes (nil: one node).
	relay atomic.Pointer[func([]Alert)]

	mu      sync.Mutex // Handle
	state   *runState
	checked time.Time
	iocs    *indicator.Index
	iocVer  string
	iocNext time.Time // when the next loaded indicator expires (zero: none)

	// Events and Matches count what Handle saw and matched.
	Events, Matches atomic.Int64
}

// runState is one compiled library.
type runState struct {
	lib     *loaded
	version string // the library's signature when it was read
	eng     *sigma.Engine
	corr    *sigma.Correlator
	doc     *sigma.Doc
	// Rejected are the library documents the engine refused (shown to the
	// SOC; never silently dropped).
	rejected []error
}

// New returns a detector over db's rule library.
func New(db *store.DB, log *slog.Logger) *Detector {
	if log == nil {
		log = slog.Default()
	}
	return &Detector{db: db, lib: NewLibrary(db), log: log}
}

// Library returns the rule library.
func (d *Detector) Library() *Library { return d.lib }

// reloadEvery is how often Handle looks for library changes.
const reloadEvery = 2 * time.Second

// current returns the compiled library, recompiling when it changed, and
// reloads the indicators when they changed.
func (d *Detector) current(ctx context.Context) (*runState, error) {
	if d.state != nil && time.Since(d.checked) < reloadEvery {
		return d.state, nil
	}
	d.checked = time.Now()
	if v, err := d.indicatorVersion(ctx); err != nil {
		d.log.Warn("cannot check indicators; keeping the loaded ones", "err", err)
	} else if v != d.iocVer || (!d.iocNext.IsZero() && time.Now().After(d.iocNext)) {
		start := time.Now()
		idx, next, err := d.loadIndicators(ctx)
		if err != nil {
			d.log.Warn("cannot load indicators; keeping the loaded ones", "err", err)
		} else {
			d.iocs, d.iocVer, d.iocNext = idx, v, next
			d.log.Info("indicators loaded", "indicators", idx.Len(), "took", time.Since(start).Round(time.Millisecond))
		}
	}
	ver, err := d.lib.version(ctx)
	if err == nil && d.state != nil && d.state.version == ver {
		return d.state, nil
	}
	var l *loaded
	if err == nil {
		l, err = d.lib.load(ctx)
	}
	if err != nil {
		if d.state != nil {
			d.log.Warn("cannot reload detection rules; keeping the loaded ones", "err", err)
			return d.state, nil
		}
		return nil, err
	}
	tenantPh := map[int64]map[string][]string{}
	for org, ph := range l.placeholders {
		if org != 0 {
			tenantPh[org] = ph
		}
	}
	eng, rejected := sigma.NewEngine(l.set.Rules, sigma.Options{Correlations: l.set.Correlations, Filters: l.filters,
		Placeholders: l.placeholders[0], TenantPlaceholders: tenantPh})
	if eng == nil {
		return nil, errs.E(errs.Internal, "cannot build the detection engine: %v", rejected)
	}
	// The rules were parsed for this engine alone.
	sigma.Release(l.set.Rules, l.filters)
	st := &runState{lib: l, version: ver, eng: eng, doc: eng.NewDoc(), rejected: append(l.set.Rejected, rejected...)}
	st.corr = eng.NewCorrelator(sigma.Limits{})
	if d.state == nil {
		d.restoreState(ctx, st)
	}
	if d.state != nil {
		// Open windows carry over to correlations of the same shape, so
		// that tuning a rule does not blind the correlations.
		kept, dropped := st.corr.Adopt(d.state.corr)
		d.log.Info("detection rules reloaded", "rules", len(eng.Rules()), "correlations", len(eng.Correlations()), "rejected", len(st.rejected),
			"correlation_groups_kept", kept, "correlation_groups_dropped", dropped)
	}
	for _, e := range st.rejected {
		d.log.Warn("detection rule rejected", "err", e)
	}
	d.state = st
	return st, nil
}

// Handle runs the events of batches through the rules and records the
// alerts in one transaction. Batches handled before (a spine replay) are
// skipped.
func (d *Detector) Handle(ctx context.Context, batches []Batch) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, err := d.current(ctx)
	if err != nil {
		return err
	}
	var hits []hit
	var ms []sigma.Match
	var iocHits []indicator.Hit
	for _, b := range batches {
		first := len(hits)
		for i := range b.Events {
			e := &b.Events[i]
			d.Events.Add(1)
			st.doc.Reset()
			sigma.FillEvent(st.doc, e)
			ms = st.eng.MatchFor(st.doc, e.Tenant, ms[:0])
			iocHits = d.iocs.Match(e, iocHits[:0])
			if len(ms) == 0 && len(iocHits) == 0 {
				continue
			}
			key := eventKey(e)
			for _, h := range iocHits {
				in := h.Indicator
				id := fmt.Sprintf("indicator:%d", in.ID)
				if st.lib.disabled[e.Tenant][id] {
					continue
				}
				d.Matches.Add(1)
				title := fmt.Sprintf("Indicator %s %s in %s", in.Type, in.Value, h.Field)
				if in.Description != "" {
					title += ": " + in.Description
				}
				hits = append(hits, hit{tenant: e.Tenant, ruleID: id, kind: "indicator", title: title, level: st.level(e.Tenant, id, in.Level),
					tags: []string{"indicator." + in.Type}, key: key, at: e.Time, eventID: e.ID, ev: e, indicator: in.ID})
			}
			for _, m := range ms {
				if !st.eng.Standalone(m.Rule) || st.lib.disabled[e.Tenant][m.Rule.ID] {
					continue
				}
				d.Matches.Add(1)
				hits = append(hits, hit{tenant: e.Tenant, ruleID: m.Rule.ID, kind: "rule", title: m.Rule.Title,
					level: st.level(e.Tenant, m.Rule.ID, m.Rule.Level), tags: m.Rule.Tags, key: key, at: e.Time, eventID: e.ID, ev: e})
			}
			for _, cm := range st.corr.Observe(e.Tenant, st.doc, ms) {
				c := cm.Correlation
				if st.lib.disabled[e.Tenant][c.ID] {
					continue
				}
				d.Matches.Add(1)
				hits = append(hits, hit{tenant: e.Tenant, ruleID: c.ID, kind: "correlation", title: c.Title,
					level: st.level(e.Tenant, c.ID, c.Level), tags: c.Tags, key: groupKey(cm.Group), at: e.Time, eventID: e.ID, ev: e})
			}
		}
		for k := first; k < len(hits); k++ {
			hits[k].batch = b.ID
		}
	}
	// Fewer-than correlations are decided when their windows end.
	for _, cm := range st.corr.Flush(time.Now()) {
		c := cm.Correlation
		if st.lib.disabled[cm.Tenant][c.ID] {
			continue
		}
		d.Matches.Add(1)
		hits = append(hits, hit{tenant: cm.Tenant, ruleID: c.ID, kind: "correlation", title: c.Title,
			level: st.level(cm.Tenant, c.ID, c.Level), tags: c.Tags, key: groupKey(cm.Group), at: cm.Last})
	}
	if len(hits) == 0 {
		// Nothing to record: a batch without matches is not written down
		// either (a replay finds no matches again), which keeps the
		// writer free for the store.
		return nil
	}
	// Only batches with matches are recorded, so only they can have been
	// handled before.
	var ids []string
	seen := map[string]bool{}
	for _, h := range hits {
		if h.batch != "" && !seen[h.batch] {
			seen[h.batch] = true
			ids = append(ids, h.batch)
		}
	}
	done, err := d.doneBatches(ctx, ids)
	if err != nil {
		return err
	}
	if len(done) > 0 {
		kept := hits[:0]
		for _, h := range hits {
			if !done[h.batch] {
				kept = append(kept, h)
			}
		}
		hits = kept
		fresh := ids[:0]
		for _, id := range ids {
			if !done[id] {
				fresh = append(fresh, id)
			}
		}
		ids = fresh
	}
	if len(hits) == 0 {
		return nil
	}
	var written []Alert
	err = d.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		written, err = record(ctx, tx, hits, ids, time.Now())
		if err != nil {
			return err
		}
		return countSightings(ctx, tx, hits)
	})
	if err != nil {
		return err
	}
	d.broadcast(latest(written))
	return nil
}

func (st *runState) level(tenant int64, id, level string) string {
	if l := st.lib.levels[tenant][id]; l != "" {
		return l
	}
	if l := st.lib.levels[0][id]; l != "" {
		return l
	}
	if level == "" {
		return "medium"
	}
	return level
}

// Rejected returns the library documents the engine refused, loading the
// library first if needed.
func (d *Detector) Rejected(ctx context.Context) ([]error, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	return st.rejected, nil
}

// doneBatches returns which of ids were recorded before.
func (d *Detector) doneBatches(ctx context.Context, ids []string) (map[string]bool, error) {
	done := map[string]bool{}
	// A query per hundred batches, not per batch: at full load the
	// lookups one by one were a percent of a core.
	for len(ids) > 0 {
		part := ids[:min(len(ids), 100)]
		ids = ids[len(part):]
		var a store.Args
		ps := make([]string, len(part))
		for i, id := range part {
			ps[i] = a.Add(id)
		}
		rows, err := d.db.Reader().QueryContext(ctx, `SELECT batch_id FROM detect_batches WHERE batch_id IN (`+strings.Join(ps, ",")+`)`, a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up handled batches")
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot look up handled batches")
			}
			done[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up handled batches")
		}
	}
	return done, nil
}

// eventKey is what repeated matches are grouped by: the host, else the
// sender's address.
func eventKey(e *event.Event) string {
	switch {
	case e.Host != "":
		return e.Host
	case e.Get("host.name") != "":
		return e.Get("host.name")
	}
	return e.SourceIP
}

func groupKey(g map[string]string) string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+g[k])
	}
	return strings.Join(parts, " ")
}

// sample is the matching event as JSON, bounded (nil for none).
func sample(e *event.Event) []byte {
	if e == nil {
		return nil
	}
	c := *e
	if len(c.Message) > 4096 {
		c.Message = c.Message[:4096]
	}
	if len(c.Raw) > 4096 {
		c.Raw = c.Raw[:4096]
	}
	b, _ := json.Marshal(c)
	return b
}

// latest keeps the last written state of each alert.
func latest(as []Alert) []Alert {
	idx := map[int64]int{}
	var out []Alert
	for _, a := range as {
		if i, ok := idx[a.ID]; ok {
			out[i] = a
			continue
		}
		idx[a.ID] = len(out)
		out = append(out, a)
	}
	return out
}
