package access

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Token lifetimes.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
)

// tokenPrefix marks samdrift API tokens, so that secret scanners can find
// leaked ones.
const tokenPrefix = "sdt_"

// Token is an API token's metadata; the secret itself is shown once, by
// CreateToken, and only its hash is stored.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// CreateToken issues an API token for user id, named name, valid for ttl
// (0: DefaultTokenTTL; at most MaxTokenTTL). Users issue tokens for
// themselves; an administrator may issue them for users in its reach. It
// returns the plain token, which is never retrievable again.
func (s *Service) CreateToken(ctx context.Context, sc Scope, userID int64, name string, ttl time.Duration) (string, Token, error) {
	if userID != sc.UserID && !sc.Can(ManageUsers) {
		return "", Token{}, errs.E(errs.Forbidden, "you may only create tokens for yourself")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, errs.Field("name", "give the token a name of 1–100 characters (what uses it)")
	}
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < time.Minute || ttl > MaxTokenTTL {
		return "", Token{}, errs.Field("expires_in", "must be between 1 minute and %d days", int(MaxTokenTTL.Hours()/24))
	}
	plain, h := newSecret(tokenPrefix)
	now := s.now()
	var t Token
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		u, err := s.getUser(ctx, tx, sc, userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.E(errs.Conflict, "user %s is disabled", u.Username)
		}
		// A token is a credential of its own (it passes for a second
		// factor), so a role that needs one gets tokens only once a second
		// factor is set up; the operator's command line may still issue
		// them (service accounts, set up by whoever runs the platform).
		if s.RequiresMFA(u.Role) && !u.TOTPEnabled && !sc.IsSystem() {
			return errs.E(errs.Conflict, "the role %s needs two-step verification: %s must set it up (log in once) before tokens can be issued", u.Role, u.Username)
		}
		t = Token{UserID: userID, Username: u.Username, Name: name, Prefix: plain[:len(tokenPrefix)+6], CreatedAt: now, ExpiresAt: now.Add(ttl)}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, userID, name, t.Prefix, h, now, t.ExpiresAt).Scan(&t.ID); err != nil {
			return errs.Wrap(err, "cannot store token")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "token.create", TargetType: "token",
			TargetID: strconv.FormatInt(t.ID, 10), OrgID: u.OrgID,
			After: map[string]any{"user": u.Username, "name": name, "prefix": t.Prefix, "expires_at": t.ExpiresAt}})
	})
	if err != nil {
		return "", Token{}, err
	}
	return plain, t, nil
}

const tokenColumns = `t.id, t.user_id, u.username, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var revoked, used sql.NullTime
	err := row.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Prefix, &t.CreatedAt, &t.ExpiresAt, &revoked, &used)
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if revoked.Valid {
		r := revoked.Time.UTC()
		t.RevokedAt = &r
	}
	if used.Valid {
		u := used.Time.UTC()
		t.LastUsedAt = &u
	}
	return t, err
}

// ListTokens returns the caller's tokens, or, for an administrator, the
// tokens of users in its reach (all=true).
func (s *Service) ListTokens(ctx context.Context, sc Scope, all bool) ([]Token, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	var q string
	var args []any
	if all && sc.Can(ManageUsers) {
		a := &store.Args{}
		q = `SELECT ` + tokenColumns + ` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ` + sc.OrgPredicate("u.org_id", a) + ` ORDER BY t.id DESC LIMIT 1000`
		args = a.Values()
	} else {
		q = `SELECT ` + tokenColumns + ` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1 ORDER BY t.id DESC LIMIT 1000`
		args = []any{sc.UserID}
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list tokens")
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read token")
		}
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "cannot list tokens")
}

// RevokeToken revokes token id; it is refused from then on. Users revoke
// their own; an administrator any in its reach.
func (s *Service) RevokeToken(ctx context.Context, sc Scope, id int64) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		a := &store.Args{}
		where := `t.id = ` + a.Add(id)
		if sc.Can(ManageUsers) {
			where += ` AND (t.user_id = ` + a.Add(sc.UserID) + ` OR ` + sc.OrgPredicate("u.org_id", a) + `)`
		} else {
			where += ` AND t.user_id = ` + a.Add(sc.UserID)
		}
		t, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+where, a.Values()...))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no such token: %d", id)
		}
		if err != nil {
			return errs.Wrap(err, "cannot load token %d", id)
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return errs.Wrap(err, "cannot revoke token %d", id)
		}
		var orgID int64
		_ = tx.QueryRowContext(ctx, `SELECT org_id FROM users WHERE id = $1`, t.UserID).Scan(&orgID)
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "token.revoke", TargetType: "token",
			TargetID: strconv.FormatInt(id, 10), OrgID: orgID, After: map[string]any{"user": t.Username, "name": t.Name, "prefix": t.Prefix}})
	})
}

// TokenScope authenticates a plain API token and returns its user's scope.
// Unknown, revoked and expired tokens, and tokens of disabled users, are
// refused at once.
func (s *Service) TokenScope(ctx context.Context, plain, remoteAddr string) (Scope, User, error) {
	if !strings.HasPrefix(plain, tokenPrefix) || len(plain) > 100 {
		return Scope{}, User{}, errs.E(errs.Unauthorized, "not a samdrift API token")
	}
	now := s.now()
	h := hashSecret(plain)
	// One query: the token and its user, on every API request.
	var id int64
	var used sql.NullTime
	var u User
	err := s.db.Reader().QueryRowContext(ctx, `SELECT t.id, t.last_used_at, `+userColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = u.org_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND NOT u.disabled`, h, now).
		Scan(append([]any{&id, &used}, s.userDest(&u)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Scope{}, User{}, errs.E(errs.Unauthorized, "the API token is unknown, revoked or expired")
	}
	if err != nil {
		return Scope{}, User{}, errs.Wrap(err, "cannot look up token")
	}
	s.finishUser(&u)
	if !used.Valid || now.Sub(used.Time) > time.Minute {
		if err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id)
			return err
		}); err != nil {
			return Scope{}, User{}, errs.Wrap(err, "cannot note token use")
		}
	}
	sc := scopeFor(u, remoteAddr)
	sc.MFA = true
	return sc, u, nil
}
