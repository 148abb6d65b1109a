package oncall

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
)

// Handover is a note the outgoing person on call leaves for the incoming
// one: what is open, what to watch.
type Handover struct {
	ID     int64     `json:"id"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
	Body   string    `json:"body"`
}

// AddHandover stores a handover note for team slug, written by sc (a
// member of the team, or someone who may manage it). Body is 1–4000
// characters.
func (s *Service) AddHandover(ctx context.Context, sc access.Scope, slug, body string) (Handover, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return Handover{}, errs.Field("body", "write what is open and what to watch")
	case utf8.RuneCountInString(body) > MaxNoteLen:
		return Handover{}, errs.Field("body", "a handover note has at most %d characters", MaxNoteLen)
	}
	now := s.now()
	var out Handover
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, false)
		if err != nil {
			return err
		}
		if !isMember(t, sc.UserID) {
			if _, err := team(ctx, tx, sc, slug, true); err != nil {
				return errs.E(errs.Forbidden, "only the members of team %q write its handover notes", slug)
			}
		}
		out = Handover{Author: sc.Actor().Name, At: now, Body: body}
		var uid any
		if sc.UserID != 0 {
			uid = sc.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO oncall_handovers (team_id, user_id, author, at, body) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			t.ID, uid, out.Author, now, body).Scan(&out.ID); err != nil {
			return errs.Wrap(err, "cannot store a handover note for team %q", slug)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.handover", TargetType: "oncall_handover", TargetID: strconv.FormatInt(out.ID, 10),
			OrgID: t.OrgID, After: map[string]any{"team": slug, "length": utf8.RuneCountInString(body)}})
	})
	return out, err
}

// Handovers lists the handover notes of team slug, newest first (at most
// limit, 1–200), if sc may see the team. Handovers(…, 1) is the latest
// note, for the incoming person's "who is on call".
func (s *Service) Handovers(ctx context.Context, sc access.Scope, slug string, limit int) ([]Handover, error) {
	if limit < 1 || limit > 200 {
		return nil, errs.Field("limit", "must be between 1 and 200")
	}
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, author, at, body FROM oncall_handovers WHERE team_id = $1 ORDER BY id DESC LIMIT $2`, t.ID, limit)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list the handover notes of team %q", slug)
	}
	defer rows.Close()
	out := []Handover{}
	for rows.Next() {
		var h Handover
		if err := rows.Scan(&h.ID, &h.Author, &h.At, &h.Body); err != nil {
			return nil, errs.Wrap(err, "cannot read a handover note")
		}
		h.At = h.At.UTC()
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "cannot list the handover notes of team %q", slug)
}
