package eventstore

import (
	"context"
	"database/sql"
	"time"

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

// searchIDs returns the ids of tenant's events in [from, to) that match
// the query text (the corpus test's view of Search).
func (v *Victoria) searchIDs(ctx context.Context, tenant int64, from, to time.Time, q string) ([]string, error) {
	values, err := v.fieldValues(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	filter, err := compileLogsQL(q, tenant, values)
	if err != nil {
		return nil, err
	}
	return v.ids(ctx, tenant, "_time:["+vlTime(from)+", "+vlTime(to)+") AND "+filter)
}
