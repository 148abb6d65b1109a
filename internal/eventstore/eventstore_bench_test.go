package eventstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/eventstore/vltest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var parser = event.NewParser(nil)

// makeBatch returns n parsed sshd and firewall events for 20 tenants.
func makeBatch(prefix string, n int, at time.Time) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		var line string
		if i%2 == 0 {
			line = fmt.Sprintf("<38>Nov 29 10:00:00 web%d sshd[123]: Accepted password for user%d from 10.1.%d.%d port 51234 ssh2", i%50, i%300, i%250, i%200)
		} else {
			line = fmt.Sprintf(`<189>Nov 29 10:00:03 FGT devname="FGT" srcip=10.0.%d.5 srcport=%d dstip=8.8.8.8 dstport=53 proto=17 action="accept" policyid=4`, i%250, 1024+i)
		}
		e := parser.ParseSyslog([]byte(line), at, "10.0.0.1")
		e.ID = fmt.Sprintf("%s-%d", prefix, i)
		e.Tenant = int64(1000 + i%20)
		e.Time = at.Add(time.Duration(i) * time.Millisecond)
		out[i] = e
	}
	return out
}

func backends(b *testing.B, fn func(b *testing.B, es *eventstore.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, eventstore.New(storetest.SQLite(b))) })
	b.Run("postgres", func(b *testing.B) { fn(b, eventstore.New(storetest.Postgres(b))) })
	b.Run("victorialogs", func(b *testing.B) {
		db := storetest.SQLite(b)
		fn(b, victoriaOn(b, db, vltest.Start(b)))
	})
}

// victoriaOn is an event store on the VictoriaLogs at url beside db, with
// the benchmarks' tenants (1000–1099) as organisations in db.
func victoriaOn(b *testing.B, db *store.DB, url string) *eventstore.Store {
	vl, err := eventstore.NewVictoria(url)
	if err != nil {
		b.Fatal(err)
	}
	for id := 1000; id < 1100; id++ {
		if _, err := db.Reader().ExecContext(context.Background(), `INSERT INTO organizations (id, kind, slug, name, created_at) VALUES ($1, 'municipality', $2, $2, $3)
			ON CONFLICT DO NOTHING`, id, fmt.Sprint("m", id), store.Now()); err != nil {
			b.Fatal(err)
		}
	}
	return eventstore.NewOn(db, vl)
}

// BenchmarkAppend stores batches of 500 parsed events in one transaction each.
func BenchmarkAppend(b *testing.B) {
	backends(b, func(b *testing.B, es *eventstore.Store) {
		now := time.Now().UTC()
		batches := make([][]event.Event, 0, 64)
		for i := 0; i < 64; i++ {
			batches = append(batches, makeBatch(fmt.Sprintf("w%d", i), 500, now))
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			batch := batches[i%len(batches)]
			for j := range batch { // fresh ids each round, time moving on as in life
				batch[j].ID = fmt.Sprintf("r%d-%d", i, j)
				batch[j].Time = now.Add(time.Duration(i*500+j) * time.Millisecond)
			}
			if _, err := es.Append(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkSearchTenantField searches one tenant's last hour for one user
// among 200,000 stored events of 20 tenants.
func BenchmarkSearchTenantField(b *testing.B) {
	backends(b, func(b *testing.B, es *eventstore.Store) {
		now := time.Now().UTC()
		for i := 0; i < 400; i++ {
			if _, err := es.Append(context.Background(), makeBatch(fmt.Sprintf("s%d", i), 500, now.Add(-time.Duration(i)*time.Minute))); err != nil {
				b.Fatal(err)
			}
		}
		sc := access.System("bench")
		q := eventstore.Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Tenants: []int64{1004},
			Q: "user.name:user4", Limit: 100}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r, err := es.Search(context.Background(), sc, q)
			if err != nil || len(r.Items) == 0 {
				b.Fatalf("search = %d items, %v", len(r.Items), err)
			}
		}
	})
}

// BenchmarkSearchLarge measures the search a municipality user runs most:
// its own events of the last hour with a field filter, first page, over a
// large store. The store is filled once (SAMDRIFT_BENCH_EVENTS events, by
// default 1 million, over 24 hours and 100 tenants) in
// SAMDRIFT_BENCH_DIR (default: a temporary directory) and reused when it
// is already there; it reports p50 and p95 latency over the rounds. With
// SAMDRIFT_BENCH_SOC=1 it runs the SOC's searches over every tenant
// instead.
func BenchmarkSearchLarge(b *testing.B) {
	total := 1_000_000
	if v := os.Getenv("SAMDRIFT_BENCH_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		total = n
	}
	dir := os.Getenv("SAMDRIFT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	// SAMDRIFT_BENCH_VICTORIA=URL measures VictoriaLogs at URL (filled
	// once: a file in SAMDRIFT_BENCH_DIR remembers it).
	vlURL := os.Getenv("SAMDRIFT_BENCH_VICTORIA")
	es := eventstore.New(db)
	if vlURL != "" {
		es = victoriaOn(b, db, vlURL)
	}
	if err := es.Upgrade(context.Background(), func(moved, total int) {
		if moved%500_000 < 5000 {
			fmt.Fprintf(os.Stderr, "moved %d of %d events into blocks\n", moved, total)
		}
	}); err != nil {
		b.Fatal(err)
	}
	sc := access.System("bench")
	end := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var have int
	_ = db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events`).Scan(&have)
	if db.Dialect() == store.SQLite {
		_ = db.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(n), 0) FROM event_blocks`).Scan(&have)
	}
	mark := filepath.Join(dir, "victoria.filled")
	if vlURL != "" {
		have = 0
		if m, err := os.ReadFile(mark); err == nil {
			have, _ = strconv.Atoi(string(m))
		}
	}
	if have < total {
		start := time.Now()
		step := 24 * time.Hour / time.Duration(total)
		for i := have; i < total; i += 2000 {
			batch := makeBatch(fmt.Sprintf("L%d", i), min(2000, total-i), end)
			for j := range batch {
				k := i + j
				batch[j].ID = fmt.Sprintf("L%09d", k)
				batch[j].Tenant = int64(1000 + k%100)
				batch[j].Time = end.Add(-24 * time.Hour).Add(time.Duration(k) * step)
			}
			if _, err := es.Append(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			if i%200_000 == 0 {
				fmt.Fprintf(os.Stderr, "filled %d of %d events (%.0f/s)\n", i, total, float64(i-have)/time.Since(start).Seconds())
			}
		}
	}
	if vlURL != "" {
		if err := os.WriteFile(mark, []byte(strconv.Itoa(total)), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	queries := []eventstore.Query{
		{From: end.Add(-time.Hour), To: end, Tenants: []int64{1004}, Q: "user.name:user4"},
		{From: end.Add(-time.Hour), To: end, Tenants: []int64{1017}, Q: "action:accept AND dstport:53"},
		{From: end.Add(-24 * time.Hour), To: end, Tenants: []int64{1042}, Q: `"Accepted password" AND NOT user.name:user1*`},
	}
	if os.Getenv("SAMDRIFT_BENCH_SOC") == "1" {
		// The SOC's searches: every tenant, a rare value.
		queries = []eventstore.Query{
			{From: end.Add(-time.Hour), To: end, Q: "user.name:user42"},
			{From: end.Add(-24 * time.Hour), To: end, Q: `source.ip:10.1.7.3`},
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		q.Limit = 100
		t0 := time.Now()
		r, err := es.Search(context.Background(), sc, q)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		_ = r
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
