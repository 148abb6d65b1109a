// Package cluster lets several samdrift nodes share one database and one
// NATS without doing the same work twice: named leases that one node
// holds at a time and another takes over when the holder dies, periodic
// jobs that run under them, and a registry of the live nodes and their
// roles.
package cluster

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// DefaultTTL is how long a lease lasts unless renewed: a node that dies
// loses its leases within this time, and another node takes them over
// within a third of it more.
const DefaultTTL = 10 * time.Second

// Leases hands out named leases to one holder (this node).
type Leases struct {
	db     *store.DB
	holder string
	ttl    time.Duration
	now    func() time.Time
}

// NewLeases returns the leases of holder (a node id, unique among the
// nodes), each lasting ttl (DefaultTTL when 0) unless renewed.
func NewLeases(db *store.DB, holder string, ttl time.Duration) *Leases {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Leases{db: db, holder: holder, ttl: ttl, now: time.Now}
}

// Holder is the node these leases are held for.
func (l *Leases) Holder() string { return l.holder }

// Lease is one named lease as the database has it.
type Lease struct {
	Name   string `json:"name"`
	Holder string `json:"holder"`
	// Epoch grows by one whenever the lease changes hands (or its holder
	// lets it lapse and takes it again).
	Epoch    int64     `json:"epoch"`
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// Acquire takes name for this node when it is free or has expired, or
// renews it when this node holds it; either way it then lasts the TTL
// from now. held is false when another node holds it (the Lease says
// which). One statement: two nodes acquiring at once cannot both win.
func (l *Leases) Acquire(ctx context.Context, name string) (ls Lease, held bool, err error) {
	now := l.now()
	ms, exp := now.UnixMilli(), now.Add(l.ttl).UnixMilli()
	var epoch, acquired int64
	err = l.db.Write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO leases (name, holder, epoch, acquired_at, expires_at) VALUES ($1, $2, 1, $3, $4)
		ON CONFLICT (name) DO UPDATE SET
			epoch = CASE WHEN leases.holder = excluded.holder AND leases.expires_at >= $3 THEN leases.epoch ELSE leases.epoch + 1 END,
			acquired_at = CASE WHEN leases.holder = excluded.holder AND leases.expires_at >= $3 THEN leases.acquired_at ELSE excluded.acquired_at END,
			holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < $3
		RETURNING epoch, acquired_at`, name, l.holder, ms, exp).Scan(&epoch, &acquired)
	})
	if err == nil {
		return Lease{Name: name, Holder: l.holder, Epoch: epoch, Acquired: time.UnixMilli(acquired), Expires: time.UnixMilli(exp)}, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Lease{}, false, errs.Wrap(err, "cannot acquire lease %s", name)
	}
	ls, err = l.Get(ctx, name)
	return ls, false, err
}

// Get returns lease name as the database has it (NotFound when no node
// ever took it).
func (l *Leases) Get(ctx context.Context, name string) (Lease, error) {
	var ls Lease
	var acquired, expires int64
	err := l.db.Reader().QueryRowContext(ctx, `SELECT name, holder, epoch, acquired_at, expires_at FROM leases WHERE name = $1`, name).
		Scan(&ls.Name, &ls.Holder, &ls.Epoch, &acquired, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, errs.E(errs.NotFound, "no lease %s", name)
	}
	if err != nil {
		return Lease{}, errs.Wrap(err, "cannot read lease %s", name)
	}
	ls.Acquired, ls.Expires = time.UnixMilli(acquired), time.UnixMilli(expires)
	return ls, nil
}

// Release gives name up at once when this node holds it, so that another
// node need not wait for it to expire.
func (l *Leases) Release(ctx context.Context, name string) error {
	err := l.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2`, name, l.holder)
		return err
	})
	return errs.Wrap(err, "cannot release lease %s", name)
}

// List returns every lease, by name.
func (l *Leases) List(ctx context.Context) ([]Lease, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT name, holder, epoch, acquired_at, expires_at FROM leases ORDER BY name`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list leases")
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var ls Lease
		var acquired, expires int64
		if err := rows.Scan(&ls.Name, &ls.Holder, &ls.Epoch, &acquired, &expires); err != nil {
			return nil, errs.Wrap(err, "cannot read lease")
		}
		ls.Acquired, ls.Expires = time.UnixMilli(acquired), time.UnixMilli(expires)
		out = append(out, ls)
	}
	return out, errs.Wrap(rows.Err(), "cannot list leases")
}

// Hold runs fn whenever this node holds lease name, until ctx ends: it
// tries to acquire the lease every third of the TTL; once it holds it, it
// runs fn with a context that ends when the lease is lost (another node
// took it over, or it could not be renewed before it would expire) or ctx
// ends, renewing it meanwhile. fn must return when its context ends.
// When fn returns, the lease is released and Hold tries again.
func (l *Leases) Hold(ctx context.Context, name string, fn func(ctx context.Context, epoch int64)) {
	every := l.ttl / 3
	wait := func() bool {
		t := time.NewTimer(every)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for ctx.Err() == nil {
		ls, held, err := l.Acquire(ctx, name)
		if err != nil || !held {
			if !wait() {
				return
			}
			continue
		}
		hctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			fn(hctx, ls.Epoch)
		}()
		l.keep(hctx, name, ls, done, cancel)
		cancel()
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = l.Release(rctx, name)
		rcancel()
		if ctx.Err() == nil && !wait() {
			return
		}
	}
}

// keep renews ls until done closes or ctx ends, and cancels when the
// lease is lost: taken over, or not renewed while a third of the TTL was
// still left (so that this node stops before any other may start).
func (l *Leases) keep(ctx context.Context, name string, ls Lease, done <-chan struct{}, cancel func()) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			now, err := l.renew(ctx, name, &ls)
			if err != nil || !now.Before(ls.Expires.Add(-l.ttl/3)) {
				cancel()
				return
			}
		}
	}
}

// renew renews ls in place; an error means it is lost or could not be
// renewed (then ls still says when it expires).
func (l *Leases) renew(ctx context.Context, name string, ls *Lease) (time.Time, error) {
	n, held, err := l.Acquire(ctx, name)
	now := l.now()
	if err != nil {
		return now, err
	}
	if !held || n.Epoch != ls.Epoch {
		return now, errs.E(errs.Conflict, "lease %s was taken over by %s", name, n.Holder)
	}
	*ls = n
	return now, nil
}
