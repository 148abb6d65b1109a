package eventstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestPackFields(t *testing.T) {
	in := []event.Field{{Key: "a", Value: "x|y"}, {Key: "b", Value: `c\d`}, {Key: "c", Value: "line1\nline2"}, {Key: "d", Value: "k=v"}}
	out := eventstore.UnpackFields(eventstore.PackFields(in))
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Errorf("Unpack(Pack(%v)) = %v", in, out)
	}
}

func TestAppendSearchScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		es := eventstore.New(db)
		cph, frb, ode := e.Org(t, "101").ID, e.Org(t, "147").ID, e.Org(t, "461").ID
		now := time.Now().UTC().Truncate(time.Microsecond)
		var batch []event.Event
		for i, tenant := range []int64{cph, cph, cph, frb, ode, 0} {
			ev := event.Event{ID: fmt.Sprintf("ev-%d", i), Tenant: tenant, Time: now.Add(-time.Duration(i) * time.Minute), Received: now,
				Host: fmt.Sprintf("host%d", i), Message: fmt.Sprintf("Accepted password for user%d", i), Severity: 6, Format: event.FormatRFC3164}
			ev.Set("user.name", fmt.Sprintf("User%d", i))
			ev.Set("source.ip", "10.0.0.1")
			batch = append(batch, ev)
		}
		old := event.Event{ID: "ev-old", Tenant: cph, Time: now.Add(-10 * 24 * time.Hour), Received: now, Message: "old"}
		batch = append(batch, old)
		n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "spine-1", Events: batch}})
		if err != nil || n != len(batch) {
			t.Fatalf("Append = %d, %v; want %d", n, err, len(batch))
		}
		// The spine delivering the batch again adds nothing.
		if n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "spine-1", Events: batch}}); err != nil || n != 0 {
			t.Errorf("replayed batch = %d, %v; want 0", n, err)
		}
		// Nor does a sender's retransmission of an event with a stable id,
		// in another batch.
		stable := event.Event{ID: event.StableID("relp", "10.0.0.9", "<13>1 msg"), Tenant: ode, Time: now.Add(-30 * time.Minute), Received: now, Message: "retransmitted"}
		for i, want := range []int{1, 0} {
			if n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: fmt.Sprintf("spine-s%d", i), Events: []event.Event{stable}}}); err != nil || n != want {
				t.Errorf("stable id, delivery %d = %d, %v; want %d", i+1, n, err, want)
			}
		}
		q := eventstore.Query{From: now.Add(-time.Hour), To: now.Add(time.Minute)}
		count := func(sc access.Scope, q eventstore.Query) (int, map[int64]bool) {
			t.Helper()
			r, err := es.Search(ctx, sc, q)
			if err != nil {
				t.Fatal(err)
			}
			ts := map[int64]bool{}
			for _, ev := range r.Items {
				ts[ev.Tenant] = true
			}
			if r.Total != len(r.Items) && r.Next == nil {
				t.Errorf("total %d but %d items and no next page", r.Total, len(r.Items))
			}
			return r.Total, ts
		}
		if n, ts := count(e.Scope(t, "demo-spoc"), q); n != 3 || len(ts) != 1 || !ts[cph] {
			t.Errorf("København sees %d events of %v; want its own 3", n, ts)
		}
		if n, ts := count(e.Scope(t, "demo-servicedesk"), q); n != 4 || ts[ode] || ts[0] {
			t.Errorf("Hovedstaden's unit sees %d events of %v; want København's and Frederiksberg's 4", n, ts)
		}
		if n, ts := count(e.Scope(t, "demo-soc-analyst"), q); n != 7 || !ts[0] {
			t.Errorf("the SOC sees %d events of %v; want all 7 including the quarantine", n, ts)
		}
		soc := e.Scope(t, "demo-soc-analyst")
		if n, _ := count(soc, eventstore.Query{From: q.From, To: q.To, Q: "user.name:user4"}); n != 1 {
			t.Errorf("field filter (ignoring case) found %d; want 1", n)
		}
		if n, _ := count(soc, eventstore.Query{From: q.From, To: q.To, Q: "user.name:user"}); n != 0 {
			t.Errorf("a field filter must match the whole value; found %d", n)
		}
		if n, _ := count(soc, eventstore.Query{From: q.From, To: q.To, Q: `"PASSWORD FOR USER5"`}); n != 1 {
			t.Errorf("text search found %d; want 1", n)
		}
		// Paging: two at a time, newest first, no repeats.
		seen := map[string]bool{}
		var last time.Time
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			r, err := es.Search(ctx, soc, eventstore.Query{From: q.From, To: q.To, Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range r.Items {
				if seen[ev.ID] || (!last.IsZero() && ev.Time.After(last)) {
					t.Errorf("page order broken at %s", ev.ID)
				}
				seen[ev.ID], last = true, ev.Time
			}
			if r.Next == nil {
				break
			}
			cursor = *r.Next
		}
		if len(seen) != 7 {
			t.Errorf("paging saw %d events; want 7", len(seen))
		}
		if _, err := es.Search(ctx, soc, eventstore.Query{From: q.From, To: q.To, Cursor: "garbage"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad cursor = %v; want EINVALID", err)
		}
		// Retention removes what is older than the cut, on every dialect.
		pruned, err := es.Prune(ctx, now.Add(-24*time.Hour))
		if err != nil || pruned != 1 {
			t.Errorf("Prune = %d, %v; want the one old event", pruned, err)
		}
		if n, _ := count(soc, eventstore.Query{From: now.Add(-30 * 24 * time.Hour), To: now.Add(time.Minute)}); n != 7 {
			t.Errorf("after pruning %d events remain; want 7", n)
		}
		// Appending into a pruned day works again (its partition is recreated).
		if _, err := es.Append(ctx, []event.Event{{ID: "ev-back", Tenant: cph, Time: now.Add(-10 * 24 * time.Hour), Received: now}}); err != nil {
			t.Errorf("Append into a pruned day = %v", err)
		}
	})
}

// TestAppendEncodedBatches: batches that come with their spine encoding
// are stored as they came when they hold one tenant's events of one day
// (consecutive ones joined up to a block's worth), and event by event
// otherwise (two days, stable ids); either way every event is found once,
// whole, and a replayed batch adds nothing.
func TestAppendEncodedBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		es := eventstore.New(db)
		cph, frb := e.Org(t, "101").ID, e.Org(t, "147").ID
		now := time.Now().UTC().Truncate(time.Hour).Add(30 * time.Minute)
		mk := func(id string, tenant int64, at time.Time, msg string) event.Event {
			ev := event.Event{ID: id, Tenant: tenant, Time: at, Received: now, Host: "h-" + id, Message: msg, Severity: 6, Format: event.FormatRFC5424}
			ev.Set("user.name", "u-"+id)
			return ev
		}
		encoded := func(id string, evs []event.Event) eventstore.Batch {
			return eventstore.Batch{ID: id, Events: evs}
		}
		var batches []eventstore.Batch
		want := 0
		for b := 0; b < 3; b++ { // København: 3 × 2,000 events of this hour
			var evs []event.Event
			for i := 0; i < 2000; i++ {
				evs = append(evs, mk(fmt.Sprintf("k%d-%d", b, i), cph, now.Add(-time.Duration(i)*time.Millisecond), "kk"))
			}
			batches = append(batches, encoded(fmt.Sprintf("kb%d", b), evs))
			want += len(evs)
		}
		// Frederiksberg: a whole batch of today, whose tenant and day the
		// next batch (over two days) also has events of, so it is stored
		// event by event with them; and one with a stable id.
		batches = append(batches, encoded("fw", []event.Event{mk("fw1", frb, now, "whole"), mk("fw2", frb, now.Add(-time.Minute), "whole")}))
		want += 2
		batches = append(batches, encoded("fb1", []event.Event{mk("f1", frb, now, "today"), mk("f2", frb, now.Add(-48*time.Hour), "two days ago")}))
		stable := mk(event.StableID("relp", "10.0.0.9", "<13>1 x"), frb, now, "stable")
		batches = append(batches, encoded("fb2", []event.Event{stable}))
		want += 3
		if n, err := es.AppendBatches(ctx, batches); err != nil || n != want {
			t.Fatalf("AppendBatches = %d, %v; want %d", n, err, want)
		}
		if n, err := es.AppendBatches(ctx, batches[:1]); err != nil || n != 0 {
			t.Errorf("replayed batch = %d, %v; want 0", n, err)
		}
		if n, err := es.AppendBatches(ctx, []eventstore.Batch{encoded("fb3", []event.Event{stable})}); err != nil || n != 0 {
			t.Errorf("retransmitted stable id = %d, %v; want 0", n, err)
		}
		soc := e.Scope(t, "demo-soc-analyst")
		seen := map[string]int{}
		err := es.Each(ctx, soc, eventstore.Query{From: now.Add(-72 * time.Hour), To: now.Add(time.Hour)}, func(ev event.Event) error {
			seen[ev.ID]++
			if ev.Get("user.name") != "u-"+ev.ID || ev.Host != "h-"+ev.ID {
				t.Errorf("event %s came back as %+v", ev.ID, ev)
			}
			return nil
		})
		if err != nil || len(seen) != want {
			t.Fatalf("Each found %d distinct events, %v; want %d", len(seen), err, want)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s found %d times", id, n)
			}
		}
		if r, err := es.Search(ctx, soc, eventstore.Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Q: "user.name:u-k2-1999"}); err != nil || r.Total != 1 {
			t.Errorf("search in a joined block = %+v, %v; want 1", r.Total, err)
		}
		if db.Dialect() == store.SQLite {
			// Whole batches joined up to 5,000 events: 4,000 + 2,000 (event
			// by event would have made 5,000 + 1,000).
			var small, large int
			if err := db.Reader().QueryRowContext(ctx, `SELECT MIN(n), MAX(n) FROM event_blocks WHERE tenant = $1`, cph).Scan(&small, &large); err != nil || small != 2000 || large != 4000 {
				t.Errorf("København's blocks hold %d to %d events, %v; want 2,000 and 4,000", small, large, err)
			}
		}
	})
}
