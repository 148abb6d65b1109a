package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/federation"
	"github.com/samdrift/samdrift/internal/federation/idptest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// fedEnv is samdrift with two identity providers beside it on
// 127.0.0.1: an OIDC provider ("kk", as a municipality's Entra ID) and a
// SAML IdP ("fed", as the municipalities' shared federation), each with
// users of two municipalities and the SOC.
type fedEnv struct {
	*env
	oidc *idptest.OIDC
	saml *idptest.SAML
}

var oidcUsers = []idptest.User{
	{Subject: "oid-anna", Username: "anna@kk.dk", Name: "Anna Andersen", Email: "anna@kk.dk", Groups: []string{"samdrift-spoc"}, Municipality: "101"},
	{Subject: "oid-bo", Username: "bo@odense.dk", Name: "Bo Berg", Email: "bo@odense.dk", Groups: []string{"staff", "samdrift-ciso"}, Municipality: "461"},
	{Subject: "oid-carl", Username: "carl@soc.dk", Name: "Carl SOC", Groups: []string{"soc"}, MFA: true},
	{Subject: "oid-dina", Username: "dina@soc.dk", Name: "Dina SOC", Groups: []string{"soc"}},
	{Subject: "oid-eve", Username: "eve@kk.dk", Name: "Eve", Groups: []string{"staff"}, Municipality: "101"},
	{Subject: "oid-finn", Username: "finn@kk.dk", Name: "Finn", Groups: []string{"samdrift-spoc"}, Municipality: "999"},
}

var samlUsers = []idptest.User{
	{Subject: "pid-frida", Username: "frida", Name: "Frida Frost", Email: "frida@kk.dk", Groups: []string{"spoc"}, Municipality: "101"},
	{Subject: "pid-gorm", Username: "gorm", Name: "Gorm Gram", Email: "gorm@odense.dk", Groups: []string{"it"}, Municipality: "461"},
	{Subject: "pid-hans", Username: "hans", Name: "Hans", Groups: []string{"library"}, Municipality: "461"},
	{Subject: "pid-ivan", Username: "ivan", Name: "Ivan", Groups: []string{"soc"}, MFA: true},
	{Subject: "pid-jens", Username: "jens", Name: "Jens", Groups: []string{"soc"}},
}

// startFederated serves samdrift (demo data) with both providers.
func startFederated(t *testing.T, db *store.DB) *fedEnv {
	t.Helper()
	e := &env{Env: demotest.New(t, db, false), t: t}
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	op, err := idptest.StartOIDC(oidcUsers, base+"/auth/oidc/kk/callback", base+"/login")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.Close)
	idp, err := idptest.StartSAML(samlUsers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	keyFile, certFile, err := idptest.WriteKeyPair(t.TempDir(), "samdrift-sp")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAMDRIFT_TEST_OIDC_SECRET", op.ClientSecret)
	conf := fmt.Sprintf(`
providers:
  - id: kk
    name: Københavns Kommune
    type: oidc
    issuer: %s
    client_id: %s
    client_secret_env: SAMDRIFT_TEST_OIDC_SECRET
    claims: {organisation: municipality_code}
    allowed_organisations: ["101", "461", "faelles-soc-cert"]
    rules:
      - {group: samdrift-spoc, role: spoc}
      - {group: samdrift-ciso, role: ciso}
      - {group: soc, role: soc-analyst, organisation: faelles-soc-cert}
  - id: fed
    name: Kommunernes fælles IdP
    type: saml
    metadata_url: %s
    sp_key_file: %s
    sp_cert_file: %s
    claims:
      subject: %s
      username: %s
      name: %s
      email: %s
      groups: %s
      organisation: %s
    allowed_organisations: ["101", "461", "faelles-soc-cert"]
    rules:
      - {group: spoc, role: spoc}
      - {group: it, role: kommune-it}
      - {group: soc, role: soc-analyst, organisation: faelles-soc-cert}
    mfa:
      acr: [%q]
      attribute: %s
      values: [Substantial, High]
`, op.Issuer, op.ClientID, idp.MetadataURL, keyFile, certFile, idptest.AttrUUID, idptest.AttrUsername, idptest.AttrName, idptest.AttrEmail,
		idptest.AttrGroups, idptest.AttrMunicipality, idptest.MFAClass, idptest.NSISAttribute)
	fc, err := federation.ParseConfig([]byte(conf), base)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fed, err := federation.New(db, e.Access, fc, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := webConfig(db, e.Orgs, e.Access)
	cfg.Version, cfg.Federation = "test", fed
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	e.url = base
	if err := idp.AddServiceProvider(base + "/auth/saml/fed/metadata"); err != nil {
		t.Fatal(err)
	}
	return &fedEnv{env: e, oidc: op, saml: idp}
}

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// do sends a request to an absolute URL (samdrift's or a provider's) in
// b's cookie jar, without following redirects.
func do(t *testing.T, b *browser, method, to string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, to, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b2, _ := io.ReadAll(resp.Body)
	return resp, string(b2)
}

// follow walks a federated login from resp as a browser would: redirects
// are followed, the provider's login form is filled in as user, and the
// SAML response form is posted. It stops at samdrift's answer to the
// callback or assertion consumer service (or a refusal page).
func (f *fedEnv) follow(t *testing.T, b *browser, user string, resp *http.Response, body string) (*http.Response, string) {
	t.Helper()
	for range 20 {
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			from := resp.Request.URL.Path
			if strings.HasPrefix(loc.String(), f.url) && !strings.HasPrefix(loc.Path, "/auth/") &&
				(strings.HasSuffix(from, "/callback") || strings.HasSuffix(from, "/acs") || strings.HasSuffix(from, "/slo")) {
				return resp, body
			}
			resp, body = do(t, b, "GET", loc.String(), nil)
		case strings.Contains(body, `id="idp-username"`):
			m := formActionRE.FindStringSubmatch(body)
			to, _ := resp.Request.URL.Parse(html.UnescapeString(m[1]))
			form := url.Values{"username": {user}}
			for _, h := range hiddenRE.FindAllStringSubmatch(body, -1) {
				form.Set(h[1], html.UnescapeString(h[2]))
			}
			resp, body = do(t, b, "POST", to.String(), form)
		case strings.Contains(body, `name="SAMLResponse"`):
			m := formActionRE.FindStringSubmatch(body)
			form := url.Values{}
			for _, h := range hiddenRE.FindAllStringSubmatch(body, -1) {
				form.Set(h[1], html.UnescapeString(h[2]))
			}
			resp, body = do(t, b, "POST", html.UnescapeString(m[1]), form)
			if resp.StatusCode < 300 || resp.StatusCode >= 400 {
				return resp, body
			}
		default:
			return resp, body
		}
	}
	t.Fatalf("the login did not end after 20 steps; at %s", resp.Request.URL)
	return nil, ""
}

// fedLogin logs user in through provider in b, going to next afterwards.
func (f *fedEnv) fedLogin(t *testing.T, b *browser, provider, user, next string) (*http.Response, string) {
	t.Helper()
	resp, body := do(t, b, "GET", f.url+"/auth/"+provider+"/login?next="+url.QueryEscape(next), nil)
	return f.follow(t, b, user, resp, body)
}

// landed fails t unless resp sends the browser on to want.
func landed(t *testing.T, who string, resp *http.Response, body, want string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("%s: login answered %d → %q; want 303 → %s\n%s", who, resp.StatusCode, resp.Header.Get("Location"), want, textOf(body))
	}
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

func textOf(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	s := strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(page, " "))), " ")
	if len(s) > 600 {
		s = s[:600]
	}
	return s
}

// refused fails t unless the page is a refusal with status and the text.
func refused(t *testing.T, who string, resp *http.Response, body string, status int, text string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(textOf(body), text) {
		t.Errorf("%s: got %d %q; want %d with %q", who, resp.StatusCode, textOf(body), status, text)
	}
}

func (f *fedEnv) user(t *testing.T, name string) access.User {
	t.Helper()
	u, err := f.Access.UserByName(context.Background(), access.System("test"), name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// auditReasons returns the reasons of the refused federated logins.
func (f *fedEnv) auditReasons(t *testing.T) map[string]int {
	t.Helper()
	recs, _, err := audit.List(context.Background(), f.DB.Reader(), access.System("test"), audit.Filter{Action: "login.fail", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range recs {
		var d struct {
			After map[string]any `json:"after"`
		}
		if r.TargetType == "identity" && json.Unmarshal(r.Detail, &d) == nil {
			out[fmt.Sprint(d.After["reason"])]++
		}
	}
	return out
}

func TestFederatedLoginOIDC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := startFederated(t, db)
		// Two municipalities' people with different groups land in their
		// own organisation with the role their group gives.
		b := newBrowser(t, f.url)
		resp, body := f.fedLogin(t, b, "kk", "anna@kk.dk", "/tickets")
		landed(t, "anna", resp, body, "/tickets")
		anna := f.user(t, "anna@kk.dk")
		if anna.OrgSlug != f.Org(t, "101").Slug || anna.Role != access.RoleSPOC || anna.IdP != "kk" || anna.DisplayName != "Anna Andersen" {
			t.Errorf("anna = %+v; want a SPOC of København through kk", anna)
		}
		if r, page := b.get("/"); r.StatusCode != 200 || !strings.Contains(page, "Anna Andersen") {
			t.Errorf("anna's home page = %d", r.StatusCode)
		}
		bo := newBrowser(t, f.url)
		resp, body = f.fedLogin(t, bo, "kk", "bo@odense.dk", "/")
		landed(t, "bo", resp, body, "/")
		if u := f.user(t, "bo@odense.dk"); u.OrgSlug != f.Org(t, "461").Slug || u.Role != access.RoleCISO {
			t.Errorf("bo = %s %s; want Odense's CISO", u.OrgSlug, u.Role)
		}
		// The provider asserted MFA (amr mfa): no second factor asked for
		// the SOC analyst. Without it, samdrift's own is set up first.
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "carl@soc.dk", "/soc")
		landed(t, "carl", resp, body, "/soc")
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "dina@soc.dk", "/soc")
		landed(t, "dina", resp, body, "/totp/setup")
		// No rule gives eve a role; finn's municipality is not allowed.
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "eve@kk.dk", "/")
		refused(t, "eve", resp, body, 403, "ingen af dine grupper eller roller hos Københavns Kommune giver adgang")
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "finn@kk.dk", "/")
		refused(t, "finn", resp, body, 403, `placerede dig i organisationen "999", som den ikke må placere folk i`)
		if _, err := f.Access.UserByName(context.Background(), access.System("test"), "eve@kk.dk"); err == nil {
			t.Error("eve was provisioned although refused")
		}

		// Tokens the provider got wrong are refused.
		for _, c := range []struct {
			name   string
			tamper idptest.Tamper
			text   string
		}{
			{"bad nonce", idptest.Tamper{Nonce: "not-this-logins"}, "forkert nonce"},
			{"expired", idptest.Tamper{Lifetime: -10 * 60e9}, "ID-tokenet er udløbet"},
			{"wrong audience", idptest.Tamper{Audience: []string{"another-client"}}, "ID-tokenet er til en anden klient"},
		} {
			f.oidc.SetTamper(c.tamper)
			resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "anna@kk.dk", "/")
			refused(t, c.name, resp, body, 401, c.text)
		}
		f.oidc.SetTamper(idptest.Tamper{})
		// A login finished in another browser than began it is refused,
		// and a callback cannot be used twice.
		b1, b2 := newBrowser(t, f.url), newBrowser(t, f.url)
		resp, _ = do(t, b1, "GET", f.url+"/auth/kk/login", nil)
		resp, body = f.follow(t, b2, "anna@kk.dk", resp, "")
		refused(t, "another browser", resp, body, 401, "blev startet i en anden browser")
		b3 := newBrowser(t, f.url)
		resp, _ = do(t, b3, "GET", f.url+"/auth/kk/login", nil)
		var callback string
		for range 10 {
			loc, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if strings.HasPrefix(loc.String(), f.url+"/auth/oidc/kk/callback") {
				callback = loc.String()
				break
			}
			if strings.Contains(loc.Path, "/login") && !strings.HasPrefix(loc.String(), f.url) {
				_, page := do(t, b3, "GET", loc.String(), nil)
				id := hiddenRE.FindStringSubmatch(page)[2]
				resp, _ = do(t, b3, "POST", f.oidc.Issuer+"/login", url.Values{"id": {id}, "username": {"anna@kk.dk"}})
				continue
			}
			resp, _ = do(t, b3, "GET", loc.String(), nil)
		}
		if resp, body = do(t, b3, "GET", callback, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("callback = %d %s", resp.StatusCode, textOf(body))
		}
		resp, body = do(t, b3, "GET", callback, nil)
		refused(t, "callback twice", resp, body, 401, "er allerede brugt")

		// The outcomes are counted for the operators.
		_, mbody := b.get("/metrics")
		for _, want := range []string{`samdrift_federated_logins_total{provider="kk",result="ok"} 5`, `samdrift_federated_logins_total{provider="kk",result="refused"}`} {
			if !strings.Contains(mbody, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		reasons := f.auditReasons(t)
		for _, want := range []string{"no mapping", "wrong nonce", "the ID token has expired", "the ID token is for another client"} {
			if reasons[want] == 0 {
				t.Errorf("no audit record of a refusal for %q (have %v)", want, reasons)
			}
		}

		// Back-channel logout: the provider ends anna's session by sid.
		sid := ""
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT s.idp_session FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE u.username = 'anna@kk.dk' ORDER BY s.created_at LIMIT 1`).Scan(&sid); err != nil || !strings.HasPrefix(sid, "sid-") {
			t.Fatalf("anna's session has idp_session %q (%v)", sid, err)
		}
		token, err := f.oidc.LogoutToken("", sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r, body := do(t, b, "POST", f.url+"/auth/oidc/kk/backchannel-logout", url.Values{"logout_token": {token}}); r.StatusCode != 200 {
			t.Fatalf("back-channel logout = %d %s", r.StatusCode, body)
		}
		if r, _ := b.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("anna's session after back-channel logout: / = %d; want a redirect to log in", r.StatusCode)
		}
		if r, body := do(t, b, "POST", f.url+"/auth/oidc/kk/backchannel-logout", url.Values{"logout_token": {token}}); r.StatusCode != 400 || !strings.Contains(body, "already used") {
			t.Errorf("replayed logout token = %d %s; want 400", r.StatusCode, body)
		}
		for name, edit := range map[string]func(map[string]any){
			"no event": func(c map[string]any) { delete(c, "events") },
			"a nonce":  func(c map[string]any) { c["nonce"] = "x" },
			"expired":  func(c map[string]any) { c["exp"] = 1 },
			"audience": func(c map[string]any) { c["aud"] = "other" },
		} {
			tok, _ := f.oidc.LogoutToken("oid-bo", "", edit)
			if r, body := do(t, b, "POST", f.url+"/auth/oidc/kk/backchannel-logout", url.Values{"logout_token": {tok}}); r.StatusCode != 400 {
				t.Errorf("logout token with %s = %d %s; want 400", name, r.StatusCode, body)
			}
		}
		if r, _ := bo.get("/"); r.StatusCode != 200 {
			t.Errorf("bo's session after refused logout tokens: / = %d; want 200", r.StatusCode)
		}

		// Logging out of samdrift goes on to the provider's end-session
		// endpoint, which comes back to the login page.
		_, page := bo.get("/")
		resp, body = bo.post("/logout", url.Values{"csrf": {csrfOf(t, page)}})
		m := regexp.MustCompile(`id="idp-logout" href="([^"]+)"`).FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("logout = %d, no link to the provider:\n%s", resp.StatusCode, textOf(body))
		}
		end := html.UnescapeString(m[1])
		if !strings.HasPrefix(end, f.oidc.Issuer) || !strings.Contains(end, "post_logout_redirect_uri="+url.QueryEscape(f.url+"/login")) {
			t.Errorf("end-session URL = %s", end)
		}
		resp, _ = do(t, bo, "GET", end, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != f.url+"/login" || f.oidc.EndSessions() != 1 {
			t.Errorf("provider's end session = %d → %s (ended %d); want back to /login", resp.StatusCode, loc, f.oidc.EndSessions())
		}
		if r, _ := bo.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("bo after logout: / = %d; want a redirect", r.StatusCode)
		}

		// When the provider drops a person's group, the next login is
		// refused and the account disabled; an administrator's disable
		// stays even when the group comes back.
		f.oidc.SetUser(idptest.User{Subject: "oid-anna", Username: "anna@kk.dk", Name: "Anna Andersen", Groups: []string{"staff"}, Municipality: "101"})
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "anna@kk.dk", "/")
		refused(t, "anna without group", resp, body, 403, "ingen af dine grupper")
		if u := f.user(t, "anna@kk.dk"); !u.Disabled {
			t.Error("anna is still enabled after the provider dropped her group")
		}
		f.oidc.SetUser(idptest.User{Subject: "oid-anna", Username: "anna@kk.dk", Name: "Anna Andersen", Groups: []string{"samdrift-ciso"}, Municipality: "101"})
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "anna@kk.dk", "/")
		landed(t, "anna back as CISO", resp, body, "/")
		if u := f.user(t, "anna@kk.dk"); u.Disabled || u.Role != access.RoleCISO {
			t.Errorf("anna = disabled %v role %s; want enabled CISO", u.Disabled, u.Role)
		}
		disabled := true
		if _, err := f.Access.UpdateUser(context.Background(), access.System("test"), f.user(t, "anna@kk.dk").ID, access.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "kk", "anna@kk.dk", "/")
		refused(t, "anna disabled by an administrator", resp, body, 401, "deaktiveret af en administrator")
		// Logins begun and not finished are bounded per address (each
		// writes a row, and anyone may begin one).
		flood := newBrowser(t, f.url)
		status := 0
		for i := 0; i < 60 && status != http.StatusTooManyRequests; i++ {
			r, _ := do(t, flood, "GET", f.url+"/auth/kk/login", nil)
			status = r.StatusCode
		}
		if status != http.StatusTooManyRequests {
			t.Errorf("60 logins begun from one address: last %d; want 429 before that", status)
		}
		// A federated user has no password to log in with or reset.
		if err := f.Access.SetPassword(context.Background(), access.System("test"), f.user(t, "bo@odense.dk").ID, "a long enough password 123"); err == nil {
			t.Error("SetPassword on a federated user succeeded")
		}
	})
}

func TestFederatedLoginSAML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := startFederated(t, db)
		// The SP metadata is signed and names the ACS and SLO endpoints.
		r, md := do(t, newBrowser(t, f.url), "GET", f.url+"/auth/saml/fed/metadata", nil)
		for _, want := range []string{"SignatureValue", f.url + "/auth/saml/fed/acs", f.url + "/auth/saml/fed/slo", `use="encryption"`} {
			if r.StatusCode != 200 || !strings.Contains(md, want) {
				t.Errorf("SP metadata (%d) lacks %s", r.StatusCode, want)
			}
		}
		frida := newBrowser(t, f.url)
		resp, body := f.fedLogin(t, frida, "fed", "frida", "/orders")
		landed(t, "frida", resp, body, "/orders")
		if u := f.user(t, "frida"); u.OrgSlug != f.Org(t, "101").Slug || u.Role != access.RoleSPOC || u.IdP != "fed" || u.Email != "frida@kk.dk" {
			t.Errorf("frida = %+v; want København's SPOC through fed", u)
		}
		// The IdP's answer cannot be used again: not with the login it
		// answered, nor with a new one.
		last := f.saml.LastResponse()
		// The IdP encrypted the assertion to samdrift's key (the SP
		// metadata offers it), and samdrift read it.
		if raw, err := base64.StdEncoding.DecodeString(last.Get("SAMLResponse")); err != nil || !strings.Contains(string(raw), "EncryptedAssertion") {
			t.Errorf("the IdP's response carries no EncryptedAssertion (%v)", err)
		}
		resp, body = do(t, frida, "POST", f.url+"/auth/saml/fed/acs", last)
		refused(t, "replayed response", resp, body, 401, "er allerede brugt")
		resp, _ = do(t, frida, "GET", f.url+"/auth/fed/login", nil)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		replay := url.Values{"SAMLResponse": last["SAMLResponse"], "RelayState": {loc.Query().Get("RelayState")}}
		resp, body = do(t, frida, "POST", f.url+"/auth/saml/fed/acs", replay)
		refused(t, "replayed assertion in a new login", resp, body, 401, "kunne ikke stoles på")

		gorm := newBrowser(t, f.url)
		resp, body = f.fedLogin(t, gorm, "fed", "gorm", "/")
		landed(t, "gorm", resp, body, "/")
		if u := f.user(t, "gorm"); u.OrgSlug != f.Org(t, "461").Slug || u.Role != access.RoleKommuneIT {
			t.Errorf("gorm = %s %s; want Odense's kommune-it", u.OrgSlug, u.Role)
		}
		// The account is linked by the persistent-id attribute; the
		// session keeps the NameID, by which the IdP's logout names him.
		var subject, nameID string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT u.idp_subject, s.idp_name_id FROM users u JOIN sessions s ON s.user_id = u.id
			WHERE u.username = 'gorm'`).Scan(&subject, &nameID); err != nil || subject != "uuid-pid-gorm" || nameID != "pid-gorm" {
			t.Errorf("gorm is linked by %q with NameID %q (%v); want uuid-pid-gorm and pid-gorm", subject, nameID, err)
		}
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "fed", "hans", "/")
		refused(t, "hans", resp, body, 403, "ingen af dine grupper")
		// MFA from the IdP (AuthnContextClassRef, NSIS level) spares the
		// SOC analyst samdrift's own second factor; without it, it is set up.
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "fed", "ivan", "/soc")
		landed(t, "ivan", resp, body, "/soc")
		resp, body = f.fedLogin(t, newBrowser(t, f.url), "fed", "jens", "/soc")
		landed(t, "jens", resp, body, "/totp/setup")

		for _, c := range []struct {
			name   string
			tamper idptest.SAMLTamper
			text   string
		}{
			{"unsigned", idptest.SAMLTamper{Unsigned: true}, "ikke signeret"},
			{"wrong audience", idptest.SAMLTamper{Audience: "https://other.example/sp"}, "assertionen er til en anden tjeneste"},
			{"expired", idptest.SAMLTamper{Expired: true}, "assertionen er uden for sit tidsvindue"},
		} {
			f.saml.SetTamper(c.tamper)
			resp, body = f.fedLogin(t, newBrowser(t, f.url), "fed", "frida", "/")
			refused(t, c.name, resp, body, 401, c.text)
		}
		f.saml.SetTamper(idptest.SAMLTamper{})
		reasons := f.auditReasons(t)
		for _, want := range []string{"no mapping", "the assertion is for another service", "the assertion is outside its time window"} {
			if reasons[want] == 0 {
				t.Errorf("no audit record of a refusal for %q (have %v)", want, reasons)
			}
		}

		// Logging out of samdrift logs out at the IdP (a signed
		// LogoutRequest), which answers back to samdrift's SLO endpoint.
		_, page := frida.get("/")
		resp, body = frida.post("/logout", url.Values{"csrf": {csrfOf(t, page)}})
		m := regexp.MustCompile(`id="idp-logout" href="([^"]+)"`).FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("logout = %d, no link to the IdP:\n%s", resp.StatusCode, textOf(body))
		}
		ended := f.saml.Ended()
		resp, body = do(t, frida, "GET", html.UnescapeString(m[1]), nil)
		resp, _ = f.follow(t, frida, "", resp, body)
		if resp.Header.Get("Location") != "/login" || f.saml.Ended() != ended+1 {
			t.Errorf("SAML logout ended at %d → %s (IdP sessions ended %d → %d)", resp.StatusCode, resp.Header.Get("Location"), ended, f.saml.Ended())
		}
		// Logging out at the IdP ends gorm's samdrift session too.
		if r, _ := gorm.get("/"); r.StatusCode != 200 {
			t.Fatalf("gorm before IdP logout: / = %d", r.StatusCode)
		}
		resp, body = do(t, gorm, "GET", f.saml.URL+"/logout", nil)
		for i := 0; i < 10 && resp.StatusCode/100 == 3; i++ {
			to, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
			resp, body = do(t, gorm, "GET", to.String(), nil)
		}
		if r, _ := gorm.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("gorm after logging out at the IdP: / = %d; want a redirect to log in (last %d %s)", r.StatusCode, resp.StatusCode, textOf(body))
		}
	})
}
