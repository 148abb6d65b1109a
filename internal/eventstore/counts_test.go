package eventstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/eventstore/vltest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestCount counts the query corpus by fields on every event store
// (SQLite's blocks, PostgreSQL's rows, VictoriaLogs): every event, the
// top values, the rest, the events without the field, within the
// caller's reach; bad fields are refused with the field named.
func TestCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("own", func(t *testing.T) {
			addOrgs(t, db)
			checkCounts(t, eventstore.New(db), func() {})
		})
	})
	t.Run("victorialogs", func(t *testing.T) {
		es, vl := vlStoreOn(t, storetest.SQLite(t), vltest.Start(t))
		checkCounts(t, es, func() {
			if err := vl.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func checkCounts(t *testing.T, es *eventstore.Store, flush func()) {
	ctx := context.Background()
	corpus := queryCorpus()
	var other []event.Event
	for _, e := range corpus {
		e.Tenant, e.ID = 1002, "o-"+e.ID
		other = append(other, e)
	}
	if _, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "c1", Events: corpus}, {ID: "c2", Events: other}}); err != nil {
		t.Fatal(err)
	}
	flush()
	soc := access.System("test")
	window := eventstore.Query{From: queryCorpusBase.Add(-time.Hour), To: queryCorpusBase.Add(time.Hour), Tenants: []int64{1001}}
	vals := func(kv ...any) []eventstore.FieldCount {
		out := []eventstore.FieldCount{}
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, eventstore.FieldCount{Value: kv[i].(string), Count: kv[i+1].(int)})
		}
		return out
	}
	for _, c := range []struct {
		q, field string
		top      int
		want     eventstore.Counts
	}{
		{"", "user.name", 2, eventstore.Counts{Values: vals("Søren", 1, "admin", 1), Other: 2, Missing: 3, Total: 7, Distinct: 4, Exact: true}},
		{"", "event.code", 5, eventstore.Counts{Values: vals("4624", 1, "4625", 1, "4688", 1), Missing: 4, Total: 7, Distinct: 3, Exact: true}},
		{"", "severity", 1, eventstore.Counts{Values: vals("6", 3), Other: 4, Total: 7, Distinct: 5, Exact: true}},
		{`app:sshd`, "host.name", 10, eventstore.Counts{Values: vals("dc01.kk.dk", 1, "dc02.kk.dk", 1), Total: 2, Distinct: 2, Exact: true}},
		{`password`, "destination.port", 10, eventstore.Counts{Values: vals("22", 2), Total: 2, Distinct: 1, Exact: true}},
		// A field of several values counts each.
		{"", "tags", 10, eventstore.Counts{Values: vals("beats", 1, "kk", 1), Missing: 6, Total: 7, Distinct: 2, Exact: true}},
	} {
		q := window
		q.Q = c.q
		got, err := es.Count(ctx, soc, q, c.field, c.top)
		if err != nil {
			t.Errorf("count by %s where %q: %v", c.field, c.q, err)
			continue
		}
		c.want.Field = c.field
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("count by %s where %q:\n got %+v\nwant %+v", c.field, c.q, got, c.want)
		}
	}
	// Reach: municipality 1002's user counts its own events only, even
	// when it names the other tenant.
	own := access.Scope{UserID: 7, Username: "it-1002", OrgID: 1002, OrgKind: "municipality", Role: access.RoleCISO, Reach: access.ReachOwn}
	for _, q := range []eventstore.Query{{From: window.From, To: window.To}, {From: window.From, To: window.To, Tenants: []int64{1001, 1002}}} {
		got, err := es.Count(ctx, own, q, "tenant", 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := vals("1002", 7); !reflect.DeepEqual(got.Values, want) || got.Total != 7 {
			t.Errorf("1002 counting by tenant over %v: %+v; want only its own 7", q.Tenants, got)
		}
	}
	for _, c := range []struct {
		field string
		top   int
		want  string
	}{{"", 10, "field"}, {"message", 10, "field"}, {"@timestamp", 10, "field"}, {"host.name", 0, "top"}, {"host.name", 101, "top"}} {
		_, err := es.Count(ctx, soc, window, c.field, c.top)
		if e := errs.As(err); e == nil || e.Field != c.want {
			t.Errorf("count by %q top %d = %v; want an error naming %s", c.field, c.top, err, c.want)
		}
	}
}

// TestCountOnVictoriaTop reads a tenant's 1,000 most frequent values from
// VictoriaLogs: with more, the events holding the others count in Other
// and the answer is not exact, while Total still counts every event.
func TestCountOnVictoriaTop(t *testing.T) {
	ctx := context.Background()
	es, vl := vlStoreOn(t, storetest.SQLite(t), vltest.Start(t))
	var evs []event.Event
	for i := range 1500 {
		e := event.Event{ID: fmt.Sprint("top-", i), Tenant: 1001, Time: queryCorpusBase.Add(time.Duration(i) * time.Millisecond), Received: queryCorpusBase,
			Message: "login", Format: event.FormatRaw}
		user := fmt.Sprint("u", i)
		if i < 300 {
			user = "common"
		}
		e.Set("user.name", user)
		evs = append(evs, e)
	}
	if _, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "top", Events: evs}}); err != nil {
		t.Fatal(err)
	}
	if err := vl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	q := eventstore.Query{From: queryCorpusBase.Add(-time.Hour), To: queryCorpusBase.Add(time.Hour)}
	got, err := es.Count(ctx, access.System("test"), q, "user.name", 1)
	if err != nil {
		t.Fatal(err)
	}
	// 1,201 values: "common" (300) and 1,200 of one each; 1,000 read.
	if got.Total != 1500 || got.Exact || got.Distinct != 1000 || len(got.Values) != 1 || got.Values[0] != (eventstore.FieldCount{Value: "common", Count: 300}) || got.Other != 1200 {
		t.Errorf("counts over 1,201 values: %+v", got)
	}
}

// TestCountFromBlockSummaries counts by the columns SQLite keeps per
// block (and by tenant) and checks every answer against the events
// counted one by one: over blocks wholly inside the range (taken from
// the blocks' counts on SQLite), blocks the range cuts, a block with too
// many hosts to keep, a tenant's reach, and after retention rewrote the
// oldest blocks.
func TestCountFromBlockSummaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		addOrgs(t, db)
		es := eventstore.New(db)
		base := queryCorpusBase
		var all []event.Event
		for b := range 8 {
			tenant := int64(1001 + b%2)
			var evs []event.Event
			for i := range 400 {
				k := b*400 + i
				e := event.Event{ID: fmt.Sprint("s-", k), Tenant: tenant, Time: base.Add(time.Duration(k) * time.Second), Received: base,
					Message: "m", Format: event.FormatRaw, Severity: k%9 - 1, Host: fmt.Sprint("h", k%13), App: []string{"sshd", "nginx", ""}[k%3],
					Product: "p" + fmt.Sprint(k%2), SourceIP: "10.0.0." + fmt.Sprint(k%5)}
				if b == 5 {
					e.Host = fmt.Sprint("many", i) // 400 of 400 kept; with the next…
				}
				if b == 7 {
					e.Host = fmt.Sprint("more", k) // …a block of 600+ hosts keeps none
				}
				if k%17 == 0 {
					e.Host = ""
				}
				evs = append(evs, e)
			}
			if b == 7 {
				for i := range 300 {
					e := evs[0]
					e.ID, e.Host, e.Time = fmt.Sprint("s7-", i), fmt.Sprint("extra", i), e.Time.Add(time.Duration(i)*time.Millisecond)
					evs = append(evs, e)
				}
			}
			if b == 2 {
				// A whole batch need not be in time order.
				slices.Reverse(evs)
			}
			all = append(all, evs...)
			batch := eventstore.Batch{ID: fmt.Sprint("sb", b), Events: evs}
			// One block each.
			if _, err := es.AppendBatches(ctx, []eventstore.Batch{batch}); err != nil {
				t.Fatal(err)
			}
		}
		get := map[string]func(e *event.Event) string{
			"host.name": func(e *event.Event) string { return e.Host },
			"app":       func(e *event.Event) string { return e.App },
			"product":   func(e *event.Event) string { return e.Product },
			"sender":    func(e *event.Event) string { return e.SourceIP },
			"format":    func(e *event.Event) string { return e.Format },
			"severity": func(e *event.Event) string {
				if e.Severity < 0 {
					return ""
				}
				return fmt.Sprint(e.Severity)
			},
			"tenant": func(e *event.Event) string { return fmt.Sprint(e.Tenant) },
		}
		// want counts the events one by one.
		want := func(q eventstore.Query, own int64, field string, top int) eventstore.Counts {
			m := map[string]int{}
			c := eventstore.Counts{Field: field, Values: []eventstore.FieldCount{}, Exact: true}
			for i := range all {
				e := &all[i]
				if e.Time.Before(q.From) || !e.Time.Before(q.To) || (own != 0 && e.Tenant != own) {
					continue
				}
				c.Total++
				if v := get[field](e); v != "" {
					m[v]++
				} else {
					c.Missing++
				}
			}
			c.Distinct = len(m)
			for v, n := range m {
				c.Values = append(c.Values, eventstore.FieldCount{Value: v, Count: n})
			}
			slices.SortFunc(c.Values, func(a, b eventstore.FieldCount) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Value, b.Value)
			})
			for _, v := range c.Values[min(top, len(c.Values)):] {
				c.Other += v.Count
			}
			c.Values = c.Values[:min(top, len(c.Values))]
			return c
		}
		soc := access.System("test")
		own := access.Scope{UserID: 7, Username: "it-1002", OrgID: 1002, OrgKind: "municipality", Role: access.RoleCISO, Reach: access.ReachOwn}
		end := base.Add(time.Duration(len(all)) * time.Second)
		check := func(what string) {
			for _, r := range []struct {
				name     string
				from, to time.Time
			}{
				{"everything", base.Add(-time.Hour), end.Add(time.Hour)},
				{"cut through blocks", base.Add(700 * time.Second), base.Add(2100 * time.Second)},
				{"from inside a block", base.Add(1100 * time.Second), end.Add(time.Hour)},
			} {
				for field := range get {
					for _, who := range []struct {
						sc  access.Scope
						own int64
					}{{soc, 0}, {own, 1002}} {
						q := eventstore.Query{From: r.from, To: r.to}
						before := es.BlocksSummarised.Load()
						got, err := es.Count(ctx, who.sc, q, field, 5)
						if err != nil {
							t.Fatal(err)
						}
						if w := want(q, who.own, field, 5); !reflect.DeepEqual(got, w) {
							t.Errorf("%s, %s, %s counting by %s:\n got %+v\nwant %+v", what, r.name, who.sc.Username, field, got, w)
						}
						if db.Dialect() == store.SQLite && r.name == "everything" && field != "tenant" && es.BlocksSummarised.Load() == before {
							t.Errorf("%s, counting by %s over whole blocks read no block's counts", what, field)
						}
					}
				}
			}
		}
		check("as stored")
		// Retention rewrites the blocks the cut goes through.
		cut := base.Add(1000 * time.Second)
		if _, err := es.Prune(ctx, cut); err != nil {
			t.Fatal(err)
		}
		all = slices.DeleteFunc(all, func(e event.Event) bool { return e.Time.Before(cut) })
		check("after retention")
	})
}
