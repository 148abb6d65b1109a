// Package audit is samdrift's append-only, hash-chained audit trail. Every
// change of state appends a Record inside the transaction that makes the
// change, so both commit or neither does. Each record's hash covers its
// content and the previous record's hash; Verify walks the chain and names
// the first record that was altered, removed or inserted.
//
// Audit must not know the domain: callers describe their change as an Entry.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Actor is who made a change and from where.
type Actor struct {
	UserID     int64 // 0 for the system
	Name       string
	OrgID      int64 // 0 for none
	RemoteAddr string
}

// Entry describes one change of state. Before and After are marshalled to
// JSON; they must never hold secrets (passwords, tokens, TOTP seeds).
type Entry struct {
	Action     string // e.g. "user.create", "login.fail"
	TargetType string // e.g. "user"
	TargetID   string
	OrgID      int64 // the organisation the change concerns (0: none)
	Before     any
	After      any
}

// Record is one stored audit record.
type Record struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_user_id,omitempty"`
	Actor      string          `json:"actor"`
	ActorOrgID int64           `json:"actor_org_id,omitempty"`
	RemoteAddr string          `json:"remote_addr,omitempty"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type,omitempty"`
	TargetID   string          `json:"target_id,omitempty"`
	OrgID      int64           `json:"org_id,omitempty"`
	Detail     json.RawMessage `json:"detail"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Append writes one record for e by actor inside tx. It takes the chain head
// with an UPDATE, which locks it until tx ends, so concurrent writers on
// PostgreSQL chain one after another instead of forking the chain.
func Append(ctx context.Context, tx *sql.Tx, actor Actor, e Entry) error {
	detail, err := json.Marshal(struct {
		Before any `json:"before,omitempty"`
		After  any `json:"after,omitempty"`
	}{e.Before, e.After})
	if err != nil {
		return errs.Wrap(err, "cannot encode audit detail for %s", e.Action)
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx,
		`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return errs.Wrap(err, "cannot advance audit chain")
	}
	r := Record{
		Seq: seq, At: store.Now(), ActorID: actor.UserID, Actor: actor.Name, ActorOrgID: actor.OrgID,
		RemoteAddr: actor.RemoteAddr, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		OrgID: e.OrgID, Detail: detail, PrevHash: prev,
	}
	r.Hash = r.computeHash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor_user_id, actor, actor_org_id, remote_addr, action, target_type, target_id, org_id, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.Seq, r.At, nullID(r.ActorID), r.Actor, nullID(r.ActorOrgID), r.RemoteAddr, r.Action,
		r.TargetType, r.TargetID, nullID(r.OrgID), string(r.Detail), r.PrevHash, r.Hash); err != nil {
		return errs.Wrap(err, "cannot write audit record")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return errs.Wrap(err, "cannot advance audit chain")
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// computeHash hashes the record's content and its predecessor's hash. The
// encoding is a fixed struct, so field order and formatting never drift.
func (r Record) computeHash() string {
	canon, _ := json.Marshal(struct {
		Seq        int64  `json:"seq"`
		At         string `json:"at"`
		ActorID    int64  `json:"actor_user_id"`
		Actor      string `json:"actor"`
		ActorOrgID int64  `json:"actor_org_id"`
		RemoteAddr string `json:"remote_addr"`
		Action     string `json:"action"`
		TargetType string `json:"target_type"`
		TargetID   string `json:"target_id"`
		OrgID      int64  `json:"org_id"`
		Detail     string `json:"detail"`
		PrevHash   string `json:"prev_hash"`
	}{r.Seq, r.At.UTC().Format(time.RFC3339Nano), r.ActorID, r.Actor, r.ActorOrgID, r.RemoteAddr,
		r.Action, r.TargetType, r.TargetID, r.OrgID, string(r.Detail), r.PrevHash})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

const recordColumns = `seq, at, actor_user_id, actor, actor_org_id, remote_addr, action, target_type, target_id, org_id, detail, prev_hash, hash`

func scanRecord(rows interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var actorID, actorOrg, orgID sql.NullInt64
	var detail string
	if err := rows.Scan(&r.Seq, &r.At, &actorID, &r.Actor, &actorOrg, &r.RemoteAddr, &r.Action,
		&r.TargetType, &r.TargetID, &orgID, &detail, &r.PrevHash, &r.Hash); err != nil {
		return r, err
	}
	r.At = r.At.UTC()
	r.ActorID, r.ActorOrgID, r.OrgID = actorID.Int64, actorOrg.Int64, orgID.Int64
	r.Detail = json.RawMessage(detail)
	return r, nil
}

// Broken describes the first record where the chain does not hold.
type Broken struct {
	Seq    int64
	Reason string
}

// Error implements error.
func (b *Broken) Error() string {
	return fmt.Sprintf("audit chain broken at record %d: %s", b.Seq, b.Reason)
}

// Verify walks the whole chain in order and returns how many records it
// checked. It returns a *Broken error naming the first record that was
// altered (hash mismatch), removed (a gap in seq, or a head beyond the last
// record) or re-linked (prev_hash mismatch). progress, when non-nil, is
// called every 10,000 records.
func Verify(ctx context.Context, q store.Querier, progress func(n int64)) (int64, error) {
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, errs.Wrap(err, "cannot read audit chain head")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, errs.Wrap(err, "cannot read audit log")
	}
	defer rows.Close()
	var n, want int64 = 0, 1
	prev := ""
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return n, errs.Wrap(err, "cannot read audit record after %d", want-1)
		}
		switch {
		case r.Seq != want:
			return n, &Broken{Seq: want, Reason: fmt.Sprintf("record missing (next present is %d)", r.Seq)}
		case r.PrevHash != prev:
			return n, &Broken{Seq: r.Seq, Reason: "prev_hash does not match the hash of the record before it"}
		case r.computeHash() != r.Hash:
			return n, &Broken{Seq: r.Seq, Reason: "content does not match its hash (the record was altered)"}
		}
		prev = r.Hash
		n++
		want++
		if progress != nil && n%10000 == 0 {
			progress(n)
		}
	}
	if err := rows.Err(); err != nil {
		return n, errs.Wrap(err, "cannot read audit log")
	}
	if headSeq != n || headHash != prev {
		return n, &Broken{Seq: n + 1, Reason: fmt.Sprintf("chain head says %d records but %d are present (records removed from the end?)", headSeq, n)}
	}
	return n, nil
}
