package oncall_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

const benchPending = 10_000

// pending starts benchPending critical escalations at t0 (level 1 paged).
func pending(b *testing.B, db *store.DB, t0 time.Time) {
	b.Helper()
	ctx := context.Background()
	e, _ := pagingTeam(b, db)
	org := e.Org(b, "101").ID
	for i := 0; i < benchPending; i += 1000 {
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for j := i; j < i+1000; j++ {
				if _, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: org, Kind: oncall.KindAlert, SubjectID: int64(j + 1), Severity: "critical",
					Title: "bench", At: t0}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func backends(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkSweep pages the next step of 10,000 escalations that are all
// due at once (the worst case: a mass incident), and reports how many
// escalations a second one node advances.
func BenchmarkSweep(b *testing.B) {
	backends(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		pending(b, db, t0)
		svc := oncall.New(db)
		b.ResetTimer()
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			at := t0.Add(time.Duration(i+1) * time.Hour)
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE oncall_escalations SET state = 'active', step = 0, round = 0, next_at = $1`, at)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			began := time.Now()
			res, err := svc.Sweep(ctx, at)
			elapsed += time.Since(began)
			if err != nil || res.Paged != benchPending {
				b.Fatalf("Sweep = %+v, %v; want %d paged", res, err, benchPending)
			}
		}
		b.ReportMetric(float64(benchPending*b.N)/elapsed.Seconds(), "escalations/s")
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/sweep")
	})
}

// BenchmarkSweepDue measures a sweep that finds one due escalation among
// 10,000 pending: how long after its due time a step is paged, beyond the
// sweep interval.
func BenchmarkSweepDue(b *testing.B) {
	backends(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		pending(b, db, t0)
		svc := oncall.New(db)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			at := t0.Add(time.Minute + time.Duration(i)*time.Millisecond)
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE oncall_escalations SET state = 'active', step = 0, round = 0, next_at = $1
					WHERE id = (SELECT MIN(id) FROM oncall_escalations)`, at)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if res, err := svc.Sweep(ctx, at); err != nil || res.Paged != 1 {
				b.Fatalf("Sweep = %+v, %v; want 1 paged", res, err)
			}
		}
	})
}
