package servicedesk_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var benchWords = strings.Fields(`printer skærm netværk vpn mail outlook exchange server backup restore firewall switch router wifi adgang
	bruger password konto licens opdatering patch disk lager storage sharepoint teams telefon headset mobil tablet scanner kopimaskine
	fagsystem esdh sagssystem gis økonomi løn kalender mødelokale projektor kabel stik strøm ups ventilation alarm kamera adgangskort
	nøglebrik dørtelefon borgerservice jobcenter skole børnehave plejecenter rådhus bibliotek idrætshal genbrugsplads vej park`)

// seedTickets writes n tickets (with their OLA clock) straight into the
// database in large batches: 98 municipalities' worth of history where
// most tickets are closed and a few percent active, as a year of a real
// service desk looks.
func seedTickets(b testing.TB, db *store.DB, munis, units map[int64]int64, n int) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(6, 1))
	ids := make([]int64, 0, len(munis))
	for m := range munis {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	start := time.Date(2025, 11, 1, 8, 0, 0, 0, time.UTC)
	const batch = 400
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		var sb, cb strings.Builder
		var args, cargs []any
		sb.WriteString(`INSERT INTO tickets (id, kind, municipality_id, unit_id, title, description, impact, urgency, priority, status, tier,
			created_by, created_at, updated_at, escalated_at) VALUES `)
		cb.WriteString(`INSERT INTO ticket_clocks (ticket_id, name, calendar, target, state, started_at, elapsed) VALUES `)
		for i := 0; i < k; i++ {
			id := int64(done + i + 1)
			m := ids[r.IntN(len(ids))]
			at := start.Add(time.Duration(id) * 31 * time.Second)
			status, tier := "closed", 1
			var esc any
			switch x := r.IntN(100); {
			case x < 2:
				status = "open"
			case x < 4:
				status, tier, esc = "in_progress", 2, at
			case x < 5:
				status, tier, esc = "pending", 2, at
			case x < 45:
				tier, esc = 2, at
			}
			title := benchWords[r.IntN(len(benchWords))] + " " + benchWords[r.IntN(len(benchWords))] + " virker ikke"
			desc := "Brugeren melder at " + benchWords[r.IntN(len(benchWords))] + " og " + benchWords[r.IntN(len(benchWords))] + " fejler"
			if i > 0 {
				sb.WriteString(", ")
				cb.WriteString(", ")
			}
			p := len(args)
			sb.WriteString("(")
			for j := 1; j <= 15; j++ {
				if j > 1 {
					sb.WriteString(", ")
				}
				sb.WriteString("$" + strconv.Itoa(p+j))
			}
			sb.WriteString(")")
			args = append(args, id, "incident", m, units[m], title, desc, 3, 3, "P4", status, tier, "bench", at, at, esc)
			q := len(cargs)
			fmt.Fprintf(&cb, "($%d, 'first_line', 'dk-weekdays-8-16', $%d, 'stopped', $%d, 0)", q+1, q+2, q+3)
			cargs = append(cargs, id, int64(16*time.Hour), at)
		}
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, cb.String(), cargs...)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if done%100_000 == 0 {
			b.Logf("seeded %d of %d tickets", done, n)
		}
	}
	if db.Dialect() == store.Postgres {
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('tickets', 'id'), $1)`, n); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `ANALYZE tickets; ANALYZE ticket_clocks`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueAndSearch measures the queue's first page and a full-text
// search over SAMDRIFT_BENCH_TICKETS tickets (default 1,000,000), for a
// municipality's SPOC and a unit's service desk, on SQLite and PostgreSQL.
// It reports the 95th percentile as p95-ms.
func BenchmarkQueueAndSearch(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SAMDRIFT_BENCH_TICKETS")); err == nil && v > 0 {
		n = v
	}
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			f := setup(b, db)
			ctx := context.Background()
			munis, units := map[int64]int64{}, map[int64]int64{}
			rows, err := db.Reader().QueryContext(ctx, `SELECT id, supplier_id FROM organizations WHERE kind = 'municipality' AND supplier_id IS NOT NULL`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var m, u int64
				_ = rows.Scan(&m, &u)
				munis[m], units[m] = u, u
			}
			rows.Close()
			seedTickets(b, db, munis, units, n)
			spoc, desk := f.Scope(b, "demo-spoc"), f.Scope(b, "demo-servicedesk")
			active := []servicedesk.Status{servicedesk.Open, servicedesk.Escalated, servicedesk.InProgress, servicedesk.Pending}
			cases := []struct {
				name string
				sc   access.Scope
				f    servicedesk.Filter
			}{
				{"queue-spoc", spoc, servicedesk.Filter{Statuses: active}},
				{"queue-unit", desk, servicedesk.Filter{Statuses: active}},
				{"all-spoc", spoc, servicedesk.Filter{}},
				{"search-spoc", spoc, servicedesk.Filter{Query: "printer"}},
				{"search-unit", desk, servicedesk.Filter{Query: "vpn virker"}},
				{"search-unit-rare", desk, servicedesk.Filter{Query: "nøglebrik dørtelefon"}},
				{"triage-spoc", spoc, servicedesk.Filter{Statuses: active, Sort: servicedesk.SortTriage}},
				{"triage-unit", desk, servicedesk.Filter{Statuses: active, Sort: servicedesk.SortTriage}},
				{"triage-unit-unassigned", desk, servicedesk.Filter{Statuses: active, Sort: servicedesk.SortTriage, Unassigned: true}},
				{"sorted-all-spoc", spoc, servicedesk.Filter{Sort: "-updated"}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var lat []time.Duration
					got := 0
					for b.Loop() {
						t0 := time.Now()
						p, err := f.sd.List(ctx, c.sc, c.f)
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
						got = len(p.Tickets)
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
					b.ReportMetric(float64(got), "tickets")
				})
			}
		})
	}
}
