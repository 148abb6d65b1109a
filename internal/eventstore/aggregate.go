package eventstore

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// Bucket is one bar of a histogram: events from Start for the bucket width.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"`
}

// Histogram counts the events matching q in n equal time buckets over
// [q.From, q.To). Every bucket is returned, empty ones with zero.
func (s *Store) Histogram(ctx context.Context, sc access.Scope, q Query, n int) ([]Bucket, time.Duration, error) {
	if n < 1 || n > 500 {
		return nil, 0, errs.Field("buckets", "buckets must be 1–500")
	}
	if s.vl != nil {
		tenants, err := s.tenantsFor(ctx, sc, q)
		if err != nil {
			return nil, 0, err
		}
		type hist struct {
			b []Bucket
			w time.Duration
		}
		h, err := vlRead(ctx, s, func(v *Victoria) (hist, error) {
			b, w, err := v.histogram(ctx, tenants, q, n)
			return hist{b, w}, err
		})
		return h.b, h.w, err
	}
	span := q.To.UnixMicro() - q.From.UnixMicro()
	width := max((span+int64(n)-1)/int64(n), 1)
	out := make([]Bucket, n)
	for i := range out {
		out[i].Start = time.UnixMicro(q.From.UnixMicro() + int64(i)*width).UTC()
	}
	if s.db.Dialect() == store.SQLite {
		m, err := s.matcherFor(sc, q)
		if err != nil {
			return nil, 0, err
		}
		from := q.From.UnixMicro()
		m.headOnly = always // times only
		err = s.blockScan(ctx, sc, q, m, nil, func(e *event.Event) bool {
			if b := (e.Time.UnixMicro() - from) / width; b >= 0 && b < int64(n) {
				out[b].Count++
			}
			return true
		})
		return out, time.Duration(width) * time.Microsecond, err
	}
	var a store.Args
	cond, err := s.where(sc, q, &a)
	if err != nil {
		return nil, 0, err
	}
	from := a.Add(q.From.UnixMicro())
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT (ts - `+from+`) / `+strconv.FormatInt(width, 10)+` AS b, COUNT(*) FROM events WHERE `+cond+
		` GROUP BY b ORDER BY b`, a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot count events over time")
	}
	defer rows.Close()
	for rows.Next() {
		var b int64
		var c int
		if err := rows.Scan(&b, &c); err != nil {
			return nil, 0, errs.Wrap(err, "cannot read histogram")
		}
		if b >= 0 && b < int64(n) {
			out[b].Count += c
		}
	}
	return out, time.Duration(width) * time.Microsecond, rows.Err()
}

// FacetSample is how many of the newest matching events facets look at.
const FacetSample = 2000

// FacetValue is one value of a field with how many sampled events hold it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facet is a field's most common values among the sampled events.
type Facet struct {
	Field  string       `json:"field"`
	Values []FacetValue `json:"values"`
}

// TenantFacet is the field of the facet that counts the sampled events
// per organisation (tenant ids, as the query language's tenant:ID takes
// them).
const TenantFacet = "tenant"

// Facets returns, for the fields most present among the newest
// FacetSample events matching q, their top values (at most top each,
// at most fields facets); sampled says how many events were looked at.
// When the sampled events come from more than one organisation, the
// first facet is TenantFacet, so that a caller who sees many tenants
// can tell whose events they are.
func (s *Store) Facets(ctx context.Context, sc access.Scope, q Query, fields, top int) (facets []Facet, sampled int, err error) {
	// Keys are copies: the values may point into a block being read.
	// The counts are pointers because assigning to a map's existing
	// string key stores the key again (m[v]++ would put the uncopied v
	// in place of the copy).
	counts := map[string]map[string]*int{}
	tenants := map[string]*int{}
	inc := func(m map[string]*int, v string) {
		if n := m[v]; n != nil {
			*n++
			return
		}
		one := 1
		m[strings.Clone(v)] = &one
	}
	add := func(k, v string) {
		if v == "" {
			return
		}
		m := counts[k]
		if m == nil {
			m = map[string]*int{}
			counts[strings.Clone(k)] = m
		}
		inc(m, v)
	}
	sample := func(tenant int64, host, app, product string, fs []event.Field) {
		sampled++
		inc(tenants, strconv.FormatInt(tenant, 10))
		add("host.name", host)
		add("app", app)
		add("product", product)
		for _, f := range fs {
			if f.Key != "host.name" && len(f.Value) <= 200 {
				add(f.Key, f.Value)
			}
		}
	}
	if s.vl != nil {
		q.Limit = FacetSample
		if err := s.vlEach(ctx, sc, q, func(e event.Event) error {
			sample(e.Tenant, e.Host, e.App, e.Product, e.Fields)
			return nil
		}); err != nil {
			return nil, 0, err
		}
	} else if s.db.Dialect() == store.SQLite {
		m, err := s.matcherFor(sc, q)
		if err != nil {
			return nil, 0, err
		}
		if err := s.blockScan(ctx, sc, q, m, nil, func(e *event.Event) bool {
			sample(e.Tenant, e.Host, e.App, e.Product, e.Fields)
			return sampled < FacetSample
		}); err != nil {
			return nil, 0, err
		}
	} else {
		var a store.Args
		cond, err := s.where(sc, q, &a)
		if err != nil {
			return nil, 0, err
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT tenant, host, app, product, fields FROM events WHERE `+cond+
			` ORDER BY ts DESC LIMIT `+strconv.Itoa(FacetSample), a.Values()...)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot sample events")
		}
		defer rows.Close()
		for rows.Next() {
			var tenant int64
			var host, app, product, packed string
			if err := rows.Scan(&tenant, &host, &app, &product, &packed); err != nil {
				return nil, 0, errs.Wrap(err, "cannot read events")
			}
			sample(tenant, host, app, product, UnpackFields(packed))
		}
		if err := rows.Err(); err != nil {
			return nil, 0, errs.Wrap(err, "cannot read events")
		}
	}
	// Fields present in most events first; a field whose every value is
	// different (a message id, a time) says little, so it goes last.
	type cand struct {
		key      string
		present  int
		distinct int
	}
	var cands []cand
	for k, m := range counts {
		c := cand{key: k, distinct: len(m)}
		for _, n := range m {
			c.present += *n
		}
		cands = append(cands, c)
	}
	sort.Slice(cands, func(i, j int) bool {
		ui, uj := cands[i].distinct == cands[i].present && cands[i].present > 1, cands[j].distinct == cands[j].present && cands[j].present > 1
		if ui != uj {
			return !ui
		}
		if cands[i].present != cands[j].present {
			return cands[i].present > cands[j].present
		}
		return cands[i].key < cands[j].key
	})
	if len(tenants) > 1 && fields > 0 {
		counts[TenantFacet] = tenants
		cands = append([]cand{{key: TenantFacet}}, cands...)
	}
	for _, c := range cands[:min(fields, len(cands))] {
		f := Facet{Field: c.key}
		for v, n := range counts[c.key] {
			f.Values = append(f.Values, FacetValue{Value: v, Count: *n})
		}
		sort.Slice(f.Values, func(i, j int) bool {
			if f.Values[i].Count != f.Values[j].Count {
				return f.Values[i].Count > f.Values[j].Count
			}
			return f.Values[i].Value < f.Values[j].Value
		})
		f.Values = f.Values[:min(top, len(f.Values))]
		facets = append(facets, f)
	}
	return facets, sampled, nil
}
