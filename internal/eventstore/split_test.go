package eventstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// splitCorpus is 30 batches of 200 events of one tenant whose times
// overlap from batch to batch (two events a second, the third batch out
// of order), with a field and a raw original each, the phrase in every
// third message and host fw01 on every other event.
func splitCorpus(base time.Time) [][]event.Event {
	var out [][]event.Event
	for b := range 30 {
		var evs []event.Event
		for i := range 200 {
			k := b*150 + i
			e := event.Event{ID: fmt.Sprintf("e%05d-%d", k, b), Tenant: 1, Time: base.Add(time.Duration(k/2) * time.Second), Received: base,
				Host: []string{"fw01", "fw02"}[k%2], App: "sshd", SourceIP: "10.0.0.9", Severity: 5, Format: event.FormatRFC5424,
				Message: fmt.Sprintf("Accepted publickey for u%d", k%7)}
			if k%3 == 0 {
				e.Message = fmt.Sprintf("Failed password for u%d from 10.1.%d.%d", k%7, k%250, b)
			}
			e.Raw = "<13>1 raw " + e.Message
			e.Set("user.name", fmt.Sprint("user", k%7))
			evs = append(evs, e)
		}
		if b == 2 {
			slices.Reverse(evs)
		}
		out = append(out, evs)
	}
	return out
}

// TestHeadOnlySearch: a search that tests head columns only (a phrase and
// a host) gives on SQLite's split blocks what a reference gives, page
// after page with the cursor: the page's events whole (fields and raw
// original), the count exact; blocks that can only add to the count are
// read by their heads alone. Counts and histograms by head columns read
// heads alone; a query on a field reads every block whole.
func TestHeadOnlySearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := eventstore.New(db)
		base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		var all []event.Event
		for b, evs := range splitCorpus(base) {
			if _, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: fmt.Sprint("split", b), Events: evs}}); err != nil {
				t.Fatal(err)
			}
			all = append(all, evs...)
		}
		newestFirst := func(a, b event.Event) int {
			if c := b.Time.Compare(a.Time); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		}
		slices.SortFunc(all, newestFirst)
		soc := access.System("test")
		q := eventstore.Query{From: base.Add(-time.Hour), To: base.Add(3 * time.Hour), Limit: 25}

		for _, c := range []struct {
			q     string
			match func(e *event.Event) bool
			light bool
		}{
			{`"failed password" AND host.name:fw01`, func(e *event.Event) bool {
				return strings.Contains(e.Message, "Failed password") && e.Host == "fw01"
			}, true},
			{`"10.1.3."`, func(e *event.Event) bool { return strings.Contains(e.Message, "10.1.3.") }, true},
			// Every trigram in every block, the phrase in none: the
			// blocks are ruled out by their bytes (after searches that
			// left hits in the decoders).
			{`"publickey for u6 from"`, func(e *event.Event) bool { return false }, true},
			// On a field: every block read whole, its bytes checked
			// again once its rests are read.
			{`user.name:user3 AND host.name:fw02`, func(e *event.Event) bool { return e.Get("user.name") == "user3" && e.Host == "fw02" }, false},
			{`user.name:user9 OR "publickey for u6 from"`, func(e *event.Event) bool { return false }, false},
		} {
			var want []event.Event
			for _, e := range all {
				if c.match(&e) {
					want = append(want, e)
				}
			}
			heads0 := es.BlocksHeadOnly.Load()
			pq := q
			pq.Q = c.q
			var got []event.Event
			for page := 0; ; page++ {
				res, err := es.Search(ctx, soc, pq)
				if err != nil {
					t.Fatalf("%s: %v", c.q, err)
				}
				if res.Total != len(want) && page == 0 {
					t.Errorf("%s: total %d; want %d", c.q, res.Total, len(want))
				}
				got = append(got, res.Items...)
				if res.Next == nil || page > len(want)/pq.Limit+1 {
					break
				}
				pq.Cursor = *res.Next
			}
			if heads := es.BlocksHeadOnly.Load() - heads0; !c.light && heads != 0 {
				t.Errorf("%s tests a field, yet %d blocks were read by their heads alone", c.q, heads)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d events over the pages; want %d", c.q, len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s: event %d is\n %+v\nwant\n %+v", c.q, i, got[i], want[i])
				}
			}
		}
		// The first page of the light search again: the blocks read whole
		// are those holding its events and those the workers read ahead
		// before the page was full; the others, by their heads alone.
		heads0, read0 := es.BlocksHeadOnly.Load(), es.BlocksRead.Load()
		pq := q
		pq.Q = `"failed password" AND host.name:fw01`
		res, err := es.Search(ctx, soc, pq)
		if err != nil {
			t.Fatal(err)
		}
		heads, read := es.BlocksHeadOnly.Load()-heads0, es.BlocksRead.Load()-read0
		shown := map[string]bool{}
		for _, e := range res.Items {
			shown[e.ID[strings.IndexByte(e.ID, '-'):]] = true
		}
		if db.Dialect() == store.SQLite && (read != 30 || read-heads > int64(len(shown)+8)) {
			t.Errorf("first page: %d blocks read, %d of them whole; want 30, at most %d whole (%d hold its events, 8 read ahead)",
				read, read-heads, len(shown)+8, len(shown))
		}

		// Counts by a head column of a phrase, and a histogram: heads only.
		heads0 = es.BlocksHeadOnly.Load()
		cq := q
		cq.Q = `"failed password"`
		cnt, err := es.Count(ctx, soc, cq, "host.name", 5)
		if err != nil {
			t.Fatal(err)
		}
		wantHosts := map[string]int{}
		total := 0
		for _, e := range all {
			if strings.Contains(e.Message, "Failed password") {
				wantHosts[e.Host]++
				total++
			}
		}
		gotHosts := map[string]int{}
		for _, v := range cnt.Values {
			gotHosts[v.Value] = v.Count
		}
		if cnt.Total != total || !reflect.DeepEqual(gotHosts, wantHosts) {
			t.Errorf("count by host of the phrase = %d %v; want %d %v", cnt.Total, gotHosts, total, wantHosts)
		}
		buckets, _, err := es.Histogram(ctx, soc, cq, 3)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, b := range buckets {
			sum += b.Count
		}
		if sum != total {
			t.Errorf("histogram of the phrase holds %d events; want %d", sum, total)
		}
		if heads := es.BlocksHeadOnly.Load() - heads0; db.Dialect() == store.SQLite && heads != 60 {
			t.Errorf("a count and a histogram read %d blocks by their heads alone; want all 30 each", heads)
		}
		// Counting by a field needs the rests.
		heads0 = es.BlocksHeadOnly.Load()
		if cnt, err := es.Count(ctx, soc, cq, "user.name", 10); err != nil || cnt.Total != total || len(cnt.Values) != 7 {
			t.Errorf("count by user of the phrase = %+v, %v; want %d events over 7 users", cnt, err, total)
		}
		if heads := es.BlocksHeadOnly.Load() - heads0; heads != 0 {
			t.Errorf("a count by a field read %d blocks by their heads alone", heads)
		}
	})
}

// TestBlocksBeforeTheSplit: a block stored before the split form (one
// zstd frame of a whole batch) is still searched, counted and exported
// whole, and retention that cuts it rewrites it in the split form.
func TestBlocksBeforeTheSplit(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	es := eventstore.New(db)
	base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	old := splitCorpus(base)[0]
	data, err := event.EncodeBatch(old)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	packed := enc.EncodeAll(data, nil)
	lo := slices.MinFunc(old, func(a, b event.Event) int { return a.Time.Compare(b.Time) }).Time
	hi := slices.MaxFunc(old, func(a, b event.Event) int { return a.Time.Compare(b.Time) }).Time
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_blocks (tenant, ts_min, ts_max, n, data) VALUES ($1, $2, $3, $4, $5)`,
			1, lo.UnixMicro(), hi.UnixMicro(), len(old), packed)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A newer batch in the split form beside it.
	newer := splitCorpus(base.Add(2 * time.Hour))[1]
	if _, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "new", Events: newer}}); err != nil {
		t.Fatal(err)
	}
	soc := access.System("test")
	q := eventstore.Query{From: base.Add(-time.Hour), To: base.Add(5 * time.Hour), Q: `"failed password" AND host.name:fw01`, Limit: 1000}
	res, err := es.Search(ctx, soc, q)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range append(slices.Clone(old), newer...) {
		if strings.Contains(e.Message, "Failed password") && e.Host == "fw01" {
			want++
		}
	}
	if res.Total != want || len(res.Items) != want {
		t.Fatalf("search over an old and a new block: %d of %d; want %d", len(res.Items), res.Total, want)
	}
	for _, e := range res.Items {
		if e.Raw == "" || e.Get("user.name") == "" || e.ID == "" {
			t.Fatalf("event %+v came back without its rest", e)
		}
	}
	// A page of five: the page fills from the newer block, and the old
	// block (older than the page) is still read whole and counted.
	small := q
	small.Limit = 5
	if page, err := es.Search(ctx, soc, small); err != nil || page.Total != want || len(page.Items) != 5 {
		t.Errorf("a page of five = %d of %d, %v; want 5 of %d", len(page.Items), page.Total, err, want)
	}
	seen, wantU1 := 0, 0
	for _, e := range append(slices.Clone(old), newer...) {
		if e.Get("user.name") == "user1" {
			wantU1++
		}
	}
	if err := es.Each(ctx, soc, eventstore.Query{From: q.From, To: q.To, Q: "user.name:user1"}, func(e event.Event) error {
		if e.Raw == "" {
			t.Errorf("exported event %s has no raw original", e.ID)
		}
		seen++
		return nil
	}); err != nil || seen != wantU1 {
		t.Errorf("export of user1 = %d, %v; want %d", seen, err, wantU1)
	}
	// Retention cuts the old block in half: it is rewritten split.
	cut := old[0].Time.Add(50 * time.Second)
	if _, err := es.Prune(ctx, cut); err != nil {
		t.Fatal(err)
	}
	var first []byte
	if err := db.Reader().QueryRowContext(ctx, `SELECT data FROM event_blocks WHERE ts_max = $1`, hi.UnixMicro()).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if first[0] != 0x02 {
		t.Errorf("a rewritten block starts with %#x; want the split form's 0x02", first[0])
	}
	kept := 0
	for _, e := range old {
		if !e.Time.Before(cut) {
			kept++
		}
	}
	// The rewritten block reads back whole, event by event.
	byID := map[string]event.Event{}
	for _, e := range old {
		byID[e.ID] = e
	}
	res, err = es.Search(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Limit: 1000})
	if err != nil || res.Total != kept || len(res.Items) != kept {
		t.Fatalf("after retention the old block holds %d (%d shown), %v; want %d", res.Total, len(res.Items), err, kept)
	}
	for _, e := range res.Items {
		if !reflect.DeepEqual(e, byID[e.ID]) {
			t.Fatalf("after retention event %s reads\n %+v\nwant\n %+v", e.ID, e, byID[e.ID])
		}
	}
}
