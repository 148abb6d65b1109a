package intel

import (
	"context"
	"database/sql"

	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// sharedTables hold what the TAXII collections page through, each with
// an added_at that is 0 until the object is published.
var sharedTables = []string{"advisories", "intel_reports", "indicators"}

// Publish gives every advisory, threat report and indicator stored (or
// changed) since the last publication its place in TAXII's added order:
// one time, later than any before, taken under a lock. Because objects
// get their time only once committed, a long import that commits late
// cannot slip in behind a partner's added_after cursor. The server calls
// it every two seconds and every collection read calls it first; it
// returns how many objects it published.
func (s *Service) Publish(ctx context.Context) (int, error) {
	// Rows from before STIX ids (migration 0032) get theirs, a batch at a
	// time, so that TAXII clients can ask for them by id.
	if _, err := detect.BackfillStixIDs(ctx, s.db, 5000); err != nil {
		return 0, err
	}
	if _, err := s.cert.BackfillStixIDs(ctx, 5000); err != nil {
		return 0, err
	}
	var pending int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM advisories WHERE added_at = 0)
		OR EXISTS (SELECT 1 FROM intel_reports WHERE added_at = 0) OR EXISTS (SELECT 1 FROM indicators WHERE added_at = 0) THEN 1 ELSE 0 END`).Scan(&pending); err != nil {
		return 0, errs.Wrap(err, "cannot look for unpublished objects")
	}
	if pending == 0 {
		return 0, nil
	}
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		n = 0
		if err := s.db.Lock(ctx, tx, store.LockSharing); err != nil {
			return err
		}
		at := s.now().UnixMicro()
		for _, t := range sharedTables {
			var last int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(added_at), 0) FROM `+t).Scan(&last); err != nil {
				return errs.Wrap(err, "cannot read the last publication")
			}
			at = max(at, last+1)
		}
		for _, t := range sharedTables {
			res, err := tx.ExecContext(ctx, `UPDATE `+t+` SET added_at = $1 WHERE added_at = 0`, at)
			if err != nil {
				return errs.Wrap(err, "cannot publish %s", t)
			}
			m, _ := res.RowsAffected()
			n += int(m)
		}
		return nil
	})
	return n, err
}
