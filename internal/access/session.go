package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
)

// Credentials are what a login form sends, with where it came from.
type Credentials struct {
	Username   string
	Password   string
	RemoteAddr string
	UserAgent  string
}

// LoginResult is a successful first step of login.
type LoginResult struct {
	// SessionToken is the new session's secret, to be set as a cookie. Only
	// its hash is stored.
	SessionToken string
	User         User
	// NeedMFA: the session is not usable until VerifyTOTP succeeds.
	NeedMFA bool
	// NeedEnrol: the user's role requires a second factor it has not set up;
	// the session may only be used to enrol one (BeginTOTP, ConfirmTOTP).
	NeedEnrol bool
}

// errBadLogin is the one answer to a failed login, whether the user does
// not exist, the password is wrong or the account is locked, so that the
// answer does not tell which usernames exist.
var errBadLogin = errs.E(errs.Unauthorized, "wrong username or password (after repeated failures an account is locked for a while; wait and try again, or ask your administrator)")

// Login checks credentials and opens a session. Failures are throttled per
// account (a lock that doubles, kept in the database) and per remote
// address, and every attempt, failed or not, is audited; the password never
// is.
func (s *Service) Login(ctx context.Context, c Credentials) (LoginResult, error) {
	now := s.now()
	if blocked, until := s.throttle.blocked(c.RemoteAddr, now); blocked {
		return LoginResult{}, errs.E(errs.TooMany, "too many failed logins from your address; try again after %s", until.Format("15:04:05 MST"))
	}
	username := strings.ToLower(strings.TrimSpace(c.Username))
	if len(username) > 64 || len(c.Password) > MaxPasswordLen {
		s.throttle.fail(c.RemoteAddr, now)
		return LoginResult{}, errBadLogin
	}
	anon := audit.Actor{Name: "anonymous", RemoteAddr: c.RemoteAddr}
	var res LoginResult
	var outcome error
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var id, orgID int64
		var hash, role string
		var disabled, totpEnabled bool
		var failures int
		var lockedUntil sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT id, org_id, password_hash, role, disabled, totp_enabled, failed_logins, locked_until
			FROM users WHERE username = $1`, username).Scan(&id, &orgID, &hash, &role, &disabled, &totpEnabled, &failures, &lockedUntil)
		if errors.Is(err, sql.ErrNoRows) {
			CheckPassword(dummyHash, c.Password) // same time as for a known user
			s.throttle.fail(c.RemoteAddr, now)
			outcome = errBadLogin
			return audit.Append(ctx, tx, anon, audit.Entry{Action: "login.fail", TargetType: "username", TargetID: username,
				After: map[string]any{"reason": "unknown user", "username": username}})
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up user %s", username)
		}
		target := strconv.FormatInt(id, 10)
		if lockedUntil.Valid && lockedUntil.Time.After(now) {
			CheckPassword(dummyHash, c.Password) // same time and answer as for an unknown user
			s.throttle.fail(c.RemoteAddr, now)
			outcome = errBadLogin
			return audit.Append(ctx, tx, anon, audit.Entry{Action: "login.fail", TargetType: "user", TargetID: target, OrgID: orgID,
				After: map[string]any{"reason": "account locked", "username": username}})
		}
		if !CheckPassword(hash, c.Password) {
			if failures, err = s.failAccount(ctx, tx, id, failures, c.RemoteAddr, now); err != nil {
				return err
			}
			outcome = errBadLogin
			return audit.Append(ctx, tx, anon, audit.Entry{Action: "login.fail", TargetType: "user", TargetID: target, OrgID: orgID,
				After: map[string]any{"reason": "wrong password", "username": username, "consecutive_failures": failures}})
		}
		if disabled {
			outcome = errs.E(errs.Unauthorized, "account %s is disabled; ask your administrator", username)
			return audit.Append(ctx, tx, anon, audit.Entry{Action: "login.fail", TargetType: "user", TargetID: target, OrgID: orgID,
				After: map[string]any{"reason": "account disabled", "username": username}})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot reset failed logins")
		}
		needSecond := s.RequiresMFA(Role(role)) || totpEnabled
		plain, h := newSecret("sds_")
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, mfa_done, remote_addr, user_agent)
			VALUES ($1, $2, $3, $4, $3, $5, $6, $7)`, h, id, now, now.Add(s.MaxSessionAge), !needSecond, c.RemoteAddr, truncate(c.UserAgent, 300)); err != nil {
			return errs.Wrap(err, "cannot open session")
		}
		u, err := s.getUser(ctx, tx, System("login"), id)
		if err != nil {
			return err
		}
		res = LoginResult{SessionToken: plain, User: u, NeedMFA: needSecond && totpEnabled, NeedEnrol: needSecond && !totpEnabled}
		actor := audit.Actor{UserID: id, Name: username, OrgID: orgID, RemoteAddr: c.RemoteAddr}
		return audit.Append(ctx, tx, actor, audit.Entry{Action: "login", TargetType: "user", TargetID: target, OrgID: orgID,
			After: map[string]any{"second_factor_pending": needSecond, "user_agent": truncate(c.UserAgent, 300)}})
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, outcome
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Session is an authenticated session as the web layer needs it.
type Session struct {
	Scope Scope
	User  User
	// MFAPending: the user must still pass (or enrol) a second factor.
	MFAPending bool
	// NeedEnrol: the user must set up a second factor first.
	NeedEnrol bool
	CreatedAt time.Time
}

// SessionByToken returns the live session with the plain token, or an
// Unauthorized error when it is unknown, expired, idle too long, or its user
// is disabled. It refreshes the idle timer at most once a minute.
func (s *Service) SessionByToken(ctx context.Context, token, remoteAddr string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, errs.E(errs.Unauthorized, "not logged in")
	}
	now := s.now()
	h := hashSecret(token)
	// One query: the session and its user, on every page.
	var mfaDone bool
	var lastSeen, created time.Time
	var u User
	err := s.db.Reader().QueryRowContext(ctx, `SELECT s.mfa_done, s.last_seen_at, s.created_at, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.org_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, h, now).
		Scan(append([]any{&mfaDone, &lastSeen, &created}, s.userDest(&u)...)...)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.Sub(lastSeen) > s.SessionTTL) {
		return Session{}, errs.E(errs.Unauthorized, "your session has ended; log in again")
	}
	if err != nil {
		return Session{}, errs.Wrap(err, "cannot look up session")
	}
	s.finishUser(&u)
	if now.Sub(lastSeen) > time.Minute {
		if err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, h)
			return err
		}); err != nil {
			return Session{}, errs.Wrap(err, "cannot refresh session")
		}
	}
	sc := scopeFor(u, remoteAddr)
	sc.MFA = mfaDone
	return Session{Scope: sc, User: u, MFAPending: !mfaDone, NeedEnrol: !mfaDone && !u.TOTPEnabled, CreatedAt: created.UTC()}, nil
}

// ScopeOf returns the scope user u has when logged in (without a second
// factor or an address): what u may see and do, for checking whether work
// can be handed to u.
func ScopeOf(u User) Scope { return scopeFor(u, "") }

func scopeFor(u User, remoteAddr string) Scope {
	return Scope{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, OrgKind: u.OrgKind, Role: u.Role,
		Reach: reachFor(u.Role, u.OrgKind), RemoteAddr: remoteAddr}
}

// Logout ends the session with the plain token and audits it.
func (s *Service) Logout(ctx context.Context, sc Scope, token string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
		if err != nil {
			return errs.Wrap(err, "cannot end session")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logout", TargetType: "user",
			TargetID: strconv.FormatInt(sc.UserID, 10), OrgID: sc.OrgID})
	})
}

// PurgeSessions deletes expired sessions; a scheduler calls it.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, s.now(), s.now().Add(-s.SessionTTL))
		if err != nil {
			return fmt.Errorf("cannot purge sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
