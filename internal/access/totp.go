package access

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app
// supports): SHA-1, 6 digits, 30-second steps, one step of clock skew.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a TOTP secret being set up, to show the user once.
type Enrolment struct {
	Secret string // base32, for typing into an app
	URL    string // otpauth:// URL, for a QR code
	Key    *otp.Key
}

// BeginTOTP creates a new pending TOTP secret for the caller. It takes
// effect only when ConfirmTOTP sees a valid code from it; until then the
// user's current factor (if any) stays.
func (s *Service) BeginTOTP(ctx context.Context, sc Scope) (Enrolment, error) {
	if sc.UserID == 0 {
		return Enrolment{}, errs.E(errs.Unauthorized, "log in first")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.Issuer, AccountName: sc.Username, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, errs.Wrap(err, "cannot generate TOTP secret")
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		// The pending secret waits in its own column; an enabled factor is
		// replaced only when ConfirmTOTP sees a code from the new one.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending = $1 WHERE id = $2`, key.Secret(), sc.UserID); err != nil {
			return errs.Wrap(err, "cannot store TOTP secret")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "totp.enrol.begin", TargetType: "user",
			TargetID: strconv.FormatInt(sc.UserID, 10), OrgID: sc.OrgID})
	})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), Key: key}, nil
}

// matchStep returns the time step at which code is valid for secret within
// one step of now, or 0.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	if len(code) != 6 {
		return 0
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / totpPeriod
		}
	}
	return 0
}

// ConfirmTOTP enables the pending secret when code is valid for it, and
// marks the session with the plain token as having passed the second factor.
func (s *Service) ConfirmTOTP(ctx context.Context, sc Scope, sessionToken, code string) error {
	if sc.UserID == 0 {
		return errs.E(errs.Unauthorized, "log in first")
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var secret string
		if err := tx.QueryRowContext(ctx, `SELECT totp_pending FROM users WHERE id = $1`, sc.UserID).Scan(&secret); err != nil {
			return errs.Wrap(err, "cannot load pending TOTP secret")
		}
		if secret == "" {
			return errs.E(errs.Conflict, "no second factor is being set up; start again")
		}
		step := matchStep(secret, code, now)
		if step == 0 {
			return errs.Field("code", "the code does not match; check the app's clock and type the current 6-digit code")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_pending = '', totp_enabled = TRUE, totp_last_step = $2 WHERE id = $3`, secret, step, sc.UserID); err != nil {
			return errs.Wrap(err, "cannot enable TOTP")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa_done = TRUE WHERE token_hash = $1 AND user_id = $2`, hashSecret(sessionToken), sc.UserID); err != nil {
			return errs.Wrap(err, "cannot update session")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "totp.enable", TargetType: "user",
			TargetID: strconv.FormatInt(sc.UserID, 10), OrgID: sc.OrgID})
	})
}

// VerifyTOTP checks the second factor for the session with the plain token.
// A code is accepted once (no replay within its window). Failures count
// towards the account lock like wrong passwords.
func (s *Service) VerifyTOTP(ctx context.Context, sessionToken, code, remoteAddr string) error {
	now := s.now()
	if blocked, until := s.throttle.blocked(remoteAddr, now); blocked {
		return errs.E(errs.TooMany, "too many failed attempts from your address; try again after %s", until.Format("15:04:05 MST"))
	}
	var outcome error
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var uid, orgID, last int64
		var username, secret string
		var enabled bool
		var failures int
		var lockedUntil sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT u.id, u.org_id, u.username, u.totp_secret, u.totp_enabled, u.totp_last_step, u.failed_logins, u.locked_until
			FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, hashSecret(sessionToken), now).
			Scan(&uid, &orgID, &username, &secret, &enabled, &last, &failures, &lockedUntil)
		if err == sql.ErrNoRows {
			outcome = errs.E(errs.Unauthorized, "your session has ended; log in again")
			return nil
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up session")
		}
		actor := audit.Actor{UserID: uid, Name: username, OrgID: orgID, RemoteAddr: remoteAddr}
		target := strconv.FormatInt(uid, 10)
		if !enabled {
			outcome = errs.E(errs.Conflict, "no second factor is set up; set one up first")
			return nil
		}
		if lockedUntil.Valid && lockedUntil.Time.After(now) {
			outcome = errs.E(errs.TooMany, "account is locked after repeated failures; try again in %s", lockedUntil.Time.Sub(now).Round(time.Second))
			return nil
		}
		step := matchStep(secret, code, now)
		if step == 0 || step <= last {
			if failures, err = s.failAccount(ctx, tx, uid, failures, remoteAddr, now); err != nil {
				return err
			}
			reason := "wrong code"
			if step != 0 {
				reason = "code already used"
			}
			outcome = errs.Field("code", "the code is wrong or was already used; wait for the next one")
			return audit.Append(ctx, tx, actor, audit.Entry{Action: "login.mfa.fail", TargetType: "user", TargetID: target, OrgID: orgID,
				After: map[string]any{"reason": reason, "consecutive_failures": failures}})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1, failed_logins = 0, locked_until = NULL WHERE id = $2`, step, uid); err != nil {
			return errs.Wrap(err, "cannot record TOTP use")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa_done = TRUE WHERE token_hash = $1`, hashSecret(sessionToken)); err != nil {
			return errs.Wrap(err, "cannot update session")
		}
		return audit.Append(ctx, tx, actor, audit.Entry{Action: "login.mfa", TargetType: "user", TargetID: target, OrgID: orgID})
	})
	if err != nil {
		return err
	}
	return outcome
}

// ResetTOTP removes user id's second factor, so that it must enrol again at
// its next login (for a lost phone). The caller needs ManageUsers. It ends
// the user's sessions.
func (s *Service) ResetTOTP(ctx context.Context, sc Scope, id int64) error {
	if !sc.Can(ManageUsers) {
		return errs.E(errs.Forbidden, "only an administrator may reset a second factor")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		u, err := s.getUser(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled = FALSE, totp_last_step = 0 WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot reset TOTP")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot end sessions")
		}
		if err := revokeTokens(ctx, tx, sc, u, "second factor reset", s.now()); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "totp.reset", TargetType: "user",
			TargetID: strconv.FormatInt(id, 10), OrgID: u.OrgID, After: map[string]any{"username": u.Username}})
	})
}
