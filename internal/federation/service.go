// Package federation logs people in through their organisation's own
// identity provider: OpenID Connect (Microsoft Entra ID, Keycloak, …) and
// SAML 2.0 (the national federation's OIOSAML profile, AD FS, …). It maps
// the claims or attributes a provider asserts to one samdrift organisation
// and role by configured rules, has access provision or update the user
// just in time, trusts the provider's second factor where it asserts one,
// and ends sessions when the provider says so (back-channel logout, SAML
// single logout). Local accounts stay for break-glass administration.
//
// The package speaks the protocols, so it reads HTTP requests where a
// protocol library needs them; cookies and pages are the web package's.
package federation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// flowTTL is how long a begun login may take at the provider.
const flowTTL = 10 * time.Minute

// Service runs the configured providers' logins.
type Service struct {
	db     *store.DB
	acc    *access.Service
	cfg    Config
	log    *slog.Logger
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	oidcs map[string]*oidcProvider
	samls map[string]*samlProvider
}

// Info is a provider as the login page shows it.
type Info struct {
	ID   string
	Name string
	Type string
}

// New returns the Service for cfg. It contacts no provider: each is
// discovered (OIDC) or its metadata read (SAML) on first use, and again
// after a failure, so that samdrift starts while a provider is down.
// client is used for calls to the providers (nil: a client with a 15 s
// timeout).
func New(db *store.DB, acc *access.Service, cfg Config, client *http.Client, log *slog.Logger) (*Service, error) {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, acc: acc, cfg: cfg, log: log, client: client, now: store.Now,
		oidcs: map[string]*oidcProvider{}, samls: map[string]*samlProvider{}}
	for i := range cfg.Providers {
		p := &cfg.Providers[i]
		switch p.Type {
		case "oidc":
			s.oidcs[p.ID] = &oidcProvider{cfg: p, svc: s}
		case "saml":
			sp, err := newSAMLProvider(s, p)
			if err != nil {
				return nil, err
			}
			s.samls[p.ID] = sp
		}
	}
	return s, nil
}

// Providers lists the configured providers in the file's order.
func (s *Service) Providers() []Info {
	if s == nil {
		return nil
	}
	out := make([]Info, 0, len(s.cfg.Providers))
	for _, p := range s.cfg.Providers {
		out = append(out, Info{ID: p.ID, Name: p.Name, Type: p.Type})
	}
	return out
}

// Known reports whether id names a configured provider (metrics label
// only those, so that requests cannot make up label values).
func (s *Service) Known(id string) bool {
	_, err := s.provider(id)
	return err == nil
}

// provider returns the configuration of provider id, or NotFound.
func (s *Service) provider(id string) (*Provider, error) {
	for i := range s.cfg.Providers {
		if s.cfg.Providers[i].ID == id {
			return &s.cfg.Providers[i], nil
		}
	}
	return nil, errs.E(errs.NotFound, "no identity provider %q is configured", id)
}

// Client is the login in progress: what the browser carries and where the
// request came from.
type Client struct {
	// Browser is the browser's flow cookie: a login must be finished in
	// the browser that began it.
	Browser    string
	RemoteAddr string
	UserAgent  string
}

// flow is a login (or a SAML logout) begun at a provider.
type flow struct {
	provider, kind, nonce, verifier, requestID, next, remoteAddr string
}

// maxFlowsPerAddr bounds the logins one address may have begun and not
// finished within flowTTL: beginning a login writes a row, and anyone may.
const maxFlowsPerAddr = 50

// random is a new state or nonce: 256 bits, URL-safe.
func random() string {
	v, _ := access.NewOpaqueID()
	return v
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// saveFlow records a begun login under state.
func (s *Service) saveFlow(ctx context.Context, state, browser string, f flow) error {
	if len(browser) < 32 {
		return errs.E(errs.Invalid, "the browser sent no login cookie; allow cookies for samdrift and try again")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM federation_flows WHERE created_at < $1`, s.now().Add(-flowTTL)); err != nil {
			return errs.Wrap(err, "cannot purge old logins")
		}
		if f.kind == "" {
			f.kind = "login"
		}
		if f.remoteAddr != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM federation_flows WHERE remote_addr = $1`, f.remoteAddr).Scan(&n); err != nil {
				return errs.Wrap(err, "cannot count the logins begun")
			}
			if n >= maxFlowsPerAddr {
				return errs.E(errs.TooMany, "too many logins begun from your address and not finished; wait ten minutes and try again")
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO federation_flows (state_hash, provider, kind, browser_hash, remote_addr, nonce, verifier, request_id, next, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, hash(state), f.provider, f.kind, hash(browser), clip(f.remoteAddr, 100), f.nonce, f.verifier, f.requestID, f.next, s.now())
		return errs.Wrap(err, "cannot record the login")
	})
}

// errFlow is the answer to a state that is unknown, used, old, from
// another browser or for another provider: the person starts again.
var errFlow = errs.E(errs.Unauthorized, "this login is unknown, was already used, took longer than 10 minutes or was begun in another browser; start the login again")

// takeFlow returns and deletes the flow of kind begun under state,
// checking that it is for provider, from browser and fresh.
func (s *Service) takeFlow(ctx context.Context, provider, kind, state, browser string) (flow, error) {
	if state == "" || len(state) > 200 {
		return flow{}, errFlow
	}
	var f flow
	var bh string
	var created time.Time
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM federation_flows WHERE state_hash = $1
			RETURNING provider, kind, browser_hash, nonce, verifier, request_id, next, created_at`, hash(state)).
			Scan(&f.provider, &f.kind, &bh, &f.nonce, &f.verifier, &f.requestID, &f.next, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return errFlow
		}
		return errs.Wrap(err, "cannot look up the login")
	})
	if err != nil {
		return flow{}, err
	}
	if f.provider != provider || f.kind != kind || bh != hash(browser) || s.now().Sub(created) > flowTTL {
		return flow{}, errFlow
	}
	return f, nil
}

// consume records key as used until expires; a key used before is
// refused with errReplay. The record is shared by every node.
func (s *Service) consume(ctx context.Context, key string, expires time.Time) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM federation_replay WHERE expires_at < $1`, s.now()); err != nil {
			return errs.Wrap(err, "cannot purge the replay cache")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO federation_replay (key, expires_at) VALUES ($1, $2)`, hash(key), expires)
		if store.IsUniqueViolation(err) {
			return errReplay
		}
		return errs.Wrap(err, "cannot record the assertion")
	})
}

var errReplay = errors.New("already used")

// login hands a vouched-for, mapped person to access, or audits and
// answers the refusal.
func (s *Service) login(ctx context.Context, p *Provider, c Client, attrs Attributes, subject, nameID, idpSession, acr string) (access.LoginResult, error) {
	id := access.FederatedIdentity{
		Provider: p.ID, ProviderName: p.Name, Subject: subject, NameID: nameID,
		Username: attrs.First(p.Claims.Username), DisplayName: attrs.First(p.Claims.Name), Email: attrs.First(p.Claims.Email),
		IdPSession: idpSession, RemoteAddr: c.RemoteAddr, UserAgent: c.UserAgent,
		MFA: p.mfaAsserted(attrs, acr),
	}
	if err := p.checkUsername(id.Username); err != nil {
		return access.LoginResult{}, s.acc.RefuseFederated(ctx, id, "username outside the provider's domains",
			map[string]any{"username": clip(id.Username, 100)}, false, err)
	}
	m, err := p.Map(attrs)
	if err != nil {
		// The groups are kept (bounded) so that an administrator can see
		// why nobody's rule matched.
		groups := attrs[p.Claims.Groups]
		if len(groups) > 50 {
			groups = groups[:50]
		}
		for i := range groups {
			groups[i] = clip(groups[i], 200)
		}
		return access.LoginResult{}, s.acc.RefuseFederated(ctx, id, "no mapping", map[string]any{
			"why": err.Error(), "claims": seenClaims(attrs), "groups": groups, "username": clip(id.Username, 100),
		}, true, err)
	}
	id.OrgRef, id.Role, id.Decision = m.Organisation, m.Role, m.Decision
	return s.acc.FederatedLogin(ctx, id)
}

// refuse audits a response from provider p that could not be trusted
// (bad signature, audience, nonce, replay …) and returns what the person
// is told.
func (s *Service) refuse(ctx context.Context, p *Provider, c Client, reason *errs.Error, cause error) error {
	s.log.Warn("federated login refused", "provider", p.ID, "reason", reason.Message, "err", cause)
	detail := ""
	if cause != nil {
		detail = cause.Error()
		if len(detail) > 500 {
			detail = detail[:500]
		}
	}
	return s.acc.RefuseFederated(ctx, access.FederatedIdentity{Provider: p.ID, ProviderName: p.Name, Subject: "-", RemoteAddr: c.RemoteAddr},
		reason.Message, map[string]any{"detail": detail}, false,
		errs.E(errs.Unauthorized, "the answer from %s could not be trusted (%s), so you are not logged in; start the login again, and if it happens again tell your administrator", p.Name, reason))
}

// DeactivateUnseen disables, for every provider, the users not seen for
// its deactivate_after_days, and the users of providers no longer
// configured; a leased job calls it.
func (s *Service) DeactivateUnseen(ctx context.Context) (int, error) {
	keep := make([]string, 0, len(s.cfg.Providers))
	for _, p := range s.cfg.Providers {
		keep = append(keep, p.ID)
	}
	n, err := s.acc.DeactivateRemovedProviders(ctx, keep)
	if err != nil {
		return n, err
	}
	for _, p := range s.cfg.Providers {
		if p.DeactivateAfterDays < 0 {
			continue
		}
		k, err := s.acc.DeactivateUnseen(ctx, p.ID, s.now().AddDate(0, 0, -p.DeactivateAfterDays))
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// LogoutURL returns where to send the browser after samdrift's session
// with token ended, so that the provider that opened it ends its own
// (RP-initiated logout, SAML SLO), and the provider's name; "" when it
// was a local login or the provider offers none. Call it before ending
// the session.
func (s *Service) LogoutURL(ctx context.Context, token string) (url, name string, err error) {
	if s == nil {
		return "", "", nil
	}
	provider, idpSession, nameID, err := s.acc.SessionIdP(ctx, token)
	if err != nil || provider == "" {
		return "", "", err
	}
	p, err := s.provider(provider)
	if err != nil || !p.singleLogout() {
		return "", "", nil
	}
	switch p.Type {
	case "oidc":
		url, err = s.oidcs[p.ID].logoutURL(ctx)
	case "saml":
		url, err = s.samls[p.ID].logoutURL(ctx, nameID, idpSession)
	}
	return url, p.Name, err
}

func (s *Service) publicURL(path string) string { return s.cfg.PublicURL + path }

// Why an answer from a provider is not trusted; each is shown to the
// person inside the refusal, in their language.
var (
	rsnExchange       = errs.E(errs.Unauthorized, "the code could not be exchanged")
	rsnNoIDToken      = errs.E(errs.Unauthorized, "no ID token")
	rsnNonce          = errs.E(errs.Unauthorized, "wrong nonce")
	rsnClaims         = errs.E(errs.Unauthorized, "unreadable claims")
	rsnExpired        = errs.E(errs.Unauthorized, "the ID token has expired")
	rsnAudience       = errs.E(errs.Unauthorized, "the ID token is for another client")
	rsnIssuer         = errs.E(errs.Unauthorized, "the ID token is from another issuer")
	rsnSignature      = errs.E(errs.Unauthorized, "the ID token's signature is not the provider's")
	rsnInvalid        = errs.E(errs.Unauthorized, "the ID token is not valid")
	rsnReplay         = errs.E(errs.Unauthorized, "the assertion was already used")
	rsnSAMLAudience   = errs.E(errs.Unauthorized, "the assertion is for another service")
	rsnWindow         = errs.E(errs.Unauthorized, "the assertion is outside its time window")
	rsnUnsigned       = errs.E(errs.Unauthorized, "the response is not signed by the identity provider")
	rsnUnsignedAssert = errs.E(errs.Unauthorized, "the assertion is not signed")
	rsnNotAnswer      = errs.E(errs.Unauthorized, "the response does not answer this login")
	rsnSAMLInvalid    = errs.E(errs.Unauthorized, "the response is not valid")
	rsnUserInfo       = errs.E(errs.Unauthorized, "the userinfo endpoint did not answer for this login")
	rsnNoSubject      = errs.E(errs.Unauthorized, "the answer does not name the person by the configured subject")
	rsnTransient      = errs.E(errs.Unauthorized, "the person is named by a transient NameID, which cannot link an account")
)

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
