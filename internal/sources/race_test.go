package sources_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// countWhere counts the rows of a query that returns one count.
func countWhere(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkOnTwoNodes runs CheckSilent at now on two registries over db at
// once and returns what they raised and cleared between them.
func checkOnTwoNodes(t *testing.T, db *store.DB, now time.Time) (raised, cleared int) {
	t.Helper()
	nodes := []*sources.Registry{sources.New(db), sources.New(db)}
	var r, c [2]int
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, reg := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var err error
			if r[i], c[i], err = reg.CheckSilent(context.Background(), now); err != nil {
				t.Errorf("node %d: CheckSilent = %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return r[0] + r[1], c[0] + c[1]
}

// TestCheckSilentOnTwoNodes: two nodes checking for silent sources at
// once (during a takeover of the job's lease) raise each source's signal
// once, audit it once, and clear it once.
func TestCheckSilentOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		reg := sources.New(db)
		sys := access.System("t")
		cph := e.Org(t, "101").ID
		const n = 40
		var ids []int64
		for i := range n {
			s, _, err := reg.Add(ctx, sys, sources.NewSource{OrgID: cph, Name: fmt.Sprintf("fw%d", i), Kind: sources.KindCIDR,
				Value: fmt.Sprintf("10.77.%d.0/24", i), Type: "firewall", SilentAfter: 30 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		now := time.Now().UTC().Add(2 * time.Hour) // none has ever sent
		for round := range 3 {
			raised, cleared := checkOnTwoNodes(t, db, now)
			if want := map[bool]int{true: n, false: 0}[round == 0]; raised != want || cleared != 0 {
				t.Fatalf("two checks, round %d: raised %d, cleared %d; want %d and 0", round+1, raised, cleared, want)
			}
		}
		if got := countWhere(t, db, `SELECT COUNT(*) FROM source_signals WHERE cleared_at = 0`); got != n {
			t.Errorf("%d open signals; want %d, one per source", got, n)
		}
		if got := countWhere(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'logsource.silent'`); got != n {
			t.Errorf("%d silent-source audit entries; want %d", got, n)
		}
		seen := map[int64]sources.Seen{}
		for _, id := range ids {
			seen[id] = sources.Seen{Last: now, Events: 1}
		}
		if err := reg.RecordSeen(ctx, seen); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			raised, cleared := checkOnTwoNodes(t, db, now.Add(time.Second))
			if want := map[bool]int{true: n, false: 0}[round == 0]; raised != 0 || cleared != want {
				t.Fatalf("two checks after sending, round %d: raised %d, cleared %d; want 0 and %d", round+1, raised, cleared, want)
			}
		}
		if got := countWhere(t, db, `SELECT COUNT(*) FROM source_signals WHERE cleared_at = 0`); got != 0 {
			t.Errorf("%d signals still open", got)
		}
		if got := countWhere(t, db, `SELECT COUNT(*) FROM source_signals`); got != n {
			t.Errorf("%d signals in the history; want %d", got, n)
		}
		if got := countWhere(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'logsource.sending'`); got != n {
			t.Errorf("%d sending-again audit entries; want %d", got, n)
		}
	})
}

// TestMigrationDropsDuplicateSignals: migration 0039 keeps the earliest of
// the open signals raised twice before it, and the cleared history.
func TestMigrationDropsDuplicateSignals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		s, _, err := sources.New(db).Add(ctx, access.System("t"), sources.NewSource{OrgID: e.Org(t, "101").ID, Name: "fw", Kind: sources.KindCIDR, Value: "10.78.0.0/24"})
		if err != nil {
			t.Fatal(err)
		}
		var m039 store.Migration
		ms, err := store.Migrations(db.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Version == 39 {
				m039 = m
			}
		}
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DROP INDEX source_signals_one_open`); err != nil {
				return err
			}
			// Two open signals for one silence, and one cleared before.
			for _, cleared := range []int{0, 0, 5} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO source_signals (source_id, org_id, kind, since, raised_at, cleared_at) VALUES ($1, $2, 'silent', 0, 1, $3)`,
					s.ID, s.OrgID, cleared); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, m039.SQL)
			return err
		}); err != nil {
			t.Fatalf("migration %d_%s over duplicates: %v", m039.Version, m039.Name, err)
		}
		if open, all := countWhere(t, db, `SELECT COUNT(*) FROM source_signals WHERE cleared_at = 0`), countWhere(t, db, `SELECT COUNT(*) FROM source_signals`); open != 1 || all != 2 {
			t.Errorf("after the migration: %d open signals of %d; want 1 of 2", open, all)
		}
		if got := countWhere(t, db, `SELECT MIN(id) - (SELECT MIN(id) FROM source_signals) FROM source_signals WHERE cleared_at = 0`); got != 0 {
			t.Errorf("the migration kept a later duplicate open, not the earliest")
		}
	})
}
