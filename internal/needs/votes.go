package needs

import (
	"context"
	"database/sql"
	"errors"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// needHead reads the organisation and title of need id inside tx.
func needHead(ctx context.Context, tx *sql.Tx, id int64) (int64, string, error) {
	var orgID int64
	var title string
	err := tx.QueryRowContext(ctx, `SELECT org_id, title FROM needs WHERE id = $1`, id).Scan(&orgID, &title)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", errNoNeed(id)
	}
	if err != nil {
		return 0, "", errs.Wrap(err, "cannot read need %d", id)
	}
	return orgID, title, nil
}

// Vote says "we need this too" for a municipality: the caller's own when
// orgRef is empty, another within the caller's reach (a unit's users and
// governance vote on a municipality's behalf). One vote per organisation:
// voting again changes nothing. The submitting municipality's support is
// counted already and is not voted. The vote is audited under the voting
// municipality, not the need's.
func (s *Service) Vote(ctx context.Context, sc access.Scope, id int64, orgRef string) (Detail, error) {
	return s.vote(ctx, sc, id, orgRef, true)
}

// Unvote takes back a municipality's vote (as Vote names it); taking back
// a vote that is not there changes nothing.
func (s *Service) Unvote(ctx context.Context, sc access.Scope, id int64, orgRef string) (Detail, error) {
	return s.vote(ctx, sc, id, orgRef, false)
}

func (s *Service) vote(ctx context.Context, sc access.Scope, id int64, orgRef string, on bool) (Detail, error) {
	if err := mayTakePart(sc); err != nil {
		return Detail{}, err
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, orgName, err := municipality(ctx, tx, sc, orgRef, true)
		if err != nil {
			return err
		}
		needOrg, _, err := needHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if on && needOrg == orgID {
			return errs.Field("org", "%s submitted this need; its support is counted already", orgName)
		}
		var r sql.Result
		action := "need.vote"
		if on {
			r, err = tx.ExecContext(ctx, `INSERT INTO need_votes (need_id, org_id, voted_by, voted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (need_id, org_id) DO NOTHING`,
				id, orgID, sc.Actor().Name, s.now())
		} else {
			action = "need.unvote"
			r, err = tx.ExecContext(ctx, `DELETE FROM need_votes WHERE need_id = $1 AND org_id = $2`, id, orgID)
		}
		if err != nil {
			return errs.Wrap(err, "cannot record the vote on need %d", id)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil // as it was: one vote per organisation
		}
		if _, err := tx.ExecContext(ctx, `UPDATE needs SET updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return errs.Wrap(err, "cannot record the vote on need %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: action, TargetType: "need", TargetID: idString(id), OrgID: orgID,
			After: map[string]any{"org": orgName, "need_org": needOrg}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, sc, id)
}

// Follow makes the caller follow need id: they are told in their inbox
// when its status changes or someone comments publicly. Following again
// changes nothing. It is audited under the caller's organisation, not the
// need's.
func (s *Service) Follow(ctx context.Context, sc access.Scope, id int64) (Detail, error) {
	return s.follow(ctx, sc, id, true)
}

// Unfollow stops the caller following need id.
func (s *Service) Unfollow(ctx context.Context, sc access.Scope, id int64) (Detail, error) {
	return s.follow(ctx, sc, id, false)
}

func (s *Service) follow(ctx context.Context, sc access.Scope, id int64, on bool) (Detail, error) {
	if err := mayRead(sc); err != nil {
		return Detail{}, err
	}
	if sc.UserID == 0 {
		return Detail{}, errs.E(errs.Forbidden, "only a person follows a need")
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		needOrg, _, err := needHead(ctx, tx, id)
		if err != nil {
			return err
		}
		var r sql.Result
		action := "need.follow"
		if on {
			r, err = tx.ExecContext(ctx, `INSERT INTO need_followers (need_id, user_id, since) VALUES ($1, $2, $3) ON CONFLICT (need_id, user_id) DO NOTHING`,
				id, sc.UserID, s.now())
		} else {
			action = "need.unfollow"
			r, err = tx.ExecContext(ctx, `DELETE FROM need_followers WHERE need_id = $1 AND user_id = $2`, id, sc.UserID)
		}
		if err != nil {
			return errs.Wrap(err, "cannot change who follows need %d", id)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: action, TargetType: "need", TargetID: idString(id), OrgID: sc.OrgID,
			After: map[string]any{"need_org": needOrg}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, sc, id)
}

// NewComment is a comment to add to a need.
type NewComment struct {
	Body string `json:"body"`
	// Internal comments are read only by the unit that supplies the need's
	// municipality, the secretariat, governance and administrators, who
	// alone write them.
	Internal bool `json:"internal"`
}

// AddComment adds c to need id as the caller. A public comment is told to
// the need's followers and makes the need recently active (updated_at); an
// internal one does neither, and an internal comment from anyone but
// those who read them (Need.SeesInternal) is Forbidden. The comment is
// audited under the commenter's organisation, an internal one without its
// text, so that the need's municipality's trail does not name people it
// does not reach.
func (s *Service) AddComment(ctx context.Context, sc access.Scope, id int64, c NewComment) (Comment, error) {
	if err := mayTakePart(sc); err != nil {
		return Comment{}, err
	}
	body, err := errs.Text("body", c.Body, 1, MaxComment)
	if err != nil {
		return Comment{}, err
	}
	out := Comment{Body: body, Internal: c.Internal, Author: sc.Actor().Name}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		needOrg, title, err := needHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Internal {
			var a store.Args
			var may int
			if err := tx.QueryRowContext(ctx, `SELECT CASE WHEN `+internalExpr(sc, &a, "n.org_id")+` THEN 1 ELSE 0 END FROM needs n WHERE n.id = `+a.Add(id),
				a.Values()...).Scan(&may); err != nil {
				return errs.Wrap(err, "cannot read need %d", id)
			}
			if may != 1 {
				return errs.E(errs.Forbidden, "internal comments on a need are for the unit that supplies its municipality and the secretariat")
			}
		}
		now := s.now()
		var author any
		if sc.UserID != 0 {
			author = sc.UserID
		}
		orgID := sc.OrgID
		if orgID == 0 {
			orgID = needOrg // the platform speaks for the need's own municipality
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO need_comments (need_id, org_id, author_id, author, body, internal, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			RETURNING id`, id, orgID, author, out.Author, body, c.Internal, now).Scan(&out.ID); err != nil {
			return errs.Wrap(err, "cannot store the comment on need %d", id)
		}
		if err := tx.QueryRowContext(ctx, `SELECT id, slug, COALESCE(code, ''), name FROM organizations WHERE id = $1`, orgID).
			Scan(&out.Org.ID, &out.Org.Slug, &out.Org.Code, &out.Org.Name); err != nil {
			return errs.Wrap(err, "cannot read the commenting organisation")
		}
		out.CreatedAt = now
		if !c.Internal {
			// Only what everyone reads makes the need recently active: an
			// internal comment moving it up sort=updated would tell the
			// municipalities that something they cannot see happened.
			if _, err := tx.ExecContext(ctx, `UPDATE needs SET updated_at = $1 WHERE id = $2`, now, id); err != nil {
				return errs.Wrap(err, "cannot store the comment on need %d", id)
			}
			if err := tellFollowers(ctx, tx, sc, id, 0, notify.Notice{Kind: "need.comment", NeedID: id, Subject: subject(id, title), Body: body, At: now}); err != nil {
				return err
			}
		}
		// The record is the commenter's organisation's: the need's
		// municipality reads its trail, and the person behind a comment
		// is shown only to those who reach the commenter's organisation.
		// An internal comment's text stays out of the trail all the same.
		after := map[string]any{"comment": out.ID, "internal": c.Internal, "need_org": needOrg}
		if !c.Internal {
			after["body"] = body
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "need.comment", TargetType: "need", TargetID: idString(id), OrgID: orgID, After: after})
	})
	return out, err
}
