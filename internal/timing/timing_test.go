package timing_test

import (
	"context"
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/timing"
)

func TestMonthlyPercentiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		nov := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // 1 December in Copenhagen
		oct := time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)
		err := db.Write(ctx, func(tx *sql.Tx) error {
			// 1 … 100 minutes in December, for two organisations.
			for i := 1; i <= 100; i++ {
				if err := timing.Record(ctx, tx, "alert.ack", int64(1+i%2), nov, time.Duration(i)*time.Minute, 1); err != nil {
					return err
				}
			}
			if err := timing.Record(ctx, tx, "alert.ack", 1, oct, 10*time.Second, 1); err != nil {
				return err
			}
			// A closure taken back.
			if err := timing.Record(ctx, tx, "alert.ack", 1, oct, time.Hour, 1); err != nil {
				return err
			}
			return timing.Record(ctx, tx, "alert.ack", 1, oct, time.Hour, -1)
		})
		if err != nil {
			t.Fatal(err)
		}
		var a store.Args
		ps, err := timing.Monthly(ctx, db.Reader(), "alert.ack", "2026-01", "TRUE", &a)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Month != "2026-10" || ps[1].Month != "2026-12" || ps[0].N != 1 || ps[1].N != 100 {
			t.Fatalf("months = %+v; want October (1) and December (100, Copenhagen time)", ps)
		}
		near := func(got int64, want float64) bool { return math.Abs(float64(got)-want)/want <= 0.125 }
		if !near(ps[1].P50, 50*60) || !near(ps[1].P90, 90*60) || !near(ps[0].P50, 10) {
			t.Errorf("percentiles = %+v; want p50 ≈ 3000 s, p90 ≈ 5400 s in December and 10 s in October", ps)
		}
		a = store.Args{}
		one, err := timing.Monthly(ctx, db.Reader(), "alert.ack", "2026-12", "org_id = "+a.Add(int64(1)), &a)
		if err != nil || len(one) != 1 || one[0].N != 50 {
			t.Errorf("organisation 1 in December = %+v, %v; want 50", one, err)
		}
	})
}
