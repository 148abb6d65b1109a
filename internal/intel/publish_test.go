package intel_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestLateCommitIsNotSkipped: an import that began before a partner read
// a page but committed after it still reaches that partner's next page
// (objects take their place in the added order when published, not when
// their transaction began).
func TestLateCommitIsNotSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		early := storeIndicators(t, db, 0, 3, "green")
		if _, err := svc.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		reader := w.Scope(t, "ciso-265")
		green, err := svc.CollectionByID(ctx, reader, "tlp-green")
		if err != nil {
			t.Fatal(err)
		}
		started, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.Write(ctx, func(tx *sql.Tx) error {
				var rep detect.IndicatorReport
				if err := detect.StoreIndicators(ctx, tx, access.System("late import"), "late", []indicator.Indicator{{Type: "ip", Value: "192.0.2.77"}}, 0, &rep); err != nil {
					return err
				}
				close(started)
				<-release
				return nil
			})
		}()
		<-started
		time.Sleep(5 * time.Millisecond) // the import began well before the read
		committed := len(early)
		if db.Dialect() == store.Postgres {
			// The CERT publishes an advisory meanwhile (SQLite has one
			// writer at a time, so there this cannot happen; indicator
			// imports are serialised by the indicators' version row).
			if _, err := cert.New(db).Publish(ctx, w.Scope(t, "demo-cert"), cert.NewAdvisory{Ref: "LATE-1", Title: "Meanwhile", Severity: "low", TLP: "green",
				Products: []cert.Product{{Vendor: "Acme", Product: "Widget"}}}); err != nil {
				t.Fatal(err)
			}
			committed++
		}
		p1, err := svc.Objects(ctx, reader, green, intel.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p1.Entries) != committed {
			t.Fatalf("first page = %d objects; want the %d committed", len(p1.Entries), committed)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		p2, err := svc.Objects(ctx, reader, green, intel.Query{After: p1.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(p2.Entries) != 1 || p2.Entries[0].Object.Type != "indicator" {
			t.Fatalf("the page after the first = %+v; want the late import's indicator", p2.Entries)
		}
	})
}

// TestOldRowsGetStixIDs: an indicator stored before STIX ids (migration
// 0032) can be asked for by the id it is exported with.
func TestOldRowsGetStixIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO indicators (type, value, source, level, created_at, created_by, tlp, added_at) VALUES ('ip', '198.51.100.200', 'old', 'high', 1, 'old', 'green', 0)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		reader := w.Scope(t, "ciso-265")
		green, err := svc.CollectionByID(ctx, reader, "tlp-green")
		if err != nil {
			t.Fatal(err)
		}
		id := stix.DeterministicID("indicator", "ip:198.51.100.200")
		p, err := svc.Objects(ctx, reader, green, intel.Query{IDs: []string{id}})
		if err != nil || len(p.Entries) != 1 || p.Entries[0].Object.ID != id {
			t.Fatalf("Objects(ids = %s) = %+v, %v; want the old indicator", id, p.Entries, err)
		}
	})
}
