package intel_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestPublishOnTwoNodes: two nodes publishing at once (during a takeover
// of the jobs' lease) give every new object one place in the added
// order, after everything published before, and count it once; rows
// from before STIX ids get theirs once.
func TestPublishOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newWorld(t, db)
		nodes := []*intel.Service{newService(db, nil), newService(db, nil)}
		var last int64
		for round := range 3 {
			const n = 300
			storeIndicators(t, db, round*n, n, "green")
			if err := db.Write(ctx, func(tx *sql.Tx) error { // one from before STIX ids
				_, err := tx.ExecContext(ctx, `INSERT INTO indicators (type, value, source, level, created_at, created_by, tlp, added_at)
					VALUES ('ip', $1, 'old', 'high', 1, 'old', 'green', 0)`, fmt.Sprintf("198.51.100.%d", round))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var published [2]int
			var wg sync.WaitGroup
			begin := make(chan struct{})
			for i, s := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-begin
					var err error
					if published[i], err = s.Publish(ctx); err != nil {
						t.Errorf("node %d: Publish = %v", i, err)
					}
				}()
			}
			close(begin)
			wg.Wait()
			if got := published[0] + published[1]; got != n+1 {
				t.Errorf("round %d: two nodes published %d objects (%v); want %d", round+1, got, published, n+1)
			}
			var unpublished, noID, times int
			var hi int64
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators WHERE added_at = 0`).Scan(&unpublished); err != nil {
				t.Fatal(err)
			}
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators WHERE stix_id IS NULL`).Scan(&noID); err != nil {
				t.Fatal(err)
			}
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(DISTINCT added_at), MAX(added_at) FROM indicators WHERE added_at > $1`, last).Scan(&times, &hi); err != nil {
				t.Fatal(err)
			}
			if unpublished != 0 || noID != 0 || times != 1 {
				t.Errorf("round %d: %d unpublished, %d without a STIX id, %d publication times after the last; want 0, 0, 1", round+1, unpublished, noID, times)
			}
			last = hi
		}
	})
}

// TestPollOnTwoNodes: two nodes polling at once (during a takeover of the
// jobs' lease) fetch each due feed once and record each poll once.
func TestPollOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		var mu sync.Mutex
		fetched := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			fetched[r.URL.Path]++
			mu.Unlock()
			time.Sleep(20 * time.Millisecond) // a partner takes its time: the pollers overlap
			io.WriteString(rw, `{"type":"bundle","id":"bundle--3c1e2f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6","objects":[]}`)
		}))
		defer srv.Close()
		clk := &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		nodes := []*intel.Service{newService(db, nil), newService(db, nil)}
		for _, s := range nodes {
			s.Client, s.Clock = srv.Client(), clk.Now
		}
		const feeds = 12
		for i := range feeds {
			if _, err := nodes[0].AddFeed(ctx, w.Scope(t, "demo-cert"), change(fmt.Sprintf("Partner %d", i), "stix", fmt.Sprintf("%s/%d.json", srv.URL, i))); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 2 {
			var polled [2]int
			var wg sync.WaitGroup
			begin := make(chan struct{})
			for i, s := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-begin
					var err error
					if polled[i], err = s.Poll(ctx); err != nil {
						t.Errorf("node %d: Poll = %v", i, err)
					}
				}()
			}
			close(begin)
			wg.Wait()
			if got := polled[0] + polled[1]; got != feeds {
				t.Errorf("round %d: two nodes polled %d feeds (%v); want %d", round+1, got, polled, feeds)
			}
			clk.Add(time.Hour)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range feeds {
			if got := fetched[fmt.Sprintf("/%d.json", i)]; got != 2 {
				t.Errorf("feed %d fetched %d times in two rounds; want 2", i, got)
			}
		}
		var audited int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'intel.feed.poll'`).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 2*feeds {
			t.Errorf("%d polls in the audit log; want %d", audited, 2*feeds)
		}
	})
}
