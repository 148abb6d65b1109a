package soc_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/timing"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// series is the SQL of the numbers 1…n for the dialect.
func series(db *store.DB, n int) string {
	if db.Dialect() == store.Postgres {
		return fmt.Sprintf(`SELECT generate_series(1, %d) AS i`, n)
	}
	return fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s`, n)
}

// seedSOC writes a year of a national SOC straight into the database:
// alerts over the 98 municipalities and 200 rules, 99 % of them closed
// (a tenth as false positives), the counters the dashboard reads, and
// cases, 95 % closed, a few hundred of them reportable.
func seedSOC(b *testing.B, db *store.DB, alerts, cases int) {
	ctx := context.Background()
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	t0 := time.Now()
	mod := "%"
	err := db.Write(ctx, func(tx *sql.Tx) error {
		munis := `(SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM organizations WHERE kind = 'municipality')`
		// Alerts: tenant by i mod 98, rule by i mod 200, one every 3 s over a year.
		q := `INSERT INTO alerts (tenant, rule_id, kind, title, level, tags, group_key, count, first_seen, last_seen, event_ids, sample, status, resolution,
			created_at, acked_at)
			SELECT m.id, 'rule-' || CAST(s.i ` + mod + ` 200 AS TEXT), 'rule', 'Rule ' || CAST(s.i ` + mod + ` 200 AS TEXT),
				CASE s.i ` + mod + ` 5 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END, '', 'host-' || CAST(s.i ` + mod + ` 5000 AS TEXT), 1,
				CAST($1 AS BIGINT) + CAST(s.i AS BIGINT) * 3000000, CAST($1 AS BIGINT) + CAST(s.i AS BIGINT) * 3000000, '', '',
				CASE WHEN s.i ` + mod + ` 100 = 0 THEN 'new' ELSE 'closed' END,
				CASE WHEN s.i ` + mod + ` 100 = 0 THEN '' WHEN s.i ` + mod + ` 10 = 1 THEN 'false-positive' ELSE 'true-positive' END,
				CAST($1 AS BIGINT) + CAST(s.i AS BIGINT) * 3000000, CASE WHEN s.i ` + mod + ` 100 = 0 THEN NULL ELSE CAST($1 AS BIGINT) + CAST(s.i AS BIGINT) * 3000000 + 600000000 END
			FROM (` + series(db, alerts) + `) s JOIN ` + munis + ` m ON m.k = s.i ` + mod + ` 98`
		if _, err := tx.ExecContext(ctx, q, start.UnixMicro()); err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
		b.Logf("%d alerts in %s", alerts, time.Since(t0).Round(time.Second))
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_rule_stats (rule_id, tenant, month, title, alerts, closed, false_positive)
			SELECT rule_id, tenant, '2026-' || CAST(1 + (created_at / 2592000000000) `+mod+` 12 AS TEXT), MAX(title), COUNT(*),
				SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), SUM(CASE WHEN resolution = 'false-positive' THEN 1 ELSE 0 END)
			FROM alerts GROUP BY rule_id, tenant, '2026-' || CAST(1 + (created_at / 2592000000000) `+mod+` 12 AS TEXT)`); err != nil {
			return fmt.Errorf("rule stats: %w", err)
		}
		for _, q := range []string{
			`INSERT INTO alert_rule_stats (rule_id, tenant, month, title, alerts, closed, false_positive)
				SELECT rule_id, -1, month, MAX(title), SUM(alerts), SUM(closed), SUM(false_positive) FROM alert_rule_stats GROUP BY rule_id, month`,
			`INSERT INTO alert_open_counts (tenant, level, n) SELECT tenant, level, COUNT(*) FROM alerts WHERE status <> 'closed' GROUP BY tenant, level`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("counters: %w", err)
			}
		}
		ts := "$1"
		if db.Dialect() == store.Postgres {
			ts = "CAST($1 AS TIMESTAMPTZ)"
		}
		q = `INSERT INTO cases (org_id, title, description, kind, severity, status, resolution, created_by, created_at, updated_at, closed_at,
				nis2_significant, personal_data_breach, aware_at)
			SELECT m.id, 'Case ' || CAST(s.i AS TEXT), '', 'other', CASE s.i ` + mod + ` 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END,
				CASE WHEN s.i ` + mod + ` 20 = 0 THEN 'in_progress' ELSE 'closed' END, CASE WHEN s.i ` + mod + ` 20 = 0 THEN '' ELSE 'resolved' END,
				'bench', ` + ts + `, ` + ts + `, CASE WHEN s.i ` + mod + ` 20 = 0 THEN NULL ELSE ` + ts + ` END,
				s.i ` + mod + ` 500 = 0, FALSE, CASE WHEN s.i ` + mod + ` 500 = 0 THEN ` + ts + ` ELSE NULL END
			FROM (` + series(db, cases) + `) s JOIN ` + munis + ` m ON m.k = s.i ` + mod + ` 98`
		if _, err := tx.ExecContext(ctx, q, start.Add(300*24*time.Hour)); err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		for month := 0; month < 12; month++ {
			at := start.AddDate(0, month, 3)
			for i := 0; i < 500; i++ {
				if err := timing.Record(ctx, tx, "alert.ack", int64(1+i%98), at, time.Duration(i)*time.Minute, 40); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if db.Dialect() == store.Postgres {
		_, err = db.Reader().ExecContext(ctx, `ANALYZE alerts; ANALYZE cases; ANALYZE alert_rule_stats; ANALYZE timings`)
	} else {
		_, err = db.Reader().ExecContext(ctx, `ANALYZE`)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d alerts and %d cases in %s", alerts, cases, time.Since(t0).Round(time.Second))
}

// BenchmarkCasesAndDashboard measures the case list's first page and the
// SOC dashboard's alert and case figures over SAMDRIFT_BENCH_CASES cases
// (default 100,000) and SAMDRIFT_BENCH_ALERTS alerts (default
// 10,000,000), for the shared SOC (every tenant) and a municipality's
// CISO, on SQLite and PostgreSQL. It reports the 95th percentile as p95-ms.
func BenchmarkCasesAndDashboard(b *testing.B) {
	alerts, cases := envInt("SAMDRIFT_BENCH_ALERTS", 10_000_000), envInt("SAMDRIFT_BENCH_CASES", 100_000)
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			ctx := context.Background()
			env := demotest.New(b, db, false)
			seedSOC(b, db, alerts, cases)
			svc, det := soc.New(db), detect.New(db, nil)
			analyst, ciso := env.Scope(b, "demo-soc-analyst"), env.Scope(b, "demo-ciso")
			since := time.Now().AddDate(0, -6, 0)
			for _, c := range []struct {
				name string
				fn   func(sc access.Scope) (int, error)
			}{
				{"case-list-open", func(sc access.Scope) (int, error) {
					cs, _, err := svc.List(ctx, sc, soc.Filter{Status: "open", Limit: 50})
					return len(cs), err
				}},
				{"case-list-all", func(sc access.Scope) (int, error) {
					cs, _, err := svc.List(ctx, sc, soc.Filter{Limit: 50})
					return len(cs), err
				}},
				{"dashboard-cases", func(sc access.Scope) (int, error) {
					st, err := svc.Stats(ctx, sc, since)
					return len(st.Open), err
				}},
				{"dashboard-alerts", func(sc access.Scope) (int, error) {
					st, err := det.Stats(ctx, sc, since)
					return len(st.Open) + len(st.Rules), err
				}},
			} {
				for _, who := range []struct {
					name string
					sc   access.Scope
				}{{"soc", analyst}, {"ciso", ciso}} {
					b.Run(c.name+"-"+who.name, func(b *testing.B) {
						var lat []time.Duration
						got := 0
						for b.Loop() {
							t0 := time.Now()
							n, err := c.fn(who.sc)
							if err != nil {
								b.Fatal(err)
							}
							lat = append(lat, time.Since(t0))
							got = n
						}
						slices.Sort(lat)
						b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
						b.ReportMetric(float64(got), "rows")
					})
				}
			}
		})
	}
}
