package idptest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/logger"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAMLTamper makes the SAML IdP's next responses wrong in one way.
type SAMLTamper struct {
	Unsigned bool   // neither the response nor the assertion is signed
	Audience string // the assertion is for another service
	Expired  bool   // the assertion's conditions ended an hour ago
}

// MFAClass is the AuthnContextClassRef the IdP asserts for a user with
// MFA; NSISAttribute and the level are asserted as an attribute too.
const (
	MFAClass      = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
	NSISAttribute = "https://data.gov.dk/concept/core/nsis/loa"
)

// Attribute names the IdP asserts (OIOSAML-like URIs).
const (
	AttrUsername     = "urn:oid:0.9.2342.19200300.100.1.1"
	AttrEmail        = "urn:oid:0.9.2342.19200300.100.1.3"
	AttrName         = "urn:oid:2.5.4.3"
	AttrGroups       = "https://data.gov.dk/model/core/eid/professional/groups"
	AttrMunicipality = "municipality_code"
	// AttrUUID is the person's persistent id as an attribute ("uuid-"
	// and the subject), beside the NameID (the subject).
	AttrUUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
)

// SAML is a SAML 2.0 identity provider on 127.0.0.1.
type SAML struct {
	URL         string
	MetadataURL string
	Key         *rsa.PrivateKey
	Cert        *x509.Certificate

	idp *saml.IdentityProvider
	srv *http.Server

	mu       sync.Mutex
	users    map[string]User
	sessions map[string]*saml.Session // cookie → session
	sps      map[string]*saml.EntityDescriptor
	parts    map[string][]saml.SessionParticipant // IdP session → the SPs it logged in to
	tamper   SAMLTamper
	ended    int
	last     url.Values
}

// StartSAML starts an IdP with users. Register service providers with
// AddServiceProvider. Stop it with Close.
func StartSAML(users []User) (*SAML, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	key, crt, err := KeyPair("test IdP")
	if err != nil {
		return nil, err
	}
	s := &SAML{URL: base, MetadataURL: base + "/metadata", Key: key, Cert: crt, users: map[string]User{},
		sessions: map[string]*saml.Session{}, sps: map[string]*saml.EntityDescriptor{}, parts: map[string][]saml.SessionParticipant{}}
	for _, u := range users {
		s.users[u.Username] = u
	}
	must := func(p string) url.URL { u, _ := url.Parse(base + p); return *u }
	s.idp = &saml.IdentityProvider{Key: key, Certificate: crt, MetadataURL: must("/metadata"), SSOURL: must("/sso"),
		LogoutURL: must("/slo"), ServiceProviderProvider: s, SessionProvider: s, AssertionMaker: s, ResponseWriter: s,
		SignatureMethod: dsig.RSASHA256SignatureMethod, Logger: logger.DefaultLogger}
	mux := http.NewServeMux()
	mux.Handle("/metadata", s.idp.Handler())
	mux.Handle("/sso", s.idp.Handler())
	mux.Handle("/slo", s.idp.Handler())
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /logout", s.logoutEverywhere)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the IdP.
func (s *SAML) Close() { _ = s.srv.Close() }

// AddServiceProvider fetches a service provider's metadata and trusts it.
func (s *SAML) AddServiceProvider(metadataURL string) error {
	resp, err := http.Get(metadataURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", metadataURL, resp.Status, b)
	}
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(b, &md); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sps[md.EntityID] = &md
	return nil
}

// SetTamper makes the next responses wrong as t says.
func (s *SAML) SetTamper(t SAMLTamper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = t
}

// LastResponse returns the last response form the IdP sent to a service
// provider (SAMLResponse, RelayState), for replaying it.
func (s *SAML) LastResponse() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Ended counts the IdP sessions single logout ended.
func (s *SAML) Ended() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// GetServiceProvider is saml.ServiceProviderProvider.
func (s *SAML) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if md, ok := s.sps[id]; ok {
		return md, nil
	}
	return nil, os.ErrNotExist
}

const cookieName = "testidp_session"

// GetSession is saml.SessionProvider: the person's session, or the login
// form (which comes back to the same sign-on URL once logged in).
func (s *SAML) GetSession(w http.ResponseWriter, r *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	if ck, err := r.Cookie(cookieName); err == nil {
		s.mu.Lock()
		sess := s.sessions[ck.Value]
		s.mu.Unlock()
		if sess != nil {
			return sess
		}
	}
	_ = loginPage.Execute(w, map[string]string{"Action": "/login?return=" + url.QueryEscape(r.URL.RequestURI()), "ID": ""})
	return nil
}

func (s *SAML) login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("username")
	s.mu.Lock()
	u, ok := s.users[name]
	s.mu.Unlock()
	ret := r.URL.Query().Get("return")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginPage.Execute(w, map[string]string{"Action": "/login?return=" + url.QueryEscape(ret), "Err": "no such user"})
		return
	}
	id := randomString()
	now := time.Now()
	sess := &saml.Session{ID: id, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "ix-" + id[:10],
		NameID: u.Subject, NameIDFormat: string(saml.PersistentNameIDFormat), UserName: u.Username}
	add := func(name string, values ...string) {
		a := saml.Attribute{Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}
		for _, v := range values {
			a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: v})
		}
		sess.CustomAttributes = append(sess.CustomAttributes, a)
	}
	add(AttrUUID, "uuid-"+u.Subject)
	add(AttrUsername, u.Username)
	add(AttrEmail, u.Email)
	add(AttrName, u.Name)
	add(AttrGroups, u.Groups...)
	if u.Municipality != "" {
		add(AttrMunicipality, u.Municipality)
	}
	if u.MFA {
		sess.AuthnContextClassRef = MFAClass
		add(NSISAttribute, "Substantial")
	} else {
		add(NSISAttribute, "Low")
	}
	s.mu.Lock()
	s.sessions[id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true})
	if len(ret) == 0 || ret[0] != '/' {
		ret = "/"
	}
	http.Redirect(w, r, ret, http.StatusFound)
}

// InvalidateSession is saml.SessionInvalidator: a service provider's
// LogoutRequest ends the IdP session.
func (s *SAML) InvalidateSession(w http.ResponseWriter, r *http.Request, req *saml.IdpLogoutRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		if req.MatchesSession(sess) {
			delete(s.sessions, id)
			s.ended++
		}
	}
	return nil
}

// AddSessionParticipant is saml.SessionParticipantTracker.
func (s *SAML) AddSessionParticipant(_ *http.Request, sess *saml.Session, p saml.SessionParticipant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.parts[sess.ID] {
		if q.ServiceProviderID == p.ServiceProviderID && q.SessionIndex == p.SessionIndex {
			return nil
		}
	}
	s.parts[sess.ID] = append(s.parts[sess.ID], p)
	return nil
}

// SessionParticipants is saml.SessionParticipantTracker.
func (s *SAML) SessionParticipants(_ *http.Request, match func(*saml.Session) bool) ([]saml.SessionParticipant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []saml.SessionParticipant
	for id, sess := range s.sessions {
		if match(sess) {
			out = append(out, s.parts[id]...)
		}
	}
	return out, nil
}

// logoutEverywhere is the IdP's own logout: every service provider the
// session logged in to is sent a LogoutRequest through the browser.
func (s *SAML) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		http.Error(w, "not logged in", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	sess := s.sessions[ck.Value]
	s.mu.Unlock()
	if sess == nil {
		http.Error(w, "not logged in", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1})
	s.idp.StartLogout(w, r, sess, s.URL+"/metadata")
	s.mu.Lock()
	delete(s.sessions, ck.Value)
	s.ended++
	s.mu.Unlock()
}

// MakeAssertion is saml.AssertionMaker: the default assertion, tampered
// with as set.
func (s *SAML) MakeAssertion(req *saml.IdpAuthnRequest, sess *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, sess); err != nil {
		return err
	}
	s.mu.Lock()
	t := s.tamper
	s.mu.Unlock()
	if c := req.Assertion.Conditions; c != nil {
		if t.Audience != "" {
			c.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: t.Audience}}}
		}
		if t.Expired {
			c.NotBefore = time.Now().Add(-2 * time.Hour)
			c.NotOnOrAfter = time.Now().Add(-time.Hour)
		}
	}
	return nil
}

var postForm = template.Must(template.New("post").Parse(`<!doctype html><html lang="en"><head><title>Continue</title></head><body>
<form method="post" action="{{.URL}}" id="f"><input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}"><button type="submit" id="go">Continue</button></form>
<script>document.getElementById('f').submit();</script></body></html>`))

// WriteResponse is saml.ResponseWriter: the HTTP-POST form, with the
// response made unsigned when set.
func (s *SAML) WriteResponse(w http.ResponseWriter, req *saml.IdpAuthnRequest) error {
	s.mu.Lock()
	t := s.tamper
	s.mu.Unlock()
	form, err := req.PostBinding()
	if err != nil {
		return err
	}
	if t.Unsigned {
		a := *req.Assertion
		a.Signature = nil
		resp := saml.Response{ID: "id-" + randomString(), InResponseTo: req.Request.ID, Version: "2.0", IssueInstant: time.Now().UTC(),
			Destination: req.ACSEndpoint.Location, Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: s.MetadataURL},
			Status: saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}}, Assertion: &a}
		doc := etree.NewDocument()
		doc.SetRoot(resp.Element())
		b, err := doc.WriteToBytes()
		if err != nil {
			return err
		}
		form.SAMLResponse = base64.StdEncoding.EncodeToString(b)
	}
	s.mu.Lock()
	s.last = url.Values{"SAMLResponse": {form.SAMLResponse}, "RelayState": {form.RelayState}}
	s.mu.Unlock()
	var buf bytes.Buffer
	if err := postForm.Execute(&buf, form); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(buf.Bytes())
	return err
}

// KeyPair makes an RSA key and a self-signed certificate for name.
func KeyPair(name string) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	crt, err := x509.ParseCertificate(der)
	return key, crt, err
}

// WriteKeyPair writes a new key and certificate as PEM files in dir and
// returns their paths (samdrift's SP key for a test).
func WriteKeyPair(dir, name string) (keyFile, certFile string, err error) {
	key, crt, err := KeyPair(name)
	if err != nil {
		return "", "", err
	}
	keyFile, certFile = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".crt")
	kb := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	cb := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: crt.Raw})
	if err := os.WriteFile(keyFile, kb, 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(certFile, cb, 0o644); err != nil {
		return "", "", err
	}
	return keyFile, certFile, nil
}
