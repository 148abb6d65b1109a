package eventstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestUpgradeMovesRowsIntoBlocks: events an earlier version stored one row
// each (SQLite) move into blocks, once, and stay searchable.
func TestUpgradeMovesRowsIntoBlocks(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	const n = 12000
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		for i := 0; i < n; i++ {
			if _, err := tx.Exec(`INSERT INTO events (id, tenant, ts, received, host, message, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				fmt.Sprintf("old-%d", i), 1000+i%3, now.Add(-time.Duration(i)*time.Second).UnixMicro(), now.UnixMicro(), "h", "old message",
				eventstore.PackFields([]event.Field{{Key: "user.name", Value: fmt.Sprintf("u%d", i%10)}})); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	es := eventstore.New(db)
	var steps int
	if err := es.Upgrade(ctx, func(moved, total int) { steps++ }); err != nil || steps < 3 {
		t.Fatalf("Upgrade = %v after %d steps; want chunks with progress", err, steps)
	}
	if err := es.Upgrade(ctx, nil); err != nil {
		t.Fatal(err)
	}
	r, err := es.Search(ctx, access.System("t"), eventstore.Query{From: now.Add(-24 * time.Hour), To: now.Add(time.Minute), Q: "user.name:u3", Limit: 5})
	if err != nil || r.Total != n/10 || len(r.Items) != 5 || r.Items[0].ID != "old-3" {
		t.Errorf("after the upgrade: %d found, first %v, %v; want %d, old-3 first", r.Total, r.Items, err, n/10)
	}
}
