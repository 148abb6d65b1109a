package federation

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// samlProvider is a SAML 2.0 identity provider with samdrift as its
// service provider.
type samlProvider struct {
	cfg *Provider
	svc *Service
	key crypto.Signer
	crt *x509.Certificate

	mu      sync.Mutex
	fetched time.Time
	failed  time.Time
	sp      *saml.ServiceProvider
}

func newSAMLProvider(s *Service, p *Provider) (*samlProvider, error) {
	pair, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
	if err != nil {
		return nil, errs.Field("providers."+p.ID+".sp_key_file", "cannot read samdrift's SAML key and certificate: %v", err)
	}
	crt, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, errs.Field("providers."+p.ID+".sp_cert_file", "cannot parse the certificate: %v", err)
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errs.Field("providers."+p.ID+".sp_key_file", "want an RSA key (SAML encryption needs one)")
	}
	return &samlProvider{cfg: p, svc: s, key: key, crt: crt}, nil
}

// refetch is how long IdP metadata is trusted before it is read again.
const refetch = 24 * time.Hour

// get returns the service provider with the IdP's metadata, reading the
// metadata when not yet read or stale (keeping the last good copy while
// the IdP cannot be reached).
func (p *samlProvider) get(ctx context.Context) (*saml.ServiceProvider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sp != nil && p.svc.now().Sub(p.fetched) < refetch {
		return p.sp, nil
	}
	if p.sp == nil && p.svc.now().Sub(p.failed) < retryAfter {
		return nil, errs.E(errs.Unauthorized, "cannot read the metadata of the identity provider %s; try again in a moment, or log in with a local account", p.cfg.Name)
	}
	md, err := p.metadata(ctx)
	if err != nil {
		p.failed = p.svc.now()
		p.svc.log.Warn("cannot read the SAML IdP's metadata", "provider", p.cfg.ID, "err", err)
		if p.sp != nil {
			return p.sp, nil
		}
		// The cause goes to the log only: it names internal hosts and files.
		return nil, errs.E(errs.Unauthorized, "cannot read the metadata of the identity provider %s; try again in a moment, or log in with a local account", p.cfg.Name)
	}
	sp := p.serviceProvider()
	sp.IDPMetadata = md
	p.sp, p.fetched = sp, p.svc.now()
	return sp, nil
}

func (p *samlProvider) metadata(ctx context.Context) (*saml.EntityDescriptor, error) {
	var b []byte
	var err error
	if p.cfg.MetadataFile != "" {
		b, err = os.ReadFile(p.cfg.MetadataFile)
	} else {
		b, err = fetch(ctx, p.svc.client, p.cfg.MetadataURL)
	}
	if err != nil {
		return nil, err
	}
	return parseMetadata(b, p.cfg.IdPEntityID)
}

// maxMetadata bounds the IdP metadata read.
const maxMetadata = 4 << 20

func fetch(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err == nil && len(b) > maxMetadata {
		err = fmt.Errorf("the metadata at %s is larger than %d bytes", u, maxMetadata)
	}
	return b, err
}

// parseMetadata reads an IdP's EntityDescriptor, or, from a federation's
// aggregate (EntitiesDescriptor), the entity named entityID: an aggregate
// without that name is refused, since trusting whichever IdP comes first
// would let any member of the federation log people in here.
func parseMetadata(b []byte, entityID string) (*saml.EntityDescriptor, error) {
	var one saml.EntityDescriptor
	if err := xml.Unmarshal(b, &one); err == nil && len(one.IDPSSODescriptors) > 0 {
		if entityID != "" && one.EntityID != entityID {
			return nil, fmt.Errorf("the metadata is of %q, not the configured idp_entity_id %q", one.EntityID, entityID)
		}
		return &one, nil
	}
	var many saml.EntitiesDescriptor
	if err := xml.Unmarshal(b, &many); err != nil {
		return nil, fmt.Errorf("not SAML metadata: %w", err)
	}
	if entityID == "" {
		return nil, errors.New("the metadata is an aggregate of several entities; name the IdP with idp_entity_id")
	}
	for i := range many.EntityDescriptors {
		if e := &many.EntityDescriptors[i]; e.EntityID == entityID && len(e.IDPSSODescriptors) > 0 {
			return e, nil
		}
	}
	return nil, fmt.Errorf("the aggregate holds no identity provider %q", entityID)
}

// serviceProvider is samdrift as SAML service provider for p, without the
// IdP's metadata.
func (p *samlProvider) serviceProvider() *saml.ServiceProvider {
	base := p.svc.publicURL("/auth/saml/" + p.cfg.ID)
	mustURL := func(s string) url.URL { u, _ := url.Parse(s); return *u }
	entity := p.cfg.EntityID
	if entity == "" {
		entity = base + "/metadata"
	}
	return &saml.ServiceProvider{
		EntityID:          entity,
		Key:               p.key,
		Certificate:       p.crt,
		HTTPClient:        p.svc.client,
		MetadataURL:       mustURL(base + "/metadata"),
		AcsURL:            mustURL(base + "/acs"),
		SloURL:            mustURL(base + "/slo"),
		AuthnNameIDFormat: saml.PersistentNameIDFormat,
		SignatureMethod:   dsig.RSASHA256SignatureMethod,
		ReplayCache:       replayCache{svc: p.svc, provider: p.cfg.ID},
		// Signed AuthnRequests and the IdP's signature on what comes back
		// are required; IdP-initiated logins (unsolicited responses) are
		// not accepted, so every assertion answers a request this browser
		// made.
		AllowIDPInitiated:                false,
		RejectUnknownConditions:          true,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		RejectExpiredIDPMetadata:         true,
		LogoutBindings:                   []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding},
	}
}

// Metadata returns samdrift's SP metadata for SAML provider id (signed),
// for the IdP's administrator to register samdrift with.
func (s *Service) Metadata(ctx context.Context, id string) ([]byte, error) {
	p, ok := s.samls[id]
	if !ok {
		return nil, errs.E(errs.NotFound, "no SAML provider %q is configured", id)
	}
	sp := p.serviceProvider()
	el, err := sp.SignedMetadata()
	if err != nil {
		return nil, errs.Wrap(err, "cannot sign the metadata")
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, errs.Wrap(err, "cannot write the metadata")
	}
	return append([]byte(xml.Header), b...), nil
}

// begin records a login under state and returns the IdP's SSO URL with a
// signed AuthnRequest (HTTP-Redirect binding), RelayState being state.
func (p *samlProvider) begin(ctx context.Context, state string, c Client, next string) (string, error) {
	sp, err := p.get(ctx)
	if err != nil {
		return "", err
	}
	sso := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if sso == "" {
		return "", errs.E(errs.Unauthorized, "the identity provider %s offers no HTTP-Redirect sign-on; ask your administrator", p.cfg.Name)
	}
	req, err := sp.MakeAuthenticationRequest(sso, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", errs.Wrap(err, "cannot make the SAML request")
	}
	if err := p.svc.saveFlow(ctx, state, c.Browser, flow{provider: p.cfg.ID, requestID: req.ID, next: next, remoteAddr: c.RemoteAddr}); err != nil {
		return "", err
	}
	u, err := req.Redirect(state, sp)
	if err != nil {
		return "", errs.Wrap(err, "cannot sign the SAML request")
	}
	return u.String(), nil
}

// FinishSAML completes a login at SAML provider id from the POST to the
// assertion consumer service: the RelayState must be a login this browser
// began, the response must answer its request, be signed by the IdP (the
// assertion itself unless allow_unsigned_assertion), be for samdrift's
// entity id, within its time window (3 minutes of clock skew) and not
// seen before. Encrypted assertions are decrypted with samdrift's key.
func (s *Service) FinishSAML(ctx context.Context, id string, c Client, r *http.Request) (access.LoginResult, string, error) {
	p, ok := s.samls[id]
	if !ok {
		return access.LoginResult{}, "", errs.E(errs.NotFound, "no SAML provider %q is configured", id)
	}
	if err := r.ParseForm(); err != nil {
		return access.LoginResult{}, "", errs.E(errs.Invalid, "unreadable form: %v", err)
	}
	f, err := s.takeFlow(ctx, id, "login", r.PostForm.Get("RelayState"), c.Browser)
	if err != nil {
		return access.LoginResult{}, "", err
	}
	sp, err := p.get(ctx)
	if err != nil {
		return access.LoginResult{}, "", err
	}
	assertion, err := sp.ParseResponse(r, []string{f.requestID})
	if err != nil {
		return access.LoginResult{}, "", s.refuse(ctx, p.cfg, c, samlReason(err), samlCause(err))
	}
	if assertion.Signature == nil && !p.cfg.AllowUnsignedAssertion {
		return access.LoginResult{}, "", s.refuse(ctx, p.cfg, c, rsnUnsignedAssert, nil)
	}
	attrs := Attributes{}
	for _, st := range assertion.AttributeStatements {
		for _, a := range st.Attributes {
			for _, v := range a.Values {
				attrs[a.Name] = append(attrs[a.Name], v.Value)
				if a.FriendlyName != "" && a.FriendlyName != a.Name {
					attrs[a.FriendlyName] = append(attrs[a.FriendlyName], v.Value)
				}
			}
		}
	}
	nameID, transient := "", false
	if assertion.Subject != nil && assertion.Subject.NameID != nil {
		nameID = assertion.Subject.NameID.Value
		transient = assertion.Subject.NameID.Format == string(saml.TransientNameIDFormat)
	}
	// The account is linked by the configured attribute, else by a
	// NameID that lasts (not a transient one, new at every login).
	subject := nameID
	if p.cfg.Claims.Subject != "" {
		subject = attrs.First(p.cfg.Claims.Subject)
		if subject == "" {
			return access.LoginResult{}, "", s.refuse(ctx, p.cfg, c, rsnNoSubject, fmt.Errorf("the assertion has no %s attribute", p.cfg.Claims.Subject))
		}
	} else if transient {
		return access.LoginResult{}, "", s.refuse(ctx, p.cfg, c, rsnTransient, nil)
	}
	var sessionIndex, acr string
	if len(assertion.AuthnStatements) > 0 {
		st := assertion.AuthnStatements[0]
		sessionIndex = st.SessionIndex
		if st.AuthnContext.AuthnContextClassRef != nil {
			acr = strings.TrimSpace(st.AuthnContext.AuthnContextClassRef.Value)
		}
	}
	res, err := s.login(ctx, p.cfg, c, attrs, subject, nameID, sessionIndex, acr)
	return res, f.next, err
}

// samlReason names why a SAML response was refused.
func samlReason(err error) *errs.Error {
	cause := samlCause(err)
	is := func(targets ...error) bool {
		for _, t := range targets {
			if errors.Is(err, t) || errors.Is(cause, t) {
				return true
			}
		}
		return false
	}
	switch {
	case is(saml.ErrAssertionReplayed):
		return rsnReplay
	case is(saml.ErrAudienceMismatch):
		return rsnSAMLAudience
	case is(saml.ErrExpired, saml.ErrNotYetValid):
		return rsnWindow
	// crewjam/saml reports a missing signature with an unexported error,
	// so that one case is known by its text.
	case is(saml.ErrInvalidSignature, saml.ErrUntrustedCertificate, saml.ErrCertificateNotValidNow) ||
		(cause != nil && strings.Contains(cause.Error(), "signature element not present")):
		return rsnUnsigned
	case is(saml.ErrRequestIDMismatch):
		return rsnNotAnswer
	}
	return rsnSAMLInvalid
}

func samlCause(err error) error {
	var ir *saml.InvalidResponseError
	if errors.As(err, &ir) && ir.PrivateErr != nil {
		return ir.PrivateErr
	}
	return err
}

// logoutURL returns the IdP's SLO URL with a signed LogoutRequest for the
// person known as nameID and the IdP session, or "" when it offers none.
func (p *samlProvider) logoutURL(ctx context.Context, nameID, sessionIndex string) (string, error) {
	sp, err := p.get(ctx)
	if err != nil || sp.GetSLOBindingLocation(saml.HTTPRedirectBinding) == "" || nameID == "" {
		return "", nil
	}
	req, err := sp.MakeLogoutRequest(sp.GetSLOBindingLocation(saml.HTTPRedirectBinding), nameID, saml.WithSessionIndex(sessionIndex))
	if err != nil {
		return "", errs.Wrap(err, "cannot make the logout request")
	}
	state := random()
	// The browser's session has ended already, so the logout is not
	// bound to a cookie; its kind keeps it from ever finishing a login.
	if err := p.svc.saveFlow(ctx, state, state, flow{provider: p.cfg.ID, kind: "logout", requestID: req.ID, next: "/login"}); err != nil {
		return "", err
	}
	u, err := sp.RedirectLogoutRequestURL(req, state)
	if err != nil {
		return "", errs.Wrap(err, "cannot sign the logout request")
	}
	return u.String(), nil
}

// SingleLogout handles SAML provider id's requests to the SLO endpoint: a
// LogoutRequest (the person logged out at the IdP or another service: the
// sessions it names end, and the browser goes back with a LogoutResponse)
// or the LogoutResponse to samdrift's own LogoutRequest (the browser goes
// to the login page). It returns where to send the browser.
func (s *Service) SingleLogout(ctx context.Context, id string, r *http.Request) (string, error) {
	p, ok := s.samls[id]
	if !ok {
		return "", errs.E(errs.NotFound, "no SAML provider %q is configured", id)
	}
	sp, err := p.get(ctx)
	if err != nil {
		return "", err
	}
	if err := r.ParseForm(); err != nil {
		return "", errs.E(errs.Invalid, "unreadable form: %v", err)
	}
	if r.Form.Get("SAMLResponse") != "" {
		state := r.Form.Get("RelayState")
		// samdrift's session ended before the browser went to the IdP;
		// the answer only says whether the IdP's did too.
		f, err := s.takeFlow(ctx, id, "logout", state, state)
		if err != nil {
			return "/login", nil
		}
		if _, err := sp.ParseLogoutResponse(r, []string{f.requestID}); err != nil {
			s.log.Warn("SAML logout response refused", "provider", id, "err", samlCause(err))
		}
		return "/login", nil
	}
	req, err := sp.ValidateLogoutRequest(r)
	if err != nil {
		return "", errs.E(errs.Invalid, "the logout request from %s is not valid (%s)", p.cfg.Name, samlReason(err))
	}
	if req.NameID == nil || req.NameID.Value == "" {
		return "", errs.E(errs.Invalid, "the logout request from %s names nobody", p.cfg.Name)
	}
	// The sessions are found by the NameID their assertions named (the
	// account may be linked by an attribute), narrowed to the IdP's
	// sessions the request names.
	indexes := req.AllSessionIndexes()
	if len(indexes) == 0 {
		if _, err := s.acc.EndIdPSessions(ctx, id, access.IdPSessions{NameID: req.NameID.Value}, "SAML single logout"); err != nil {
			return "", err
		}
	}
	for _, ix := range indexes {
		if _, err := s.acc.EndIdPSessions(ctx, id, access.IdPSessions{NameID: req.NameID.Value, Session: ix.Value}, "SAML single logout"); err != nil {
			return "", err
		}
	}
	u, err := sp.MakeRedirectLogoutResponse(req.ID, r.Form.Get("RelayState"))
	if err != nil {
		return "", errs.Wrap(err, "cannot make the logout response")
	}
	return u.String(), nil
}

// replayCache is crewjam/saml's assertion replay cache over the database,
// shared by every node.
type replayCache struct {
	svc      *Service
	provider string
}

// Consume records id as used until expires.
func (c replayCache) Consume(id string, expires time.Time) error {
	err := c.svc.consume(context.Background(), "saml:"+c.provider+":"+id, expires)
	if err == errReplay {
		return saml.ErrAssertionReplayed
	}
	if err != nil {
		return fmt.Errorf("cannot record the assertion: %w", err)
	}
	return nil
}
