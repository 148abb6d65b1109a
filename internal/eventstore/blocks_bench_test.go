package eventstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkBlockLayoutCandidate measures a storage layout the store does
// not use yet: each tenant's part of a consumed batch as one row holding
// the zstd-compressed binary batch, indexed by (tenant, newest time),
// instead of one row per event. It exists so the next step on ingest speed
// is decided on figures (docs/PERFORMANCE.md): inserting is several times
// cheaper, while search would decompress a tenant's blocks in the time
// range and filter in Go.
func BenchmarkBlockLayoutCandidate(b *testing.B) {
	db := storetest.SQLite(b)
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE event_blocks (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, ts_min INTEGER NOT NULL, ts_max INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL);
			CREATE INDEX event_blocks_tenant_ts ON event_blocks (tenant, ts_max)`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	now := time.Now().UTC()
	batch := makeBatch("x", 5000, now)
	var raw, comp int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			batch[j].ID = fmt.Sprintf("r%08d-%d", i, j)
			batch[j].Time = now.Add(time.Duration(i*5000+j) * time.Millisecond)
		}
		by := map[int64][]event.Event{}
		for _, e := range batch {
			by[e.Tenant] = append(by[e.Tenant], e)
		}
		err := db.Write(ctx, func(tx *sql.Tx) error {
			st, err := tx.Prepare(`INSERT INTO event_blocks (tenant, ts_min, ts_max, n, data) VALUES (?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for t, evs := range by {
				data, _ := event.EncodeBatch(evs)
				c := enc.EncodeAll(data, nil)
				raw += len(data)
				comp += len(c)
				mn := slices.MinFunc(evs, func(a, b event.Event) int { return a.Time.Compare(b.Time) }).Time.UnixMicro()
				mx := slices.MaxFunc(evs, func(a, b event.Event) int { return a.Time.Compare(b.Time) }).Time.UnixMicro()
				if _, err := st.Exec(t, mn, mx, len(evs), c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*5000)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(raw)/float64(max(comp, 1)), "ratio")
}
