package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// oidcProvider is an OpenID Connect provider, discovered on first use.
type oidcProvider struct {
	cfg *Provider
	svc *Service

	mu     sync.Mutex
	cur    *discovery // nil until the first discovery succeeds
	failed time.Time  // the last failed discovery
}

// discovery is what a discovery found; it is never changed, only
// replaced, so callers use it without the lock.
type discovery struct {
	at         time.Time
	provider   *oidc.Provider
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// rediscover is how long a discovery is trusted before it is done again
// (keys rotate; go-oidc fetches new keys on an unknown kid anyway), and
// retryAfter how long a failed discovery is not tried again.
const (
	rediscover = 24 * time.Hour
	retryAfter = 30 * time.Second
)

// get returns the discovered provider, discovering it when not yet done
// or stale; while the provider cannot be reached, the last good discovery
// is used, and a failure is not tried again for retryAfter.
func (o *oidcProvider) get(ctx context.Context) (*discovery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.svc.now()
	if o.cur != nil && now.Sub(o.cur.at) < rediscover {
		return o.cur, nil
	}
	if now.Sub(o.failed) < retryAfter {
		if o.cur != nil {
			return o.cur, nil
		}
		return nil, o.unreachable()
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.svc.client), o.cfg.Issuer)
	if err != nil {
		o.failed = now
		o.svc.log.Warn("cannot discover the OIDC provider", "provider", o.cfg.ID, "issuer", o.cfg.Issuer, "err", err)
		if o.cur != nil {
			return o.cur, nil
		}
		return nil, o.unreachable()
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	o.cur = &discovery{at: now, provider: p, endSession: extra.EndSession,
		oauth: oauth2.Config{ClientID: o.cfg.clientID, ClientSecret: o.cfg.clientSecret, Endpoint: p.Endpoint(),
			RedirectURL: o.svc.publicURL("/auth/oidc/" + o.cfg.ID + "/callback"), Scopes: o.cfg.Scopes},
		verifier: p.VerifierContext(oidc.ClientContext(context.Background(), o.svc.client),
			&oidc.Config{ClientID: o.cfg.clientID, Now: o.svc.now})}
	return o.cur, nil
}

// unreachable is what the person is told; the cause goes to the log
// only (it names internal hosts).
func (o *oidcProvider) unreachable() error {
	return errs.E(errs.Unauthorized, "cannot reach the identity provider %s; try again in a moment, or log in with a local account", o.cfg.Name)
}

// Begin starts a login at provider id and returns where to send the
// browser: the OIDC authorization endpoint (with state, nonce and PKCE) or
// the SAML IdP (with a signed AuthnRequest). next is where the person
// goes after logging in.
func (s *Service) Begin(ctx context.Context, id string, c Client, next string) (string, error) {
	p, err := s.provider(id)
	if err != nil {
		return "", err
	}
	state := random()
	switch p.Type {
	case "oidc":
		o, err := s.oidcs[id].get(ctx)
		if err != nil {
			return "", err
		}
		nonce, verifier := random(), oauth2.GenerateVerifier()
		if err := s.saveFlow(ctx, state, c.Browser, flow{provider: id, nonce: nonce, verifier: verifier, next: next, remoteAddr: c.RemoteAddr}); err != nil {
			return "", err
		}
		return o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
	case "saml":
		return s.samls[id].begin(ctx, state, c, next)
	}
	return "", errs.E(errs.Internal, "provider %s has an unknown type", id)
}

// FinishOIDC completes a login at OIDC provider id from the callback
// request r: the state must be one this browser began, the code is
// exchanged with the PKCE verifier, and the ID token must be signed by
// the provider, for this client, unexpired and carry the flow's nonce.
// It returns the session (from access) and where to go next.
func (s *Service) FinishOIDC(ctx context.Context, id string, c Client, r *http.Request) (access.LoginResult, string, error) {
	p, err := s.provider(id)
	if err != nil || p.Type != "oidc" {
		return access.LoginResult{}, "", errs.E(errs.NotFound, "no OpenID Connect provider %q is configured", id)
	}
	q := r.URL.Query()
	f, err := s.takeFlow(ctx, id, "login", q.Get("state"), c.Browser)
	if err != nil {
		return access.LoginResult{}, "", err
	}
	if e := q.Get("error"); e != "" {
		desc := q.Get("error_description")
		if len(desc) > 300 {
			desc = desc[:300]
		}
		return access.LoginResult{}, "", s.acc.RefuseFederated(ctx, access.FederatedIdentity{Provider: id, ProviderName: p.Name, Subject: "-", RemoteAddr: c.RemoteAddr},
			"provider refused", map[string]any{"error": e, "description": desc}, false,
			errs.E(errs.Unauthorized, "%s did not log you in (%s: %s); try again, or ask your administrator", p.Name, e, desc))
	}
	o, err := s.oidcs[id].get(ctx)
	if err != nil {
		return access.LoginResult{}, "", err
	}
	cctx := oidc.ClientContext(ctx, s.client)
	tok, err := o.oauth.Exchange(cctx, q.Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnExchange, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnNoIDToken, nil)
	}
	idt, err := o.verifier.Verify(cctx, raw)
	if err != nil {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, verifyReason(err), err)
	}
	if idt.Nonce != f.nonce {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnNonce, fmt.Errorf("the ID token's nonce is not this login's"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnClaims, err)
	}
	attrs := attributesOf(claims)
	if p.UserInfo {
		// Without the userinfo claims the mapping could wrongly find no
		// role (and disable the account), so a failure refuses the login.
		ui, err := o.provider.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		var more map[string]any
		if err == nil && ui.Subject != idt.Subject {
			err = fmt.Errorf("userinfo names %q, the ID token %q", ui.Subject, idt.Subject)
		}
		if err == nil {
			err = ui.Claims(&more)
		}
		if err != nil {
			return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnUserInfo, err)
		}
		for k, v := range attributesOf(more) {
			if _, ok := attrs[k]; !ok {
				attrs[k] = v
			}
		}
	}
	// The account is linked by the configured claim; when it is missing
	// the login is refused rather than linked by another (a different
	// namespace of ids).
	subject := attrs.First(p.Claims.Subject)
	if subject == "" {
		return access.LoginResult{}, "", s.refuse(ctx, p, c, rsnNoSubject, fmt.Errorf("the ID token has no %s claim", p.Claims.Subject))
	}
	res, err := s.login(ctx, p, c, attrs, subject, "", attrs.First("sid"), attrs.First("acr"))
	return res, f.next, err
}

// verifyReason names why go-oidc refused an ID token, for the person and
// the audit.
func verifyReason(err error) *errs.Error {
	var expired *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &expired):
		return rsnExpired
	case strings.Contains(msg, "audience"):
		return rsnAudience
	case strings.Contains(msg, "issuer"):
		return rsnIssuer
	case strings.Contains(msg, "signature"):
		return rsnSignature
	}
	return rsnInvalid
}

func (o *oidcProvider) logoutURL(ctx context.Context) (string, error) {
	d, err := o.get(ctx)
	if err != nil || d.endSession == "" {
		return "", nil
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return "", nil
	}
	q := u.Query()
	q.Set("client_id", o.cfg.clientID)
	q.Set("post_logout_redirect_uri", o.svc.publicURL("/login"))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// backChannelEvent is the event a logout token must carry (OpenID Connect
// Back-Channel Logout 1.0, section 2.4).
const backChannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// BackChannelLogout ends the sessions OIDC provider id names in the logout
// token raw: it must be signed by the provider, for this client, fresh,
// carry the back-channel logout event and no nonce, name a sid or a sub,
// and not have been used before. It returns how many sessions ended.
func (s *Service) BackChannelLogout(ctx context.Context, id, raw string) (int, error) {
	p, err := s.provider(id)
	if err != nil || p.Type != "oidc" {
		return 0, errs.E(errs.NotFound, "no OpenID Connect provider %q is configured", id)
	}
	if raw == "" || len(raw) > 16<<10 {
		return 0, errs.Field("logout_token", "missing or longer than 16 KiB")
	}
	o, err := s.oidcs[id].get(ctx)
	if err != nil {
		return 0, err
	}
	tok, err := o.verifier.Verify(oidc.ClientContext(ctx, s.client), raw)
	if err != nil {
		return 0, errs.Field("logout_token", "%s", verifyReason(err).Message)
	}
	var claims struct {
		Sid    string                     `json:"sid"`
		Nonce  *string                    `json:"nonce"`
		JTI    string                     `json:"jti"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := tok.Claims(&claims); err != nil {
		return 0, errs.Field("logout_token", "unreadable claims: %v", err)
	}
	if _, ok := claims.Events[backChannelEvent]; !ok {
		return 0, errs.Field("logout_token", "not a logout token: the events claim lacks %s", backChannelEvent)
	}
	if claims.Nonce != nil {
		return 0, errs.Field("logout_token", "a logout token must not carry a nonce")
	}
	if claims.JTI == "" || (tok.Subject == "" && claims.Sid == "") {
		return 0, errs.Field("logout_token", "a logout token needs jti, and sid or sub")
	}
	if err := s.consume(ctx, "oidc-logout:"+id+":"+claims.JTI, tok.Expiry.Add(time.Minute)); err != nil {
		if err == errReplay {
			return 0, errs.Field("logout_token", "this logout token was already used")
		}
		return 0, err
	}
	subject := tok.Subject
	if p.Claims.Subject != "sub" && subject != "" {
		// The users are linked by another claim (Entra ID's oid): a sub
		// alone cannot name them, so only the sid narrows.
		subject = ""
		if claims.Sid == "" {
			return 0, errs.Field("logout_token", "users of %s are linked by %s; the logout token must name a sid", p.ID, p.Claims.Subject)
		}
	}
	return s.acc.EndIdPSessions(ctx, id, access.IdPSessions{Subject: subject, Session: claims.Sid}, "back-channel logout")
}
