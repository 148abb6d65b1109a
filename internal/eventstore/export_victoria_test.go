package eventstore

import (
	"context"
	"database/sql"

	"github.com/samdrift/samdrift/internal/event"
)

// SearchIDs exposes the VictoriaLogs store's id search to the corpus
// test.
var SearchIDs = (*Victoria).searchIDs

// SearchVictoria exposes the VictoriaLogs store's search to tests.
var SearchVictoria = (*Victoria).search

// HistogramVictoria exposes the VictoriaLogs store's histogram to tests.
var HistogramVictoria = (*Victoria).histogram

// EachVictoria exposes the VictoriaLogs store's merged export to tests.
var EachVictoria = (*Victoria).each

// ClaimForTest claims evs' stable ids for batch as vlAppend does before
// sending, for the crash test.
func ClaimForTest(s *Store, ctx context.Context, batch string, evs []event.Event) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, e := range evs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO stored_event_ids (id, at, batch) VALUES ($1, 1, $2)`, e.ID, batch); err != nil {
				return err
			}
		}
		return nil
	})
}
