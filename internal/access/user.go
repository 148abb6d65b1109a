package access

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// User is a local account as callers see it; it never carries secrets.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	OrgID       int64  `json:"org_id"`
	OrgSlug     string `json:"org_slug"`
	OrgName     string `json:"org_name"`
	OrgKind     string `json:"org_kind"`
	Role        Role   `json:"role"`
	Disabled    bool   `json:"disabled"`
	TOTPEnabled bool   `json:"totp_enabled"`
	MFARequired bool   `json:"mfa_required"`
	// IdP is the identity provider the user logs in through ("" for a
	// local account with a password).
	IdP       string    `json:"idp"`
	CreatedAt time.Time `json:"created_at"`
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string
	OrgID       int64
	Role        Role
	Password    string
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormalizeUsername lower-cases and trims a username and checks its form.
func NormalizeUsername(field, s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if !usernameRE.MatchString(u) {
		return "", errs.Field(field, "username %q must be 2–64 characters of a–z, 0–9, '.', '_', '@', '-', starting with a letter or digit", s)
	}
	return u, nil
}

const userColumns = `u.id, u.username, u.display_name, u.email, u.org_id, o.slug, o.name, o.kind, u.role, u.disabled, u.totp_enabled, u.idp, u.created_at`

// userDest returns scan destinations for userColumns, so that queries can
// select a user beside other columns.
func (s *Service) userDest(u *User) []any {
	return []any{&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.OrgID, &u.OrgSlug, &u.OrgName, &u.OrgKind,
		&u.Role, &u.Disabled, &u.TOTPEnabled, &u.IdP, &u.CreatedAt}
}

// finishUser fills what is derived rather than stored.
func (s *Service) finishUser(u *User) {
	u.CreatedAt = u.CreatedAt.UTC()
	u.MFARequired = s.RequiresMFA(u.Role)
}

func (s *Service) scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(s.userDest(&u)...)
	s.finishUser(&u)
	return u, err
}

// orgKind returns the kind of organisation id if sc may see its private
// data, else a NotFound error.
func orgKind(ctx context.Context, q store.Querier, sc Scope, field string, id int64) (string, error) {
	var a store.Args
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(id)+` AND `+sc.OrgPredicate("id", &a), a.Values()...).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &errs.Error{Code: errs.NotFound, Field: field, Message: "no such organisation: " + strconv.FormatInt(id, 10)}
	}
	return kind, errs.Wrap(err, "cannot look up organisation %d", id)
}

// CreateUser creates a user. The caller needs ManageUsers and the target
// organisation in its reach; the role must fit the organisation's kind.
func (s *Service) CreateUser(ctx context.Context, sc Scope, nu NewUser) (User, error) {
	if !sc.Can(ManageUsers) {
		return User{}, errs.E(errs.Forbidden, "only an administrator may create users")
	}
	username, err := NormalizeUsername("username", nu.Username)
	if err != nil {
		return User{}, err
	}
	if _, err := ParseRole("role", string(nu.Role)); err != nil {
		return User{}, err
	}
	if len(nu.DisplayName) > 200 {
		return User{}, errs.Field("display_name", "at most 200 characters")
	}
	if len(nu.Email) > 254 || (nu.Email != "" && !strings.Contains(nu.Email, "@")) {
		return User{}, errs.Field("email", "not an e-mail address: %q", nu.Email)
	}
	if err := ValidatePassword("password", nu.Password, username); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, errs.Wrap(err, "cannot hash password")
	}
	var u User
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		kind, err := orgKind(ctx, tx, sc, "org", nu.OrgID)
		if err != nil {
			return err
		}
		if !nu.Role.AllowedIn(kind) {
			return errs.Field("role", "role %s cannot be held in a %s organisation (allowed in: %s)", nu.Role, kind, strings.Join(nu.Role.KindsFor(), ", "))
		}
		now := s.now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, email, org_id, role, password_hash, created_at, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			username, nu.DisplayName, nu.Email, nu.OrgID, string(nu.Role), hash, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "username", Message: "username " + username + " is taken"}
		}
		if err != nil {
			return errs.Wrap(err, "cannot create user %s", username)
		}
		u, err = s.getUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{
			Action: "user.create", TargetType: "user", TargetID: strconv.FormatInt(id, 10), OrgID: nu.OrgID,
			After: map[string]any{"username": username, "org": u.OrgSlug, "role": u.Role, "display_name": u.DisplayName, "email": u.Email},
		})
	})
	return u, err
}

func (s *Service) getUser(ctx context.Context, q store.Querier, sc Scope, id int64) (User, error) {
	var a store.Args
	row := q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.id = `+a.Add(id)+` AND `+sc.OrgPredicate("u.org_id", &a), a.Values()...)
	u, err := s.scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "no such user: %d", id)
	}
	return u, errs.Wrap(err, "cannot load user %d", id)
}

// GetUser returns user id if sc may see it (NotFound otherwise: the caller
// cannot tell a user it may not see from one that does not exist).
func (s *Service) GetUser(ctx context.Context, sc Scope, id int64) (User, error) {
	if !sc.Can(ReadUsers) {
		return User{}, errs.E(errs.Forbidden, "you may not read users")
	}
	return s.getUser(ctx, s.db.Reader(), sc, id)
}

// UserByName returns the user called username if sc may see it.
func (s *Service) UserByName(ctx context.Context, sc Scope, username string) (User, error) {
	if !sc.Can(ReadUsers) {
		return User{}, errs.E(errs.Forbidden, "you may not read users")
	}
	name := strings.ToLower(strings.TrimSpace(username))
	var a store.Args
	row := s.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.username = `+a.Add(name)+` AND `+sc.OrgPredicate("u.org_id", &a), a.Values()...)
	u, err := s.scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "no such user: %s", username)
	}
	return u, errs.Wrap(err, "cannot load user %s", username)
}

// UserFilter narrows ListUsers. Zero values mean "any".
type UserFilter struct {
	OrgID int64
	Role  Role
	Query string // substring of username or display name
	// NeedsMFASetup: only enabled users whose role requires a second
	// factor that they have not set up yet.
	NeedsMFASetup bool
	// Sort is the order of the list (UserSorts names the keys); the zero
	// Sort is by username.
	Sort   store.Sort
	Limit  int // default 50, at most 500
	Offset int
}

// ListUsers returns the users sc may see that match f, in f.Sort's order
// (by username by default), with the total count of matches. An unknown
// sort key is an Invalid error on "sort".
func (s *Service) ListUsers(ctx context.Context, sc Scope, f UserFilter) ([]User, int, error) {
	if !sc.Can(ReadUsers) {
		return nil, 0, errs.E(errs.Forbidden, "you may not read users")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 0 || f.Limit > 500 {
		return nil, 0, errs.Field("limit", "must be between 1 and 500")
	}
	if f.Offset < 0 {
		return nil, 0, errs.Field("offset", "must not be negative")
	}
	if _, err := ParseUserSort("sort", f.Sort.String()); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{sc.OrgPredicate("u.org_id", &a)}
	if f.OrgID != 0 {
		where = append(where, "u.org_id = "+a.Add(f.OrgID))
	}
	if f.Role != "" {
		where = append(where, "u.role = "+a.Add(string(f.Role)))
	}
	if f.Query != "" {
		p := a.Add("%" + strings.ToLower(f.Query) + "%")
		where = append(where, "(u.username LIKE "+p+" OR LOWER(u.display_name) LIKE "+p+")")
	}
	if f.NeedsMFASetup {
		roles := make([]string, 0, len(s.mfaRoles))
		for r := range s.mfaRoles {
			roles = append(roles, a.Add(string(r)))
		}
		if len(roles) == 0 {
			roles = append(roles, "NULL")
		}
		where = append(where, "u.role IN ("+strings.Join(roles, ", ")+") AND NOT u.totp_enabled AND NOT u.disabled")
	}
	cond := strings.Join(where, " AND ")
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+cond, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count users")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users u JOIN organizations o ON o.id = u.org_id WHERE `+cond+
		` ORDER BY `+f.Sort.OrderBy(userSortColumns, "", userTie(f.Sort))+` LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read user")
		}
		out = append(out, u)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list users")
}

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Role        *Role
	Disabled    *bool
	DisplayName *string
	Email       *string
}

// UpdateUser applies ch to user id. The caller needs ManageUsers and the user
// in its reach. The last enabled administrator cannot be disabled or
// demoted, so that nobody locks the platform out of itself. Disabling a user
// ends its sessions at once; its API tokens are refused from then on.
func (s *Service) UpdateUser(ctx context.Context, sc Scope, id int64, ch UserChange) (User, error) {
	if !sc.Can(ManageUsers) {
		return User{}, errs.E(errs.Forbidden, "only an administrator may change users")
	}
	if ch.Role != nil {
		if _, err := ParseRole("role", string(*ch.Role)); err != nil {
			return User{}, err
		}
	}
	if ch.DisplayName != nil && len(*ch.DisplayName) > 200 {
		return User{}, errs.Field("display_name", "at most 200 characters")
	}
	if ch.Email != nil && (len(*ch.Email) > 254 || (*ch.Email != "" && !strings.Contains(*ch.Email, "@"))) {
		return User{}, errs.Field("email", "not an e-mail address: %q", *ch.Email)
	}
	var after User
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		before, err := s.getUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		after = before
		if ch.Role != nil {
			if !ch.Role.AllowedIn(before.OrgKind) {
				return errs.Field("role", "role %s cannot be held in a %s organisation (allowed in: %s)", *ch.Role, before.OrgKind, strings.Join(ch.Role.KindsFor(), ", "))
			}
			after.Role = *ch.Role
		}
		if ch.Disabled != nil {
			after.Disabled = *ch.Disabled
		}
		if ch.DisplayName != nil {
			after.DisplayName = *ch.DisplayName
		}
		if ch.Email != nil {
			after.Email = *ch.Email
		}
		if before.Role == RoleAdmin && !before.Disabled && (after.Role != RoleAdmin || after.Disabled) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&n); err != nil {
				return errs.Wrap(err, "cannot count administrators")
			}
			if n <= 1 {
				return errs.E(errs.Conflict, "%s is the last enabled administrator; create another first", before.Username)
			}
		}
		// An administrator's change of disabled replaces federation's
		// reason: a user an administrator disabled is not enabled by the
		// next login. An edit that leaves disabled as it was keeps it.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, disabled = $2, display_name = $3, email = $4,
			idp_disabled = CASE WHEN $6 THEN '' ELSE idp_disabled END WHERE id = $5`,
			string(after.Role), after.Disabled, after.DisplayName, after.Email, id, after.Disabled != before.Disabled); err != nil {
			return errs.Wrap(err, "cannot update user %d", id)
		}
		if after.Disabled && !before.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot end sessions of user %d", id)
			}
		}
		// A new role is a new reach: tokens made under the old one go (a
		// token made by a kommune-it must not become an administrator's).
		if after.Role != before.Role {
			if err := revokeTokens(ctx, tx, sc, before, "role changed", s.now()); err != nil {
				return err
			}
		}
		after.MFARequired = s.RequiresMFA(after.Role)
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{
			Action: "user.update", TargetType: "user", TargetID: strconv.FormatInt(id, 10), OrgID: before.OrgID,
			Before: userAuditView(before), After: userAuditView(after),
		})
	})
	return after, err
}

func userAuditView(u User) map[string]any {
	return map[string]any{"username": u.Username, "role": u.Role, "disabled": u.Disabled, "display_name": u.DisplayName, "email": u.Email}
}

// SetPassword sets user id's password. The caller needs ManageUsers (an
// administrator or the operator's command line). It ends the user's
// sessions and revokes the user's API tokens: a reset is what one does
// when an account may be in someone else's hands, and a token made with it
// must not outlive it.
func (s *Service) SetPassword(ctx context.Context, sc Scope, id int64, password string) error {
	if !sc.Can(ManageUsers) {
		return errs.E(errs.Forbidden, "only an administrator may set another user's password")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		u, err := s.getUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if u.IdP != "" {
			return errs.E(errs.Conflict, "%s logs in through the identity provider %s and has no samdrift password", u.Username, u.IdP)
		}
		if err := revokeTokens(ctx, tx, sc, u, "password reset", s.now()); err != nil {
			return err
		}
		return s.setPassword(ctx, tx, sc, u, password, "user.password.set", "")
	})
}

// ChangePassword changes the caller's own password after checking the
// current one. The user's other sessions end; keepSession (the plain token of
// the session in use, or "") stays.
func (s *Service) ChangePassword(ctx context.Context, sc Scope, current, next, keepSession string) error {
	if sc.UserID == 0 {
		return errs.E(errs.Unauthorized, "log in first")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, sc.UserID).Scan(&hash); err != nil {
			return errs.Wrap(err, "cannot load user %d", sc.UserID)
		}
		if !CheckPassword(hash, current) {
			return errs.Field("current_password", "the current password is wrong")
		}
		u, err := s.getUser(ctx, tx, System("self"), sc.UserID)
		if err != nil {
			return err
		}
		keep := ""
		if keepSession != "" {
			keep = hashSecret(keepSession)
		}
		return s.setPassword(ctx, tx, sc, u, next, "user.password.change", keep)
	})
}

// setPassword stores a new password for u and ends u's sessions except the
// one whose hash is keepHash.
func (s *Service) setPassword(ctx context.Context, tx *sql.Tx, sc Scope, u User, password, action, keepHash string) error {
	if err := ValidatePassword("password", password, u.Username); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return errs.Wrap(err, "cannot hash password")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0, locked_until = NULL WHERE id = $3`,
		hash, s.now(), u.ID); err != nil {
		return errs.Wrap(err, "cannot set password of user %d", u.ID)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, u.ID, keepHash); err != nil {
		return errs.Wrap(err, "cannot end sessions of user %d", u.ID)
	}
	return audit.Append(ctx, tx, sc.Actor(), audit.Entry{
		Action: action, TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10), OrgID: u.OrgID,
		After: map[string]any{"username": u.Username},
	})
}

// revokeTokens revokes every live API token of u, for reason (audited
// when there were any): a token must not outlive a change to the account's
// security (a password reset, a new role, a reset second factor).
func revokeTokens(ctx context.Context, tx *sql.Tx, sc Scope, u User, reason string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, u.ID)
	if err != nil {
		return errs.Wrap(err, "cannot revoke the tokens of user %d", u.ID)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "token.revoke", TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10),
			OrgID: u.OrgID, After: map[string]any{"user": u.Username, "tokens": n, "reason": reason}})
	}
	return nil
}
