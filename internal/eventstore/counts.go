package eventstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// FieldCount is one value of a field and how many matching events hold it.
type FieldCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Counts is how often each value of one field occurs among the events
// matching a query: every event is counted, not a sample (see Facets).
type Counts struct {
	Field string `json:"field"`
	// Values are the most frequent values, most frequent first (ties by
	// value); an event holding several values of the field counts once
	// for each.
	Values []FieldCount `json:"values"`
	// Other counts the values not among Values, Missing the events
	// without the field, Total the events matching.
	Other   int `json:"other"`
	Missing int `json:"missing"`
	Total   int `json:"total"`
	// Distinct is how many different values were kept apart, at most
	// MaxCountValues (and 32 MiB of them); Exact is false when there were
	// more (the values past the limit count in Other).
	Distinct int  `json:"distinct"`
	Exact    bool `json:"exact"`
}

// MaxCountValues bounds the distinct values Count keeps apart, and
// maxCountBytes what they may hold together (values may be 64 KiB
// command lines).
const (
	MaxCountValues = 100_000
	maxCountBytes  = 32 << 20
)

// valueCounter counts the values of one field.
type valueCounter struct {
	m                     map[string]*int // one lookup for a value seen before
	bytes                 int             // of the keys of m
	over, missing, events int
	capped                bool // some values were not read at all (VictoriaLogs' top per tenant)
}

func (c *valueCounter) add(v string, n int) {
	if p := c.m[v]; p != nil {
		*p += n
		return
	}
	if len(c.m) >= MaxCountValues || c.bytes+len(v) > maxCountBytes {
		c.over += n
		return
	}
	c.bytes += len(v)
	// A copy: v may point into a whole decoded block.
	c.m[strings.Clone(v)] = &n
}

// merge adds what o counted to c.
func (c *valueCounter) merge(o *valueCounter) {
	for v, n := range o.m {
		c.add(v, *n)
	}
	c.over += o.over
	c.missing += o.missing
	c.events += o.events
	c.capped = c.capped || o.capped
}

// result is the top values and the rest.
func (c *valueCounter) result(field string, top int) Counts {
	out := Counts{Field: field, Missing: c.missing, Total: c.events, Distinct: len(c.m), Exact: c.over == 0 && !c.capped, Other: c.over, Values: []FieldCount{}}
	for v, n := range c.m {
		out.Values = append(out.Values, FieldCount{Value: v, Count: *n})
	}
	slices.SortFunc(out.Values, func(a, b FieldCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	for _, v := range out.Values[min(top, len(out.Values)):] {
		out.Other += v.Count
	}
	out.Values = out.Values[:min(top, len(out.Values))]
	return out
}

// countable resolves field for Count: a column (with its getter) or an
// event field.
func countable(field string) (col column, isCol bool, err error) {
	if field == "" {
		return col, false, errs.Field("field", "name the field to count by, e.g. host.name")
	}
	if len(field) > 200 {
		return col, false, errs.Field("field", "the field name is longer than 200 characters")
	}
	col, isCol = queryColumns[field]
	if isCol && (col.kind == colMessage || col.kind == colTime || col.name == "id" || col.name == "raw" || col.name == "parse_error") {
		return col, false, errs.Field("field", "%s is different in nearly every event; count by a field such as host.name, user.name or event.code", field)
	}
	return col, isCol, nil
}

// Count counts the values of field among every event matching q that sc
// may see, and returns the top most frequent (1–100).
func (s *Store) Count(ctx context.Context, sc access.Scope, q Query, field string, top int) (Counts, error) {
	if top < 1 || top > 100 {
		return Counts{}, errs.Field("top", "top must be 1–100")
	}
	col, isCol, err := countable(field)
	if err != nil {
		return Counts{}, err
	}
	c := valueCounter{m: map[string]*int{}}
	if s.vl != nil {
		tenants, err := s.tenantsFor(ctx, sc, q)
		if err != nil {
			return Counts{}, err
		}
		name := field
		if isCol {
			name = vlColumns[col.name]
			if col.name == "tenant" {
				name = ""
			}
		}
		if _, err := vlRead(ctx, s, func(v *Victoria) (struct{}, error) {
			c = valueCounter{m: map[string]*int{}}
			return struct{}{}, v.countBy(ctx, tenants, q, name, !isCol, &c)
		}); err != nil {
			return Counts{}, err
		}
		if n := c.m["-1"]; n != nil && isCol && col.name == "severity" {
			delete(c.m, "-1")
			c.missing += *n
		}
		return c.result(field, top), nil
	}
	if s.db.Dialect() == store.Postgres && isCol {
		var a store.Args
		cond, err := s.where(sc, q, &a)
		if err != nil {
			return Counts{}, err
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT CAST(`+col.name+` AS TEXT), COUNT(*) FROM events WHERE `+cond+` GROUP BY 1`, a.Values()...)
		if err != nil {
			return Counts{}, errs.Wrap(err, "cannot count events by %s", field)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			var n int
			if err := rows.Scan(&v, &n); err != nil {
				return Counts{}, errs.Wrap(err, "cannot count events by %s", field)
			}
			c.events += n
			if v == "" || (col.name == "severity" && v == "-1") {
				c.missing += n
				continue
			}
			c.add(v, n)
		}
		if err := rows.Err(); err != nil {
			return Counts{}, errs.Wrap(err, "cannot count events by %s", field)
		}
		return c.result(field, top), nil
	}
	// values counts e's values of the field and reports whether it has any.
	var values func(e *event.Event, c *valueCounter) bool
	switch {
	case isCol && col.name == "severity":
		values = func(e *event.Event, c *valueCounter) bool {
			if e.Severity < 0 {
				return false
			}
			c.add(strconv.Itoa(e.Severity), 1)
			return true
		}
	case isCol && col.name == "tenant":
		values = func(e *event.Event, c *valueCounter) bool { c.add(strconv.FormatInt(e.Tenant, 10), 1); return true }
	case isCol:
		get := columnGetter(col.name)
		values = func(e *event.Event, c *valueCounter) bool {
			v := get(e)
			if v != "" {
				c.add(v, 1)
			}
			return v != ""
		}
	default:
		values = func(e *event.Event, c *valueCounter) bool {
			had := false
			for _, f := range e.Fields {
				if f.Key == field && f.Value != "" {
					c.add(f.Value, 1)
					had = true
				}
			}
			return had
		}
	}
	count := func(e *event.Event) {
		c.events++
		if !values(e, &c) {
			c.missing++
		}
	}
	if s.db.Dialect() == store.SQLite {
		m, err := s.matcherFor(sc, q)
		if err != nil {
			return Counts{}, err
		}
		// One read: each block counted once, from its column counts or
		// decoded, while blocks are stored and retention rewrites them.
		if err := s.db.Read(ctx, func(rq store.Querier) error {
			m.from = rq
			if isCol && headColumn(col.name) {
				m.headOnly = always
			}
			if m.all && isCol && (col.name == "tenant" || summaryColumn(col.name) >= 0) {
				// Blocks wholly in range from their column counts; the
				// rest decoded.
				var err error
				if m.blocks, err = s.countSummaries(ctx, rq, sc, q, col.name, &c); err != nil {
					return err
				}
			}
			return s.blockScan(ctx, sc, q, m, nil, func(e *event.Event) bool { count(e); return true })
		}); err != nil {
			return Counts{}, err
		}
		return c.result(field, top), nil
	}
	q.Limit = 0
	if err := s.Each(ctx, sc, q, func(e event.Event) error { count(&e); return nil }); err != nil {
		return Counts{}, err
	}
	return c.result(field, top), nil
}

// countBy counts, per tenant, the values of the VictoriaLogs column name
// (empty: the tenant itself), or of the event field name (every value of
// it, as vlFieldName keeps them) among the events matching q.
func (v *Victoria) countBy(ctx context.Context, tenants []int64, q Query, name string, isField bool, c *valueCounter) error {
	tenants, err := v.withData(ctx, tenants, q.From, q.To)
	if err != nil {
		return err
	}
	var mu sync.Mutex // c, from the tenants' requests at once
	return perTenant(ctx, tenants, func(ctx context.Context, _ int, t int64) error {
		filter, err := v.filter(ctx, t, q)
		if err != nil {
			return err
		}
		names := []string{name}
		if isField {
			values, err := v.fieldValues(ctx, t, q.From, q.To)
			if err != nil {
				return err
			}
			names = names[:0]
			for k := range values(name) {
				names = append(names, vlFieldName(name, k))
			}
		}
		for k, name := range names {
			// The most frequent vlCountTop values of each tenant: the
			// answer stays small whatever the field holds; the rest
			// count in Other.
			stats := " | stats count() as n"
			if name != "" {
				stats = " | stats by (" + logsqlField(name) + ") count() as n | sort by (n desc) | limit " + strconv.Itoa(vlCountTop)
			}
			body, err := v.do(ctx, t, "/select/logsql/query", url.Values{"query": {filter + stats}}, nil)
			if err != nil {
				return err
			}
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
			rows, events := 0, 0
			for sc.Scan() {
				var r map[string]string
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					return errs.Wrap(err, "VictoriaLogs' counts are not JSON")
				}
				n, _ := strconv.Atoi(r["n"])
				value := strconv.FormatInt(t, 10)
				if name != "" {
					value = r[name]
				}
				rows++
				mu.Lock()
				switch {
				case k > 0 && value == "":
					// The events without a k-th value: counted at the first.
				case k > 0:
					c.add(value, n)
				case value == "":
					c.events += n
					c.missing += n
					events += n
				default:
					c.events += n
					events += n
					c.add(value, n)
				}
				mu.Unlock()
			}
			if err := sc.Err(); err != nil {
				return err
			}
			if k > 0 && rows == vlCountTop {
				mu.Lock()
				c.capped = true // further values of the field beyond the first were not read
				mu.Unlock()
			}
			if k == 0 && rows == vlCountTop {
				// More values than were read: the events holding the
				// others count in Other.
				total, err := v.count(ctx, t, filter, 0)
				if err != nil {
					return err
				}
				mu.Lock()
				c.events += total - events
				c.over += total - events
				mu.Unlock()
			}
		}
		return nil
	})
}

// vlCountTop is how many values of a field Count reads from VictoriaLogs
// per tenant.
const vlCountTop = 1000
