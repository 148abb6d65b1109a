package eventstore_test

import (
	"context"
	"fmt"
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

// TestCopiesOnVictoria keeps the events in two copies, a VictoriaLogs
// cluster (two storage nodes behind an insert/select node) and a single
// VictoriaLogs, and kills a storage node of the cluster: searches go on
// from the single copy with every event; the cluster copy counts as
// restarted for what it held in memory (Intact), and a batch delivered
// to it again fills in what it lacks; reading prefers a copy that is
// caught up.
func TestCopiesOnVictoria(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		front, nodes := vltest.Cluster(t, 2, "-inmemoryDataFlushInterval", "1s")
		single := vltest.Run(t, "-inmemoryDataFlushInterval", "1s")
		clusterURL := "victorialogs://" + front.Addr + "?storage=" + nodes[0].Addr + "," + nodes[1].Addr
		cl, err := eventstore.NewVictoria(clusterURL)
		if err != nil {
			t.Fatal(err)
		}
		one, err := eventstore.NewVictoria(single.URL)
		if err != nil {
			t.Fatal(err)
		}
		addOrgs(t, db)
		es := eventstore.NewOn(db, cl, one)
		if es.Copies() != 2 {
			t.Fatalf("Copies = %d; want 2", es.Copies())
		}
		base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		batch := func(id string, from, n int) eventstore.Batch {
			b := eventstore.Batch{ID: id}
			for i := from; i < from+n; i++ {
				b.Events = append(b.Events, event.Event{ID: fmt.Sprintf("e%05d", i), Tenant: int64(1001 + i%2), Time: base.Add(time.Duration(i) * time.Second),
					Received: base, Host: fmt.Sprint("host-", i%7), App: "sshd", Message: fmt.Sprint("Accepted password for user", i%11)})
			}
			return b
		}
		flush := func(vs ...*eventstore.Victoria) {
			t.Helper()
			for _, v := range vs {
				if err := v.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		soc := access.System("test")
		window := eventstore.Query{From: base.Add(-time.Hour), To: base.Add(24 * time.Hour)}
		total := func(es *eventstore.Store) int {
			t.Helper()
			r, err := es.Search(ctx, soc, window)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			return r.Total
		}
		if n, err := es.AppendBatches(ctx, []eventstore.Batch{batch("b1", 0, 400)}); err != nil || n != 400 {
			t.Fatalf("AppendBatches = %d, %v; want 400", n, err)
		}
		flush(cl, one)
		for name, v := range map[string]*eventstore.Victoria{"cluster": cl, "single": one} {
			if got := total(eventstore.NewOn(db, v)); got != 400 {
				t.Fatalf("the %s copy holds %d events; want 400", name, got)
			}
		}
		// Every process of both copies started before now (start
		// times are whole seconds, Intact allows a second).
		time.Sleep(2100 * time.Millisecond)
		stored := time.Now()
		for c := range 2 {
			if !es.Intact(ctx, c, stored) {
				t.Fatalf("copy %d is not intact though nothing restarted", c)
			}
		}

		// A storage node of the cluster dies: the cluster copy cannot
		// answer, searches read the single copy, and the cluster counts
		// as not intact.
		nodes[1].Kill()
		if got := total(es); got != 400 {
			t.Fatalf("with a storage node of the first copy down, search found %d; want 400 from the second copy", got)
		}
		time.Sleep(1100 * time.Millisecond) // start times are cached for a second
		if es.Intact(ctx, 0, stored) {
			t.Fatal("the cluster copy counts as intact with a storage node down")
		}
		// The single copy goes on storing; the cluster copy may or may
		// not (its insert node routes around the dead node): either way
		// the batch is delivered to it again later.
		if _, err := es.AppendCopy(ctx, 1, []eventstore.Batch{batch("b2", 400, 100)}); err != nil {
			t.Fatal(err)
		}
		flush(one)
		if got := total(es); got != 500 {
			t.Fatalf("search found %d; want 500 from the second copy", got)
		}
		nodes[1].Restart()
		if es.Intact(ctx, 0, stored.Add(-time.Second)) {
			// The cache of start times lasts a second.
			time.Sleep(1100 * time.Millisecond)
			if es.Intact(ctx, 0, stored) {
				t.Fatal("the cluster copy counts as intact for what it stored before a storage node restarted")
			}
		}
		time.Sleep(1100 * time.Millisecond)
		if !es.Intact(ctx, 0, time.Now().Add(-100*time.Millisecond)) {
			t.Fatal("the cluster copy is not intact for what it stores after the restart")
		}
		// b2 comes to the cluster copy again (and b1 too, as the hold
		// says it may have been lost): only what it lacks is sent.
		b1, b2 := batch("b1", 0, 400), batch("b2", 400, 100)
		b1.Redelivered, b2.Redelivered = true, true
		if _, err := es.AppendCopy(ctx, 0, []eventstore.Batch{b2}); err != nil {
			t.Fatal(err)
		}
		flush(cl)
		clusterOnly := eventstore.NewOn(db, cl)
		if got := total(clusterOnly); got != 500 {
			t.Fatalf("after catching up the cluster copy holds %d events; want 500", got)
		}
		// b1 was recorded as stored in the cluster copy: delivered again
		// it is skipped there, as in the single copy.
		if n, err := es.AppendCopy(ctx, 0, []eventstore.Batch{b1}); err != nil || n != 0 {
			t.Fatalf("b1 again = %d, %v; want 0", n, err)
		}
		if got := total(es); got != 500 {
			t.Fatalf("search found %d; want 500", got)
		}

		// Reading prefers a copy that is caught up: with the first copy
		// far behind, a batch only the second has is found.
		behind := eventstore.NewOn(db, cl, one)
		behind.SetBacklog(func(_ context.Context, c int) (uint64, error) { return uint64(1000 * (1 - c)), nil })
		if _, err := behind.AppendCopy(ctx, 1, []eventstore.Batch{batch("b3", 500, 10)}); err != nil {
			t.Fatal(err)
		}
		flush(one)
		if got := total(behind); got != 510 {
			t.Fatalf("with the first copy behind, search found %d; want 510 from the second", got)
		}
		if got := total(clusterOnly); got != 500 {
			t.Fatalf("the first copy holds %d; want 500 (b3 not yet)", got)
		}
		// The retention deletes in both copies.
		if err := es.SetRetention(ctx, soc, 1002, 3650); err != nil {
			t.Fatal(err)
		}
		if _, err := es.ApplyRetention(ctx, base.AddDate(0, 0, 400)); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]*eventstore.Victoria{"cluster": cl, "single": one} {
			var left []string
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				left = nil
				if err := eventstore.NewOn(db, v).Each(ctx, soc, window, func(e event.Event) error {
					if e.Tenant == 1001 {
						left = append(left, e.ID)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if len(left) == 0 {
					break
				}
			}
			if len(left) != 0 {
				t.Fatalf("after retention the %s copy still holds 1001's %s", name, strings.Join(left[:min(5, len(left))], " "))
			}
		}
	})
}

// addOrgs adds municipalities 1001 and 1002 to db.
func addOrgs(t *testing.T, db *store.DB) {
	t.Helper()
	for _, id := range []int64{1001, 1002} {
		if _, err := db.Reader().ExecContext(context.Background(), `INSERT INTO organizations (id, kind, slug, name, created_at) VALUES ($1, 'municipality', $2, $3, $4)`,
			id, fmt.Sprint("m", id), fmt.Sprint("Kommune ", id), store.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
