package cluster

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Node is one samdrift process of a deployment as it last reported.
type Node struct {
	ID      string    `json:"id"`
	Host    string    `json:"host"`
	Roles   []string  `json:"roles"`
	Version string    `json:"version"`
	Started time.Time `json:"started"`
	Seen    time.Time `json:"seen"`
}

// Beat records n as alive now (its first beat registers it).
func Beat(ctx context.Context, db *store.DB, n Node, now time.Time) error {
	return errs.Wrap(db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO nodes (id, host, roles, version, started_at, seen_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET host = excluded.host, roles = excluded.roles, version = excluded.version, seen_at = excluded.seen_at`,
			n.ID, n.Host, strings.Join(n.Roles, ","), n.Version, n.Started.UnixMilli(), now.UnixMilli())
		return err
	}), "cannot record node %s", n.ID)
}

// Heartbeat records n as alive every ttl/3 until ctx ends, then removes
// it (a clean stop: the others need not wait for it to age out), and
// forgets nodes not seen for a day.
func Heartbeat(ctx context.Context, db *store.DB, n Node, ttl time.Duration) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		now := time.Now()
		_ = Beat(ctx, db, n, now)
		_ = db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE seen_at < $1`, now.Add(-24*time.Hour).UnixMilli())
			return err
		})
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = db.Write(dctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(dctx, `DELETE FROM nodes WHERE id = $1`, n.ID)
				return err
			})
			cancel()
			return
		case <-t.C:
		}
	}
}

// Nodes lists the nodes seen within the last day, most recently started
// first; Live tells which answered within ttl.
func Nodes(ctx context.Context, db *store.DB) ([]Node, error) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, host, roles, version, started_at, seen_at FROM nodes ORDER BY started_at DESC, id`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list nodes")
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		var roles string
		var started, seen int64
		if err := rows.Scan(&n.ID, &n.Host, &roles, &n.Version, &started, &seen); err != nil {
			return nil, errs.Wrap(err, "cannot read node")
		}
		n.Roles = strings.Split(roles, ",")
		n.Started, n.Seen = time.UnixMilli(started), time.UnixMilli(seen)
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "cannot list nodes")
}

// Live reports whether n answered within ttl of now.
func (n Node) Live(now time.Time, ttl time.Duration) bool { return now.Sub(n.Seen) <= ttl }
