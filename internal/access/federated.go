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

// FederatedIdentity is a person as an identity provider vouched for them,
// already mapped (by package federation) to one organisation and role.
type FederatedIdentity struct {
	// Provider is the identity provider's id in samdrift's configuration;
	// ProviderName what people call it.
	Provider     string
	ProviderName string
	// Subject is the provider's stable identifier for the person (OIDC
	// sub or oid, SAML NameID or a persistent id attribute).
	Subject     string
	Username    string
	DisplayName string
	Email       string
	// OrgRef names the organisation: its slug or its municipality code.
	OrgRef string
	Role   Role
	// MFA: the provider asserted a second factor, so samdrift's own is not
	// asked for.
	MFA bool
	// IdPSession is the provider's session (OIDC sid, SAML SessionIndex),
	// kept with samdrift's session so that the provider can end it;
	// NameID is the SAML NameID of the assertion, by which the IdP's
	// logout names the person.
	IdPSession string
	NameID     string
	RemoteAddr string
	UserAgent  string
	// Decision says why the person got this organisation and role (the
	// rule that matched), for the audit record.
	Decision map[string]any
}

// Reasons federation disables a user (users.idp_disabled).
const (
	// IdPUnmapped: the provider vouched for the person, but no mapping
	// rule gives them an organisation and role any more.
	IdPUnmapped = "unmapped"
	// IdPUnseen: the person has not logged in for longer than the
	// provider's configured number of days.
	IdPUnseen = "unseen"
	// IdPRemoved: the provider is no longer configured.
	IdPRemoved = "provider removed"
)

// FederatedLogin provisions or updates the user id names and opens a
// session for them, in one transaction: a person new to samdrift gets an
// account without a password (just in time); a known one gets the
// organisation, role, name and e-mail the provider gives now. A user that
// an administrator disabled stays disabled; one that federation disabled
// (unmapped, unseen) is enabled again. A username already held by another
// account is refused rather than taken over. Every outcome is audited.
func (s *Service) FederatedLogin(ctx context.Context, id FederatedIdentity) (LoginResult, error) {
	now := s.now()
	anon := audit.Actor{Name: "anonymous", RemoteAddr: id.RemoteAddr}
	if id.Provider == "" || id.Subject == "" || len(id.Subject) > 256 {
		return LoginResult{}, s.RefuseFederated(ctx, id, "no usable subject", map[string]any{"username": truncate(id.Username, 100)}, false,
			errs.E(errs.Unauthorized, "the identity provider named no usable subject for you; ask your administrator"))
	}
	username, err := NormalizeUsername("username", id.Username)
	if err != nil {
		return LoginResult{}, s.RefuseFederated(ctx, id, "unusable username", map[string]any{"username": truncate(id.Username, 100)}, false,
			errs.E(errs.Unauthorized, "the identity provider %s gave the user name %q, which samdrift cannot use (2–64 characters of a–z, 0–9, '.', '_', '@', '-'); ask your administrator to map another claim", id.ProviderName, id.Username))
	}
	if len(id.DisplayName) > 200 {
		id.DisplayName = id.DisplayName[:200]
	}
	if len(id.Email) > 254 || !strings.Contains(id.Email, "@") {
		id.Email = ""
	}
	var res LoginResult
	var outcome error
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var orgID int64
		var kind string
		// A municipality code first, then a slug (as org resolves a
		// reference), so that a slug that looks like a code cannot stand
		// in for the municipality.
		err := tx.QueryRowContext(ctx, `SELECT id, kind FROM organizations WHERE code = $1 OR slug = $1
			ORDER BY CASE WHEN code = $1 THEN 0 ELSE 1 END LIMIT 1`, id.OrgRef).Scan(&orgID, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = errs.E(errs.Unauthorized, "the identity provider %s placed you in organisation %q, which samdrift does not know; ask your administrator to correct the mapping", id.ProviderName, id.OrgRef)
			return appendFederated(ctx, tx, anon, id, "login.fail", "", 0, map[string]any{"reason": "unknown organisation", "organisation": id.OrgRef})
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up organisation %q", id.OrgRef)
		}
		if !id.Role.AllowedIn(kind) {
			outcome = errs.E(errs.Unauthorized, "the identity provider %s gave you the role %s, which cannot be held in a %s organisation; ask your administrator to correct the mapping", id.ProviderName, id.Role, kind)
			return appendFederated(ctx, tx, anon, id, "login.fail", "", orgID, map[string]any{"reason": "role not allowed in organisation", "role": id.Role, "organisation": id.OrgRef})
		}
		var uid int64
		var disabled, totpEnabled bool
		var idpDisabled string
		var before User
		err = tx.QueryRowContext(ctx, `SELECT u.id, u.disabled, u.totp_enabled, u.idp_disabled, `+userColumns+`
			FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.idp = $1 AND u.idp_subject = $2`, id.Provider, id.Subject).
			Scan(append([]any{&uid, &disabled, &totpEnabled, &idpDisabled}, s.userDest(&before)...)...)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var taken int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&taken)
			if err == nil {
				outcome = errs.E(errs.Unauthorized, "the user name %s already belongs to another samdrift account, so yours cannot be made; ask your administrator to rename or remove that account", username)
				return appendFederated(ctx, tx, anon, id, "login.fail", strconv.FormatInt(taken, 10), orgID, map[string]any{"reason": "username taken", "username": username})
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return errs.Wrap(err, "cannot look up user %s", username)
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, email, org_id, role, password_hash, created_at, password_changed_at, idp, idp_subject, last_login_at)
				VALUES ($1, $2, $3, $4, $5, '!federated', $6, $6, $7, $8, $6) RETURNING id`,
				username, id.DisplayName, id.Email, orgID, string(id.Role), now, id.Provider, id.Subject).Scan(&uid)
			if err != nil {
				return errs.Wrap(err, "cannot provision user %s", username)
			}
			after := map[string]any{"username": username, "organisation": id.OrgRef, "role": id.Role, "display_name": id.DisplayName, "email": id.Email, "subject": id.Subject}
			if err := appendFederated(ctx, tx, anon, id, "user.provision", strconv.FormatInt(uid, 10), orgID, after); err != nil {
				return err
			}
		case err != nil:
			return errs.Wrap(err, "cannot look up the user of %s", id.Provider)
		default:
			s.finishUser(&before)
			if disabled && idpDisabled == "" {
				outcome = errs.E(errs.Unauthorized, "your samdrift account %s is disabled by an administrator; ask your administrator", before.Username)
				return appendFederated(ctx, tx, anon, id, "login.fail", strconv.FormatInt(uid, 10), before.OrgID, map[string]any{"reason": "account disabled", "username": before.Username})
			}
			if username != before.Username {
				var taken int64
				if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1 AND id <> $2`, username, uid).Scan(&taken); err == nil {
					username = before.Username // keep the old name rather than take another's
				} else if !errors.Is(err, sql.ErrNoRows) {
					return errs.Wrap(err, "cannot look up user %s", username)
				}
			}
			// The condition is checked again as the row is written: an
			// administrator's disable that committed since the read wins.
			up, err := tx.ExecContext(ctx, `UPDATE users SET username = $1, display_name = $2, email = $3, org_id = $4, role = $5,
				disabled = FALSE, idp_disabled = '', last_login_at = $6 WHERE id = $7 AND (NOT disabled OR idp_disabled <> '')`,
				username, id.DisplayName, id.Email, orgID, string(id.Role), now, uid)
			if err != nil {
				return errs.Wrap(err, "cannot update user %s", username)
			}
			if n, _ := up.RowsAffected(); n == 0 {
				outcome = errs.E(errs.Unauthorized, "your samdrift account %s is disabled by an administrator; ask your administrator", before.Username)
				return appendFederated(ctx, tx, anon, id, "login.fail", strconv.FormatInt(uid, 10), before.OrgID, map[string]any{"reason": "account disabled", "username": before.Username})
			}
			after := User{Username: username, Role: id.Role, DisplayName: id.DisplayName, Email: id.Email}
			if before.OrgID != orgID || before.Role != id.Role {
				// A new reach: the tokens and sessions of the old one go.
				if err := revokeTokens(ctx, tx, System("federation"), before, "organisation or role changed at the identity provider", now); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, uid); err != nil {
					return errs.Wrap(err, "cannot end sessions of user %d", uid)
				}
			}
			if before.Username != username || before.DisplayName != id.DisplayName || before.Email != id.Email ||
				before.OrgID != orgID || before.Role != id.Role || disabled {
				bv, av := userAuditView(before), userAuditView(after)
				bv["organisation"], av["organisation"] = before.OrgSlug, id.OrgRef
				bv["disabled"], av["disabled"] = disabled, false
				if err := audit.Append(ctx, tx, anon, audit.Entry{Action: "user.federated.update", TargetType: "user", TargetID: strconv.FormatInt(uid, 10),
					OrgID: orgID, Before: bv, After: av}); err != nil {
					return err
				}
			}
		}
		needSecond := !id.MFA && (s.RequiresMFA(id.Role) || totpEnabled)
		plain, h := newSecret("sds_")
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, mfa_done, remote_addr, user_agent, idp, idp_session, idp_name_id)
			VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10)`, h, uid, now, now.Add(s.MaxSessionAge), !needSecond, id.RemoteAddr, truncate(id.UserAgent, 300),
			id.Provider, truncate(id.IdPSession, 256), truncate(id.NameID, 256)); err != nil {
			return errs.Wrap(err, "cannot open session")
		}
		u, err := s.getUser(ctx, tx, System("login"), uid)
		if err != nil {
			return err
		}
		res = LoginResult{SessionToken: plain, User: u, NeedMFA: needSecond && totpEnabled, NeedEnrol: needSecond && !totpEnabled}
		actor := audit.Actor{UserID: uid, Name: u.Username, OrgID: u.OrgID, RemoteAddr: id.RemoteAddr}
		after := map[string]any{"provider": id.Provider, "second_factor_at_provider": id.MFA, "second_factor_pending": needSecond,
			"organisation": u.OrgSlug, "role": u.Role, "user_agent": truncate(id.UserAgent, 300)}
		if id.Decision != nil {
			after["mapping"] = id.Decision
		}
		return audit.Append(ctx, tx, actor, audit.Entry{Action: "login.federated", TargetType: "user", TargetID: strconv.FormatInt(uid, 10), OrgID: u.OrgID, After: after})
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, outcome
}

// appendFederated audits a federated login's step as actor.
func appendFederated(ctx context.Context, tx *sql.Tx, actor audit.Actor, id FederatedIdentity, action, target string, orgID int64, after map[string]any) error {
	after["provider"] = id.Provider
	after["subject"] = id.Subject
	if id.Decision != nil {
		after["mapping"] = id.Decision
	}
	tt := "user"
	if target == "" {
		tt, target = "identity", id.Provider+":"+truncate(id.Subject, 100)
	}
	return audit.Append(ctx, tx, actor, audit.Entry{Action: action, TargetType: tt, TargetID: target, OrgID: orgID, After: after})
}

// RefuseFederated audits a federated login that package federation
// refused (no mapping, a bad assertion), with reason and details, and
// disables the person's account if they have one and no mapping gives
// them a role any more (the provider says they should no longer have
// access). It returns refusal.
func (s *Service) RefuseFederated(ctx context.Context, id FederatedIdentity, reason string, details map[string]any, unmapped bool, refusal error) error {
	actor := audit.Actor{Name: "anonymous", RemoteAddr: id.RemoteAddr}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		after := map[string]any{"reason": reason}
		for k, v := range details {
			after[k] = v
		}
		if unmapped && id.Subject != "" {
			if err := s.disableFederated(ctx, tx, id.Provider, id.Subject, IdPUnmapped); err != nil {
				return err
			}
		}
		return appendFederated(ctx, tx, actor, id, "login.fail", "", 0, after)
	})
	if err != nil {
		return err
	}
	return refusal
}

// disableFederated disables the enabled user provider knows as subject,
// ends its sessions and audits it.
func (s *Service) disableFederated(ctx context.Context, tx *sql.Tx, provider, subject, reason string) error {
	var uid, orgID int64
	var username string
	err := tx.QueryRowContext(ctx, `SELECT id, org_id, username FROM users WHERE idp = $1 AND idp_subject = $2 AND NOT disabled`, provider, subject).Scan(&uid, &orgID, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "cannot look up the user of %s", provider)
	}
	_, err = s.disableUser(ctx, tx, uid, orgID, username, provider, reason, "")
	return err
}

// disableUser disables user uid for reason when it is still enabled and
// (when cond is given) cond holds as the row is written, ends its
// sessions, revokes its tokens and audits it. It reports whether it did.
func (s *Service) disableUser(ctx context.Context, tx *sql.Tx, uid, orgID int64, username, provider, reason, cond string, args ...any) (bool, error) {
	q := `UPDATE users SET disabled = TRUE, idp_disabled = $1 WHERE id = $2 AND NOT disabled`
	if cond != "" {
		q += " AND " + cond
	}
	res, err := tx.ExecContext(ctx, q, append([]any{reason, uid}, args...)...)
	if err != nil {
		return false, errs.Wrap(err, "cannot disable user %s", username)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, uid); err != nil {
		return false, errs.Wrap(err, "cannot end sessions of user %s", username)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, s.now(), uid); err != nil {
		return false, errs.Wrap(err, "cannot revoke the tokens of user %s", username)
	}
	return true, audit.Append(ctx, tx, System("federation").Actor(), audit.Entry{Action: "user.federated.disable", TargetType: "user",
		TargetID: strconv.FormatInt(uid, 10), OrgID: orgID, After: map[string]any{"username": username, "provider": provider, "reason": reason}})
}

// DeactivateUnseen disables the enabled users of provider who have not
// logged in since before (or, never having logged in, were made before
// it), ends their sessions and revokes their tokens. It returns how many.
func (s *Service) DeactivateUnseen(ctx context.Context, provider string, before time.Time) (int, error) {
	return s.disableFound(ctx, `SELECT id, org_id, username, idp FROM users
		WHERE idp = $1 AND NOT disabled AND COALESCE(last_login_at, created_at) < $2 ORDER BY id LIMIT 1000`, []any{provider, before},
		// Seen again since the list was read: left alone.
		IdPUnseen, "COALESCE(last_login_at, created_at) < $3", before)
}

// DeactivateRemovedProviders disables the enabled users of identity
// providers not in keep (no longer configured: nobody can log in through
// them, and their API tokens must not outlive that). They come back when
// their provider does and they log in. It returns how many.
func (s *Service) DeactivateRemovedProviders(ctx context.Context, keep []string) (int, error) {
	var a store.Args
	where := "idp <> '' AND NOT disabled"
	if len(keep) > 0 {
		ps := make([]string, len(keep))
		for i, k := range keep {
			ps[i] = a.Add(k)
		}
		where += " AND idp NOT IN (" + strings.Join(ps, ", ") + ")"
	}
	return s.disableFound(ctx, `SELECT id, org_id, username, idp FROM users WHERE `+where+` ORDER BY id LIMIT 1000`, a.Values(), IdPRemoved, "")
}

// disableFound disables, in one transaction, the users query finds (id,
// org_id, username, idp), for reason, each only if cond (with condArgs
// from $3) still holds as it is written. It returns how many it disabled.
func (s *Service) disableFound(ctx context.Context, query string, args []any, reason, cond string, condArgs ...any) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return errs.Wrap(err, "cannot list the users to disable (%s)", reason)
		}
		type found struct {
			id, org        int64
			name, provider string
		}
		var us []found
		for rows.Next() {
			var u found
			if err := rows.Scan(&u.id, &u.org, &u.name, &u.provider); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read user")
			}
			us = append(us, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot list the users to disable (%s)", reason)
		}
		for _, u := range us {
			did, err := s.disableUser(ctx, tx, u.id, u.org, u.name, u.provider, reason, cond, condArgs...)
			if err != nil {
				return err
			}
			if did {
				n++
			}
		}
		return nil
	})
	return n, err
}

// IdPSessions names the sessions a provider's logout ends; every field
// given narrows (at least one must be).
type IdPSessions struct {
	// Subject is the person as the account is linked (OIDC sub).
	Subject string
	// NameID is the SAML NameID the session's assertion named.
	NameID string
	// Session is the provider's session (OIDC sid, SAML SessionIndex).
	Session string
}

// EndIdPSessions ends the sessions that provider opened and m names, as
// back-channel or single logout asks. It returns how many ended, and
// audits each user's.
func (s *Service) EndIdPSessions(ctx context.Context, provider string, m IdPSessions, why string) (int, error) {
	if m.Subject == "" && m.Session == "" && m.NameID == "" {
		return 0, errs.E(errs.Invalid, "a logout must name a subject or a session")
	}
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		where := "s.idp = " + a.Add(provider)
		if m.Session != "" {
			where += " AND s.idp_session = " + a.Add(m.Session)
		}
		if m.NameID != "" {
			where += " AND s.idp_name_id = " + a.Add(m.NameID)
		}
		if m.Subject != "" {
			where += " AND u.idp = " + a.Add(provider) + " AND u.idp_subject = " + a.Add(m.Subject)
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.token_hash, u.id, u.org_id, u.username FROM sessions s JOIN users u ON u.id = s.user_id WHERE `+where, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot find the sessions to end")
		}
		type sess struct {
			hash     string
			uid, org int64
			username string
		}
		var ss []sess
		for rows.Next() {
			var x sess
			if err := rows.Scan(&x.hash, &x.uid, &x.org, &x.username); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read session")
			}
			ss = append(ss, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot find the sessions to end")
		}
		for _, x := range ss {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, x.hash); err != nil {
				return errs.Wrap(err, "cannot end session")
			}
			if err := audit.Append(ctx, tx, System("federation").Actor(), audit.Entry{Action: "logout.federated", TargetType: "user",
				TargetID: strconv.FormatInt(x.uid, 10), OrgID: x.org, After: map[string]any{"username": x.username, "provider": provider, "how": why}}); err != nil {
				return err
			}
		}
		n = len(ss)
		return nil
	})
	return n, err
}

// SessionIdP returns the provider that opened the session with the plain
// token ("" for a local login), the provider's session and the SAML NameID
// it named the person by, for single logout.
func (s *Service) SessionIdP(ctx context.Context, token string) (provider, idpSession, nameID string, err error) {
	err = s.db.Reader().QueryRowContext(ctx, `SELECT idp, idp_session, idp_name_id FROM sessions WHERE token_hash = $1`,
		hashSecret(token)).Scan(&provider, &idpSession, &nameID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", nil
	}
	return provider, idpSession, nameID, errs.Wrap(err, "cannot look up session")
}
