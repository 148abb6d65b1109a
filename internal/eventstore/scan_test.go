package eventstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestScanManyBlocks searches, pages, exports and counts over forty blocks
// (SQLite reads them with several workers, reusing their memory; the
// results must be as if read one by one): the newest first, totals exact
// below the cap, an early stop after a few events, and every event's
// fields its own after later blocks were decoded into the same memory.
func TestScanManyBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := eventstore.New(db)
		base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		const blocks, per = 40, 1000
		for b := range blocks {
			evs := make([]event.Event, per)
			for i := range evs {
				k := b*per + i
				evs[i] = event.Event{ID: fmt.Sprintf("s%06d", k), Tenant: 1001, Time: base.Add(time.Duration(k) * time.Second), Received: base,
					Host: fmt.Sprint("host", k%7), Message: fmt.Sprintf("Failed password for user%d", k%13), Format: event.FormatRaw,
					Fields: []event.Field{{Key: "seq", Value: fmt.Sprint(k)}, {Key: "user.name", Value: fmt.Sprint("user", k%13)}}}
			}
			if _, err := es.Append(ctx, evs); err != nil {
				t.Fatal(err)
			}
		}
		sc := access.System("test")
		q := eventstore.Query{From: base, To: base.Add(blocks * per * time.Second), Limit: 100}
		newest := func(i int) string { return fmt.Sprintf("s%06d", blocks*per-1-i) }

		r, err := es.Search(ctx, sc, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Items) != 100 || r.Total != eventstore.TotalCap || r.TotalExact {
			t.Fatalf("all: %d items, total %d exact %v; want 100, %d, not exact", len(r.Items), r.Total, r.TotalExact, eventstore.TotalCap)
		}
		for i, e := range r.Items {
			if e.ID != newest(i) || e.Get("seq") != fmt.Sprint(blocks*per-1-i) {
				t.Fatalf("item %d is %s (seq %s); want %s", i, e.ID, e.Get("seq"), newest(i))
			}
		}

		// user3 and host2: k%13 == 3 and k%7 == 2, one in 91.
		q.Q = `"password for user3" AND host.name:host2`
		want := 0
		for k := range blocks * per {
			if k%13 == 3 && k%7 == 2 {
				want++
			}
		}
		r, err = es.Search(ctx, sc, q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != want || !r.TotalExact || len(r.Items) != 100 {
			t.Fatalf("%s: total %d exact %v, %d items; want %d exact, 100", q.Q, r.Total, r.TotalExact, len(r.Items), want)
		}
		for i, e := range r.Items {
			if e.Host != "host2" || e.Get("user.name") != "user3" || (i > 0 && !e.Time.Before(r.Items[i-1].Time)) {
				t.Fatalf("item %d: %+v", i, e)
			}
		}

		// Export: stops after three, the newest; then everything, each
		// event with its own fields.
		q.Q, q.Limit = "", 3
		var got []event.Event
		if err := es.Each(ctx, sc, q, func(e event.Event) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != newest(0) || got[2].ID != newest(2) {
			t.Fatalf("each, limit 3: %v", ids(got))
		}
		q.Limit = 0
		got = got[:0]
		if err := es.Each(ctx, sc, q, func(e event.Event) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != blocks*per {
			t.Fatalf("each: %d events; want %d", len(got), blocks*per)
		}
		for _, e := range got {
			if seq, _ := strconv.Atoi(e.Get("seq")); fmt.Sprintf("s%06d", seq) != e.ID {
				t.Fatalf("event %s carries seq %s: its fields were overwritten", e.ID, e.Get("seq"))
			}
		}

		// Facets keep copies: the sampled values stay whole, one entry
		// each, after later searches decode other blocks into the same
		// memory.
		facets, sampled, err := es.Facets(ctx, sc, q, 12, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := es.Search(ctx, sc, eventstore.Query{From: q.From, To: q.To, Q: "user7", Limit: 100}); err != nil {
			t.Fatal(err)
		}
		var hosts *eventstore.Facet
		for i := range facets {
			if facets[i].Field == "host.name" {
				hosts = &facets[i]
			}
		}
		if hosts == nil || sampled != eventstore.FacetSample {
			t.Fatalf("facets over %d sampled events lack host.name: %+v", sampled, facets)
		}
		n, seen := 0, map[string]bool{}
		for _, v := range hosts.Values {
			if seen[v.Value] || len(v.Value) != 5 || !strings.HasPrefix(v.Value, "host") {
				t.Fatalf("host.name facet holds %q twice or damaged: %+v", v.Value, hosts.Values)
			}
			seen[v.Value] = true
			n += v.Count
		}
		if n != sampled {
			t.Errorf("host.name facet counts %d of %d sampled events: %+v", n, sampled, hosts.Values)
		}

		hist, _, err := es.Histogram(ctx, sc, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		n = 0
		for _, b := range hist {
			n += b.Count
		}
		if n != blocks*per {
			t.Errorf("histogram counts %d; want %d", n, blocks*per)
		}
	})
}

// TestScanStopsEarly finds a word that only the newest of 300 blocks
// holds, asking for one event: the scan stops there instead of reading
// every older block's row, even those its filter skips.
func TestScanStopsEarly(t *testing.T) {
	ctx := context.Background()
	es := eventstore.New(storetest.SQLite(t))
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for b := range 300 {
		evs := make([]event.Event, 10)
		for i := range evs {
			msg := fmt.Sprint("routine message ", b, " ", i)
			if b == 299 {
				msg = "needle in the newest block"
			}
			evs[i] = event.Event{ID: fmt.Sprintf("e%d-%d", b, i), Tenant: 1001, Time: base.Add(time.Duration(b*10+i) * time.Second), Received: base,
				Message: msg, Format: event.FormatRaw}
		}
		if _, err := es.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	skipped := es.BlocksSkipped.Load()
	var got []event.Event
	q := eventstore.Query{From: base, To: base.Add(time.Hour), Q: "needle", Limit: 1}
	if err := es.Each(ctx, access.System("test"), q, func(e event.Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "e299-9" {
		t.Fatalf("each = %v; want the newest needle", ids(got))
	}
	if n := es.BlocksSkipped.Load() - skipped; n > 20 {
		t.Errorf("stopping after the first block still went through %d older blocks", n)
	}
}

func ids(evs []event.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}
