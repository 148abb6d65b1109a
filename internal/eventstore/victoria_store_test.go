package eventstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/eventstore/vltest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// vlStore returns an event store on a fresh VictoriaLogs beside db, with
// municipalities 1001 and 1002 in db.
func vlStore(t *testing.T, db *store.DB) (*eventstore.Store, *eventstore.Victoria) {
	t.Helper()
	return vlStoreOn(t, db, vltest.Start(t))
}

// vlStoreOn is vlStore on the VictoriaLogs at url.
func vlStoreOn(t *testing.T, db *store.DB, url string) (*eventstore.Store, *eventstore.Victoria) {
	t.Helper()
	vl, err := eventstore.NewVictoria(url)
	if err != nil {
		t.Fatal(err)
	}
	addOrgs(t, db)
	return eventstore.NewOn(db, vl), vl
}

// TestStoreOnVictoria runs the event store's surface on VictoriaLogs with
// SQLite and with PostgreSQL beside it: the query corpus through Search,
// each caller's reach, batches stored once (also a batch delivered again
// after a crash that had reached VictoriaLogs in part), histogram,
// facets, export, and retention per organisation; on a single
// VictoriaLogs and on a cluster of two storage nodes behind an
// insert/select node.
func TestStoreOnVictoria(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, db *store.DB) { storeOnVictoria(t, db, vltest.Start(t)) })
	})
	t.Run("cluster", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, db *store.DB) {
			front, nodes := vltest.Cluster(t, 2)
			storeOnVictoria(t, db, front.URL+"?storage="+nodes[0].Addr+","+nodes[1].Addr)
		})
	})
}

func storeOnVictoria(t *testing.T, db *store.DB, url string) {
	ctx := context.Background()
	es, vl := vlStoreOn(t, db, url)
	flush := func() {
		t.Helper()
		if err := vl.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	base := queryCorpusBase
	corpus := queryCorpus()
	var other []event.Event
	for _, e := range corpus {
		e.Tenant, e.ID = 1002, "o-"+e.ID
		other = append(other, e)
	}
	n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "b1", Events: corpus}, {ID: "b2", Events: other}})
	if err != nil || n != 14 {
		t.Fatalf("AppendBatches = %d, %v; want 14", n, err)
	}
	flush()
	soc := access.System("test")
	window := eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour)}
	for _, c := range queryCases {
		q := window
		q.Q, q.Tenants = c.q, []int64{1001}
		r, err := es.Search(ctx, soc, q)
		if err != nil {
			t.Errorf("%q: %v", c.q, err)
			continue
		}
		var got []string
		for _, e := range r.Items {
			got = append(got, e.ID)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.want || r.Total != len(got) || !r.TotalExact {
			t.Errorf("%q found %v (total %d); want %s", c.q, got, r.Total, c.want)
		}
	}
	// Reach: a municipality's user sees its own events only, however
	// it asks.
	own := access.Scope{UserID: 7, Username: "it-1002", OrgID: 1002, OrgKind: "municipality", Role: access.RoleCISO, Reach: access.ReachOwn}
	for _, q := range []eventstore.Query{window, {From: window.From, To: window.To, Tenants: []int64{1001, 1002}}, {From: window.From, To: window.To, Q: "tenant:1001"}} {
		r, err := es.Search(ctx, own, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.Items {
			if e.Tenant != 1002 {
				t.Fatalf("municipality 1002's user searching %+v read tenant %d's %s", q, e.Tenant, e.ID)
			}
		}
	}
	// Once: the same batch again stores nothing; a batch delivered
	// again after a crash, which had reached VictoriaLogs in part,
	// stores only what it lacked.
	if n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "b1", Events: corpus}}); err != nil || n != 0 {
		t.Fatalf("the same batch again = %d, %v; want 0", n, err)
	}
	late := event.Event{ID: "h", Tenant: 1001, Time: base.Add(7 * time.Minute), Received: base, Host: "late", Message: "late"}
	n, err = es.AppendBatches(ctx, []eventstore.Batch{{ID: "b3", Redelivered: true, Events: append(slices.Clone(corpus[:3]), late)}})
	if err != nil || n != 1 {
		t.Fatalf("a redelivered batch with three stored events and one new = %d, %v; want 1", n, err)
	}
	flush()
	r, err := es.Search(ctx, soc, window)
	if err != nil || r.Total != 15 {
		t.Fatalf("all events = %d, %v; want 15, each once", r.Total, err)
	}
	// Histogram and facets as on the SQL stores.
	h, width, err := es.Histogram(ctx, soc, eventstore.Query{From: base, To: base.Add(time.Hour)}, 60)
	if err != nil || width != time.Minute || h[0].Count != 2 || h[7].Count != 1 || h[8].Count != 0 {
		t.Fatalf("histogram = %v, %v, %v", h[:9], width, err)
	}
	fs, sampled, err := es.Facets(ctx, soc, window, 3, 5)
	if err != nil || sampled != 15 || len(fs) == 0 || fs[0].Field != eventstore.TenantFacet {
		t.Fatalf("facets = %+v, %d sampled, %v; want the tenant first of 15", fs, sampled, err)
	}
	var exported int
	if err := es.Each(ctx, own, window, func(e event.Event) error {
		if e.Tenant != 1002 {
			return fmt.Errorf("exported tenant %d's %s", e.Tenant, e.ID)
		}
		exported++
		return nil
	}); err != nil || exported != 7 {
		t.Fatalf("municipality 1002's export = %d events, %v; want its 7", exported, err)
	}
	// The quarantine: unregistered senders' events (tenant 0), busiest
	// first, for those who see all security data only.
	var unknown []event.Event
	for i := range 3 {
		unknown = append(unknown, event.Event{ID: fmt.Sprint("q", i), Time: base.Add(time.Duration(i) * time.Minute), Received: base, SourceIP: "192.0.2.9", Host: "rogue", Message: "x"})
	}
	unknown = append(unknown, event.Event{ID: "q9", Time: base, Received: base, SourceIP: "192.0.2.10", Host: "other", Message: "y"})
	if _, err := es.Append(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	flush()
	qs, err := es.Quarantine(ctx, soc, base.Add(-time.Hour))
	if err != nil || len(qs) != 2 || qs[0].SenderIP != "192.0.2.9" || qs[0].Events != 3 || !qs[0].First.Equal(base) || !qs[0].Last.Equal(base.Add(2*time.Minute)) {
		t.Fatalf("quarantine = %+v, %v; want 192.0.2.9 with 3 events first", qs, err)
	}
	if qs, err := es.Quarantine(ctx, own, base.Add(-time.Hour)); err != nil || len(qs) != 0 {
		t.Fatalf("a municipality's view of the quarantine = %+v, %v; want nothing", qs, err)
	}
	// Retention: 1001 keeps the standard's 395 days, 1002 ten years.
	if err := es.SetRetention(ctx, soc, 1002, 3650); err != nil {
		t.Fatal(err)
	}
	gone, err := es.ApplyRetention(ctx, base.AddDate(0, 0, 400))
	if err != nil || gone != 12 {
		t.Fatalf("ApplyRetention = %d, %v; want 1001's 8 events and the quarantine's 4", gone, err)
	}
	var left map[int64]int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		left = map[int64]int{}
		if err := es.Each(ctx, soc, window, func(e event.Event) error { left[e.Tenant]++; return nil }); err != nil {
			t.Fatal(err)
		}
		if left[1001] == 0 {
			break
		}
	}
	if left[1001] != 0 || left[1002] != 7 {
		t.Fatalf("after retention: %v events per tenant; want none of 1001's, 1002's 7", left)
	}
}

// TestRetransmissionOnVictoria: a sender's retransmission (events with
// stable ids) in a new batch, while the batch that first held them was
// cut short by a crash before it was recorded, is stored once: the first
// batch's claim makes the retransmission skip them, and the first batch,
// delivered again, sends what VictoriaLogs lacks.
func TestRetransmissionOnVictoria(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es, vl := vlStore(t, db)
		base := queryCorpusBase
		var evs []event.Event
		for i := range 4 {
			evs = append(evs, event.Event{ID: event.StableID("relp", fmt.Sprint("frame", i)), Tenant: 1001, Time: base.Add(time.Duration(i) * time.Second), Received: base, Message: "m"})
		}
		// The crash: b1's first two events reached VictoriaLogs, b1 was
		// never recorded, and its claims were.
		if _, err := vl.Append(ctx, evs[:2]); err != nil {
			t.Fatal(err)
		}
		if err := eventstore.ClaimForTest(es, ctx, "b1", evs); err != nil {
			t.Fatal(err)
		}
		// The sender sends all four again in b2 (new), then b1 comes again.
		if n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "b2", Events: evs}}); err != nil || n != 0 {
			t.Fatalf("the retransmission = %d, %v; want 0 (b1 holds them)", n, err)
		}
		if n, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: "b1", Events: evs, Redelivered: true}}); err != nil || n != 2 {
			t.Fatalf("b1 delivered again = %d, %v; want the 2 that did not arrive", n, err)
		}
		if err := vl.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := es.Search(ctx, access.System("test"), eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour)})
		if err != nil || r.Total != 4 {
			t.Fatalf("stored %d, %v; want each of the 4 once", r.Total, err)
		}
	})
}
