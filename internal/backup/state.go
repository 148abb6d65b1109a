package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/store"
)

// readState checks the audit chain and counts the rows of db. On
// PostgreSQL it reads in one repeatable-read transaction, so a running
// serve's writes do not make the chain look broken or the counts
// disagree with it; an SQLite copy nobody writes to is read as it is.
// progress, when not nil, is told how many audit records are checked.
func readState(ctx context.Context, db *store.DB, progress func(n int64)) (AuditState, Counts, error) {
	var st AuditState
	var c Counts
	read := func(q store.Querier) error {
		var err error
		if c, err = countRows(ctx, db.Dialect(), q); err != nil {
			return err
		}
		if st.Head, err = audit.Head(ctx, q); err != nil {
			return err
		}
		st.Head.At = st.Head.At.UTC()
		n, err := audit.Verify(ctx, q, progress)
		st.Records = n
		var broken *audit.Broken
		switch {
		case errors.As(err, &broken):
			st.Broken = broken.Error()
		case err != nil:
			return err
		default:
			st.Intact = true
		}
		return nil
	}
	if db.Dialect() != store.Postgres {
		return st, c, read(db.Reader())
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`); err != nil {
			return fmt.Errorf("cannot start a read-only snapshot: %w", err)
		}
		return read(tx)
	})
	return st, c, err
}

// countRows counts what a restore is checked against.
func countRows(ctx context.Context, d store.Dialect, q store.Querier) (Counts, error) {
	events := `SELECT COUNT(*) FROM events`
	if d == store.SQLite {
		// Events live in blocks; rows in events are from before the
		// block layout and move into blocks at the next start.
		events = `SELECT (SELECT COALESCE(SUM(n), 0) FROM event_blocks) + (SELECT COUNT(*) FROM events)`
	}
	var c Counts
	for _, x := range []struct {
		what, query string
		into        *int64
	}{
		{"organisations", `SELECT COUNT(*) FROM organizations`, &c.Organizations},
		{"users", `SELECT COUNT(*) FROM users`, &c.Users},
		{"tickets", `SELECT COUNT(*) FROM tickets`, &c.Tickets},
		{"audit records", `SELECT COUNT(*) FROM audit_log`, &c.AuditRecords},
		{"stored events", events, &c.Events},
	} {
		if err := q.QueryRowContext(ctx, x.query).Scan(x.into); err != nil {
			return c, fmt.Errorf("cannot count %s: %w", x.what, err)
		}
	}
	return c, nil
}
