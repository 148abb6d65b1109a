package intel_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkTAXIIObjectsPage measures one page of a TAXII collection deep
// in it: 100,000 GREEN indicators, a page of 1,000 and of 10,000 objects
// after the first 90,000, read as a municipal CISO (the TLP predicate a
// TAXII client of the municipalities pays for). SQLite always, PostgreSQL
// when SAMDRIFT_TEST_POSTGRES is set.
//
//	go test ./internal/intel/ -run '^$' -bench TAXIIObjectsPage -benchtime 20x
func BenchmarkTAXIIObjectsPage(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchObjectsPage(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("SAMDRIFT_TEST_POSTGRES") == "" {
			b.Skip("set SAMDRIFT_TEST_POSTGRES to run on PostgreSQL")
		}
		benchObjectsPage(b, storetest.Postgres(b))
	})
}

const (
	benchIndicators = 100_000
	benchBatch      = 25_000
	benchDeep       = 90_000
)

func benchObjectsPage(b *testing.B, db *store.DB) {
	ctx := context.Background()
	env := demotest.New(b, db, false)
	started := time.Now()
	for first := 0; first < benchIndicators; first += benchBatch {
		inds := make([]indicator.Indicator, benchBatch)
		for i := range inds {
			k := first + i
			inds[i] = indicator.Indicator{Type: "ip", Value: fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255), TLP: "green", Level: "medium",
				Description: "benchmark indicator"}
		}
		var rep detect.IndicatorReport
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			return detect.StoreIndicators(ctx, tx, system, "bench", inds, first, &rep)
		}); err != nil {
			b.Fatal(err)
		}
		if rep.Added != benchBatch {
			b.Fatalf("StoreIndicators = %v; want %d added", rep, benchBatch)
		}
		b.Logf("%s: seeded %d/%d GREEN indicators (%v)", db.Dialect(), first+benchBatch, benchIndicators, time.Since(started).Round(time.Millisecond))
	}

	svc := newService(db, nil)
	sc := env.Scope(b, "demo-ciso")
	green, err := svc.CollectionByID(ctx, sc, "tlp-green")
	if err != nil {
		b.Fatal(err)
	}
	// Follow next to the deep position, as a client would.
	q := intel.Query{Limit: 10_000}
	for seen := 0; seen < benchDeep; {
		p, err := svc.Objects(ctx, sc, green, q)
		if err != nil {
			b.Fatal(err)
		}
		seen += len(p.Entries)
		q.After = p.Next
	}
	deep := q.After
	b.Logf("%s: at object %d after %v", db.Dialect(), benchDeep, time.Since(started).Round(time.Millisecond))

	for _, size := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			for b.Loop() {
				p, err := svc.Objects(ctx, sc, green, intel.Query{After: deep, Limit: size})
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Entries) != size || p.More != (benchDeep+size < benchIndicators) {
					b.Fatalf("Objects(after %d, limit %d) = %d entries, more %v", benchDeep, size, len(p.Entries), p.More)
				}
			}
			perPage := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(size)/perPage, "objects/s")
			b.ReportMetric(perPage*1000, "ms/page")
		})
	}
}
