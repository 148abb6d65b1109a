package needs

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// StatusChange sets a need's status. Reason is required for declined.
// Version, when not 0, must be the need's as last read.
type StatusChange struct {
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

// DuplicateChange marks a need as a duplicate of another (its original).
// Version, when not 0, must be the need's as last read.
type DuplicateChange struct {
	Of      int64  `json:"duplicate_of"`
	Note    string `json:"note"`
	Version int    `json:"version"`
}

// current is a need as a decision reads it.
type current struct {
	orgID         int64
	title, status string
	reason        string
	dupOf         int64
	version       int
}

// forDecision reads need id inside tx for a decision by sc: NotFound when
// there is none, Forbidden when sc may not decide on it.
func forDecision(ctx context.Context, tx *sql.Tx, sc access.Scope, id int64) (current, error) {
	if err := mayRead(sc); err != nil {
		return current{}, err
	}
	var a store.Args
	var c current
	var may int
	err := tx.QueryRowContext(ctx, `SELECT n.org_id, n.title, n.status, n.status_reason, COALESCE(n.duplicate_of, 0), n.version,
		CASE WHEN `+decideExpr(sc, &a, "n.org_id")+` THEN 1 ELSE 0 END FROM needs n WHERE n.id = `+a.Add(id), a.Values()...).
		Scan(&c.orgID, &c.title, &c.status, &c.reason, &c.dupOf, &c.version, &may)
	if errors.Is(err, sql.ErrNoRows) {
		return current{}, errNoNeed(id)
	}
	if err != nil {
		return current{}, errs.Wrap(err, "cannot read need %d", id)
	}
	if may != 1 {
		return current{}, errs.E(errs.Forbidden, "the status of a need is set by the secretariat or by the unit that supplies the municipality it comes from")
	}
	return c, nil
}

func checkVersion(id int64, have, want int) error {
	if want != 0 && want != have {
		return errs.E(errs.Conflict, "need %d was changed since you read it (version %d, you had %d); reload it and try again", id, have, want)
	}
	return nil
}

// SetStatus sets need id's status (any of Settable; declined with a
// reason). Governance and administrators decide on every need, a unit's
// managers and service desk on those from the municipalities the unit
// supplies. A duplicate given another status is no longer a duplicate.
// The need's followers are told (notice kind "need.status.<status>", the
// reason as its body).
func (s *Service) SetStatus(ctx context.Context, sc access.Scope, id int64, c StatusChange) (Detail, error) {
	if c.Status == Duplicate {
		return Detail{}, errs.Field("status", "a need becomes a duplicate by being marked as one of another need")
	}
	if err := errs.OneOf("status", c.Status, Settable); err != nil {
		return Detail{}, err
	}
	reason, err := errs.Text("reason", c.Reason, 0, MaxReason)
	if err != nil {
		return Detail{}, err
	}
	if c.Status == Declined && reason == "" {
		return Detail{}, errs.Field("reason", "say why the need is declined")
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := forDecision(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := checkVersion(id, cur.version, c.Version); err != nil {
			return err
		}
		if cur.status == c.Status && cur.reason == reason {
			return nil // nothing to change, nothing to tell
		}
		now := s.now()
		r, err := tx.ExecContext(ctx, `UPDATE needs SET status = $1, status_reason = $2, duplicate_of = NULL, status_by = $3, status_at = $4, updated_at = $4,
			version = version + 1 WHERE id = $5 AND version = $6`, c.Status, reason, sc.Actor().Name, now, id, cur.version)
		if err != nil {
			return errs.Wrap(err, "cannot set the status of need %d", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "need %d was changed meanwhile; reload it and try again", id)
		}
		if err := tellFollowers(ctx, tx, sc, id, 0, notify.Notice{Kind: "need.status." + c.Status, NeedID: id, Subject: subject(id, cur.title), Body: reason, At: now}); err != nil {
			return err
		}
		before := map[string]any{"status": cur.status, "reason": cur.reason}
		if cur.dupOf != 0 {
			before["duplicate_of"] = cur.dupOf
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "need.status", TargetType: "need", TargetID: idString(id), OrgID: cur.orgID,
			Before: before, After: map[string]any{"status": c.Status, "reason": reason}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, sc, id)
}

// MarkDuplicate marks need id as a duplicate of need c.Of (or of the
// original c.Of is itself a duplicate of, so that a duplicate never has
// duplicates of its own): its status becomes duplicate, its duplicates
// move to the original, its followers follow the original too, and it is
// refused when it would make a circle. The same people decide as for
// SetStatus; the need's followers are told.
//
// Moving a duplicate changes that need too, so the caller must be one who
// decides on each of them: a unit marking a need whose duplicates include
// one from a municipality it does not supply is Forbidden and nothing
// changes (the secretariat, who decides on every need, marks it). Each
// moved need is audited under its own municipality (action
// need.duplicate, "via" the need marked), and its followers who do not
// follow need id, and so were not told already, are told.
func (s *Service) MarkDuplicate(ctx context.Context, sc access.Scope, id int64, c DuplicateChange) (Detail, error) {
	if c.Of <= 0 {
		return Detail{}, errs.Field("duplicate_of", "name the need this one duplicates")
	}
	if c.Of == id {
		return Detail{}, errs.Field("duplicate_of", "a need cannot be a duplicate of itself")
	}
	note, err := errs.Text("note", c.Note, 0, MaxReason)
	if err != nil {
		return Detail{}, err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.db.Lock(ctx, tx, store.LockNeeds); err != nil {
			return errs.Wrap(err, "cannot mark need %d a duplicate", id)
		}
		cur, err := forDecision(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := checkVersion(id, cur.version, c.Version); err != nil {
			return err
		}
		var root int64
		var rootTitle string
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(n.duplicate_of, n.id), COALESCE(d.title, n.title) FROM needs n LEFT JOIN needs d ON d.id = n.duplicate_of
			WHERE n.id = $1`, c.Of).Scan(&root, &rootTitle)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field("duplicate_of", "no need %d", c.Of)
		}
		if err != nil {
			return errs.Wrap(err, "cannot read need %d", c.Of)
		}
		if root == id {
			return errs.Field("duplicate_of", "need %d is a duplicate of this one; marking this one a duplicate of it would make a circle", c.Of)
		}
		if cur.status == Duplicate && cur.dupOf == root && cur.reason == note {
			return nil
		}
		dups, err := duplicatesOf(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		for _, d := range dups {
			if !d.mayDecide {
				return errs.E(errs.Forbidden, "need %d, a duplicate of this one, comes from a municipality you do not decide for; ask the secretariat to mark this one", d.id)
			}
		}
		now := s.now()
		r, err := tx.ExecContext(ctx, `UPDATE needs SET status = 'duplicate', duplicate_of = $1, status_reason = $2, status_by = $3, status_at = $4, updated_at = $4,
			version = version + 1 WHERE id = $5 AND version = $6`, root, note, sc.Actor().Name, now, id, cur.version)
		if err != nil {
			return errs.Wrap(err, "cannot mark need %d a duplicate", id)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "need %d was changed meanwhile; reload it and try again", id)
		}
		if err := tellFollowers(ctx, tx, sc, id, 0, notify.Notice{Kind: "need.duplicate", NeedID: id, Subject: subject(id, cur.title), Body: subject(root, rootTitle),
			At: now}); err != nil {
			return err
		}
		moved, err := moveDuplicates(ctx, tx, sc, dups, id, root, rootTitle, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO need_followers (need_id, user_id, since) SELECT $1, user_id, $2 FROM need_followers WHERE need_id = $3
			ON CONFLICT (need_id, user_id) DO NOTHING`, root, now, id); err != nil {
			return errs.Wrap(err, "cannot carry the followers of need %d over", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "need.duplicate", TargetType: "need", TargetID: idString(id), OrgID: cur.orgID,
			Before: map[string]any{"status": cur.status, "duplicate_of": cur.dupOf},
			After:  map[string]any{"status": Duplicate, "duplicate_of": root, "note": note, "moved": moved}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, sc, id)
}

// dupOf is a duplicate of a need as MarkDuplicate moves it.
type dupOf struct {
	id, orgID int64
	title     string
	mayDecide bool
}

// duplicatesOf reads the needs marked as duplicates of need from, and
// whether sc decides on each.
func duplicatesOf(ctx context.Context, tx *sql.Tx, sc access.Scope, from int64) ([]dupOf, error) {
	var a store.Args
	rows, err := tx.QueryContext(ctx, `SELECT n.id, n.org_id, n.title, CASE WHEN `+decideExpr(sc, &a, "n.org_id")+` THEN 1 ELSE 0 END
		FROM needs n WHERE n.duplicate_of = `+a.Add(from)+` ORDER BY n.id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot find the duplicates of need %d", from)
	}
	defer rows.Close()
	var out []dupOf
	for rows.Next() {
		var d dupOf
		var may int
		if err := rows.Scan(&d.id, &d.orgID, &d.title, &may); err != nil {
			return nil, errs.Wrap(err, "cannot find the duplicates of need %d", from)
		}
		d.mayDecide = may == 1
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "cannot find the duplicates of need %d", from)
}

// moveDuplicates points dups, the duplicates of need from, at need to
// instead, each audited under its own organisation and told to its
// followers who do not follow from (they heard of it), and returns their
// ids.
func moveDuplicates(ctx context.Context, tx *sql.Tx, sc access.Scope, dups []dupOf, from, to int64, toTitle string, now time.Time) ([]int64, error) {
	moved := []int64{}
	for _, d := range dups {
		r, err := tx.ExecContext(ctx, `UPDATE needs SET duplicate_of = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND duplicate_of = $4`, to, now, d.id, from)
		if err != nil {
			return nil, errs.Wrap(err, "cannot move need %d, a duplicate of need %d", d.id, from)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil, errs.E(errs.Conflict, "need %d was changed meanwhile; reload it and try again", d.id)
		}
		moved = append(moved, d.id)
		if err := tellFollowers(ctx, tx, sc, d.id, from, notify.Notice{Kind: "need.duplicate", NeedID: d.id, Subject: subject(d.id, d.title),
			Body: subject(to, toTitle), At: now}); err != nil {
			return nil, err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "need.duplicate", TargetType: "need", TargetID: idString(d.id), OrgID: d.orgID,
			Before: map[string]any{"status": Duplicate, "duplicate_of": from},
			After:  map[string]any{"status": Duplicate, "duplicate_of": to, "via": from}}); err != nil {
			return nil, err
		}
	}
	return moved, nil
}

// tellFollowers queues n to every active follower of need id but the
// one acting and, when heard is not 0, those who follow need heard (they
// were told of the same change already).
func tellFollowers(ctx context.Context, tx *sql.Tx, sc access.Scope, id, heard int64, n notify.Notice) error {
	rows, err := tx.QueryContext(ctx, `SELECT f.user_id FROM need_followers f JOIN users u ON u.id = f.user_id
		WHERE f.need_id = $1 AND NOT u.disabled AND f.user_id <> $2
		AND NOT EXISTS (SELECT 1 FROM need_followers h WHERE h.need_id = $3 AND h.user_id = f.user_id) ORDER BY f.user_id`, id, sc.UserID, heard)
	if err != nil {
		return errs.Wrap(err, "cannot find the followers of need %d", id)
	}
	var users []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot find the followers of need %d", id)
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot find the followers of need %d", id)
	}
	if utf8.RuneCountInString(n.Body) > 500 {
		n.Body = string([]rune(n.Body)[:499]) + "…"
	}
	for _, u := range slices.Compact(users) {
		if _, err := notify.QueueUser(ctx, tx, u, n); err != nil {
			return err
		}
	}
	return nil
}
