// Package idptest runs real identity providers in-process on 127.0.0.1
// for tests: an OpenID Connect provider built on zitadel/oidc's op package
// and a SAML 2.0 IdP built on crewjam/saml's IdentityProvider. Each has a
// login page a browser fills in, users with groups and attributes, and
// knobs that make it misbehave (a wrong nonce, an expired token, another
// audience) so that tests can check samdrift refuses what it must.
package idptest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person at a test provider.
type User struct {
	Subject  string
	Username string
	Name     string
	Email    string
	Groups   []string
	// Municipality is asserted as the claim or attribute
	// "municipality_code" when set.
	Municipality string
	// MFA: the provider says the person used a second factor (OIDC amr
	// "mfa"; SAML a multi-factor AuthnContextClassRef and NSIS
	// Substantial).
	MFA bool
}

// Tamper makes the OIDC provider's next ID tokens wrong in one way.
type Tamper struct {
	Nonce    string        // a nonce other than the request's
	Lifetime time.Duration // an ID token lifetime (negative: already expired)
	Audience []string      // another audience
}

// OIDC is an OpenID Connect provider on 127.0.0.1.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string

	srv      *http.Server
	ln       net.Listener
	provider *op.Provider
	st       *oidcStorage
}

// StartOIDC starts a provider with users and one confidential client whose
// redirect and post-logout URIs are given. Stop it with Close.
func StartOIDC(users []User, redirectURI, postLogoutURI string) (*OIDC, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	issuer := "http://" + ln.Addr().String()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	o := &OIDC{Issuer: issuer, ClientID: "samdrift", ClientSecret: randomString(), ln: ln}
	o.st = &oidcStorage{issuer: issuer, key: key, kid: "k1", users: map[string]User{}, requests: map[string]*authRequest{},
		codes: map[string]string{}, tokens: map[string]string{},
		client: &client{id: o.ClientID, secret: o.ClientSecret, redirect: redirectURI, postLogout: postLogoutURI, loginURL: issuer + "/login"}}
	for _, u := range users {
		o.st.users[u.Username] = u
	}
	var ck [32]byte
	_, _ = rand.Read(ck[:])
	o.provider, err = op.NewOpenIDProvider(issuer, &op.Config{CryptoKey: ck, CodeMethodS256: true, AuthMethodPost: true,
		BackChannelLogoutSupported: true, BackChannelLogoutSessionSupported: true}, o.st, op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", o.loginForm)
	mux.HandleFunc("POST /login", o.loginSubmit)
	mux.Handle("/", o.provider)
	mux.HandleFunc("POST /oauth/token", o.token)
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = o.srv.Serve(ln) }()
	return o, nil
}

// SetRedirect changes the client's redirect and post-logout URIs (for a
// samdrift started after the provider).
func (o *OIDC) SetRedirect(redirectURI, postLogoutURI string) {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.client.redirect, o.st.client.postLogout = redirectURI, postLogoutURI
}

// SetUser adds or replaces a user (by username): the provider's view of
// the person changes, as when a group is taken away.
func (o *OIDC) SetUser(u User) {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.users[u.Username] = u
}

// SetTamper makes the next ID tokens wrong as t says (the zero Tamper:
// right again).
func (o *OIDC) SetTamper(t Tamper) {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.tamper = t
}

// EndSessions counts the RP-initiated logouts the provider received.
func (o *OIDC) EndSessions() int {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	return o.st.ended
}

// LastSID returns the session id put in the last ID token.
func (o *OIDC) LastSID() string {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	return o.st.lastSID
}

// LogoutToken returns a back-channel logout token for subject and/or sid,
// signed with the provider's key; edit changes its claims before signing.
func (o *OIDC) LogoutToken(subject, sid string, edit func(map[string]any)) (string, error) {
	now := time.Now()
	claims := map[string]any{"iss": o.Issuer, "aud": o.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": randomString(), "events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}
	if subject != "" {
		claims["sub"] = subject
	}
	if sid != "" {
		claims["sid"] = sid
	}
	if edit != nil {
		edit(claims)
	}
	return o.st.sign(claims, "logout+jwt")
}

// Close stops the provider.
func (o *OIDC) Close() { _ = o.srv.Close() }

var loginPage = template.Must(template.New("login").Parse(`<!doctype html><html lang="en"><head><title>Test IdP</title></head>
<body><main><h1>Test identity provider</h1>{{if .Err}}<p role="alert">{{.Err}}</p>{{end}}
<form method="post" action="{{.Action}}"><input type="hidden" name="id" value="{{.ID}}">
<label for="idp-username">Username</label> <input id="idp-username" name="username" autofocus>
<button type="submit" id="idp-submit">Sign in</button></form></main></body></html>`))

// token is the provider's token endpoint; with Tamper.Audience set, the
// ID token it answers is signed anew for that audience (the library
// always adds the client to the audience).
func (o *OIDC) token(w http.ResponseWriter, r *http.Request) {
	o.st.mu.Lock()
	aud := o.st.tamper.Audience
	o.st.mu.Unlock()
	if aud == nil {
		o.provider.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	o.provider.ServeHTTP(rec, r)
	var body map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	raw, _ := body["id_token"].(string)
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	claims["aud"], claims["azp"] = aud, aud[0]
	if body["id_token"], err = o.st.sign(claims, "JWT"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (o *OIDC) loginForm(w http.ResponseWriter, r *http.Request) {
	_ = loginPage.Execute(w, map[string]string{"Action": "/login", "ID": r.URL.Query().Get("authRequestID")})
}

func (o *OIDC) loginSubmit(w http.ResponseWriter, r *http.Request) {
	id, name := r.PostFormValue("id"), r.PostFormValue("username")
	if err := o.st.done(id, name); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginPage.Execute(w, map[string]string{"Action": "/login", "ID": id, "Err": err.Error()})
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(o.provider)(op.ContextWithIssuer(r.Context(), o.Issuer), id), http.StatusFound)
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStorage is op.Storage in memory.
type oidcStorage struct {
	issuer string
	key    *rsa.PrivateKey
	kid    string

	mu       sync.Mutex
	client   *client
	users    map[string]User
	requests map[string]*authRequest
	codes    map[string]string // code → request id
	tokens   map[string]string // access token id → subject
	tamper   Tamper
	ended    int
	lastSID  string
}

func (s *oidcStorage) done(id, username string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.requests[id]
	if !ok {
		return errors.New("unknown login request")
	}
	u, ok := s.users[username]
	if !ok {
		return errors.New("no such user")
	}
	req.subject, req.username, req.authTime, req.done = u.Subject, username, time.Now(), true
	req.amr = []string{"pwd"}
	if u.MFA {
		req.amr = append(req.amr, "mfa")
	}
	return nil
}

func (s *oidcStorage) sign(claims map[string]any, typ string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.key, KeyID: s.kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(b)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (s *oidcStorage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &authRequest{id: randomString(), clientID: r.ClientID, redirect: r.RedirectURI, scopes: r.Scopes, state: r.State,
		nonce: r.Nonce, responseType: r.ResponseType, responseMode: r.ResponseMode, st: s}
	if r.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[req.id] = req
	return req, nil
}

func (s *oidcStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r, nil
	}
	return nil, errors.New("auth request not found")
}

func (s *oidcStorage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[s.codes[code]]; ok {
		return r, nil
	}
	return nil, errors.New("code not found")
}

func (s *oidcStorage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *oidcStorage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *oidcStorage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := randomString()
	s.tokens[id] = r.GetSubject()
	return id, time.Now().Add(5 * time.Minute), nil
}

func (s *oidcStorage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, _ string) (string, string, time.Time, error) {
	id, exp, err := s.CreateAccessToken(ctx, r)
	return id, "", exp, err
}

func (s *oidcStorage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errors.New("no refresh tokens")
}

func (s *oidcStorage) TerminateSession(context.Context, string, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended++
	return nil
}

func (s *oidcStorage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *oidcStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *oidcStorage) SigningKey(context.Context) (op.SigningKey, error) { return signingKey{s}, nil }

func (s *oidcStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *oidcStorage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s}}, nil }

func (s *oidcStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.client.id {
		return nil, errors.New("client not found")
	}
	c := *s.client
	c.lifetime = time.Hour
	if s.tamper.Lifetime != 0 {
		c.lifetime = s.tamper.Lifetime
	}
	return &c, nil
}

func (s *oidcStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.client.id || secret != s.client.secret {
		return errors.New("wrong client credentials")
	}
	return nil
}

func (s *oidcStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts the person's claims, their groups and
// municipality, and the session id in the ID token.
func (s *oidcStorage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fill(ui, r.GetSubject())
	if ar, ok := r.(*authRequest); ok {
		sid := "sid-" + ar.id[:12]
		ui.AppendClaims("sid", sid)
		s.lastSID = sid
	}
	return nil
}

func (s *oidcStorage) fill(ui *oidc.UserInfo, subject string) {
	for _, u := range s.users {
		if u.Subject != subject {
			continue
		}
		ui.Subject = u.Subject
		ui.PreferredUsername, ui.Name, ui.Email = u.Username, u.Name, u.Email
		ui.AppendClaims("groups", u.Groups)
		if u.Municipality != "" {
			ui.AppendClaims("municipality_code", u.Municipality)
		}
	}
}

func (s *oidcStorage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[tokenID] != subject {
		return errors.New("unknown token")
	}
	s.fill(ui, subject)
	return nil
}

func (s *oidcStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("no introspection")
}

func (s *oidcStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *oidcStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("no client keys")
}

func (s *oidcStorage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *oidcStorage) Health(context.Context) error { return nil }

type signingKey struct{ s *oidcStorage }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.s.key }
func (k signingKey) ID() string                                  { return k.s.kid }

type publicKey struct{ s *oidcStorage }

func (k publicKey) ID() string                         { return k.s.kid }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.s.key.PublicKey }

// authRequest is op.AuthRequest; the tamper knobs apply when tokens are
// made from it.
type authRequest struct {
	st                                   *oidcStorage
	id, clientID, redirect, state, nonce string
	scopes                               []string
	responseType                         oidc.ResponseType
	responseMode                         oidc.ResponseMode
	challenge                            *oidc.CodeChallenge
	subject, username                    string
	authTime                             time.Time
	amr                                  []string
	done                                 bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return a.amr }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	if a.st.tamper.Nonce != "" {
		return a.st.tamper.Nonce
	}
	return a.nonce
}
func (a *authRequest) GetRedirectURI() string             { return a.redirect }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.responseMode }
func (a *authRequest) GetScopes() []string                { return a.scopes }
func (a *authRequest) GetState() string                   { return a.state }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }

// client is op.Client: a confidential web client with a secret.
type client struct {
	id, secret, redirect, postLogout, loginURL string
	lifetime                                   time.Duration
}

func (c *client) GetID() string                    { return c.id }
func (c *client) RedirectURIs() []string           { return []string{c.redirect} }
func (c *client) PostLogoutRedirectURIs() []string { return []string{c.postLogout} }
func (c *client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string {
	return c.loginURL + "?authRequestID=" + id
}
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return c.lifetime }
func (c *client) DevMode() bool                       { return true }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(string) bool           { return true }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
