package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/app"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// webConfig is the web layer's configuration over db with the services
// app builds, and the given organisations and access (the test's own).
func webConfig(db *store.DB, orgs *org.Service, acc *access.Service) web.Config {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := app.Services(db, nil, log).WebConfig()
	cfg.Orgs, cfg.Access, cfg.Logger = orgs, acc, log
	return cfg
}

type env struct {
	*demotest.Env
	t   testing.TB
	url string
}

// start serves samdrift with demo data on a real HTTP server on 127.0.0.1.
func start(t testing.TB, db *store.DB) *env {
	t.Helper()
	e := &env{Env: demotest.New(t, db, false), t: t}
	cfg := webConfig(db, e.Orgs, e.Access)
	cfg.Version = "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.url = hs.URL
	return e
}

func (e *env) addUser(name, orgRef string, role access.Role) access.User {
	return e.AddUser(e.t, name, orgRef, role)
}

func (e *env) token(username string) string { return e.Token(e.t, username) }

// call makes an API request with a bearer token and decodes the JSON answer.
func (e *env) call(method, path, token string, body string, out any) *http.Response {
	e.t.Helper()
	return e.callWith(method, path, token, body, nil, out)
}

// callWith is call with extra request headers.
func (e *env) callWith(method, path, token string, body string, headers map[string]string, out any) *http.Response {
	e.t.Helper()
	resp, data := e.send(method, path, token, body, headers)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: cannot decode %q: %v", method, path, data, err)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// send makes an API request (JSON unless headers say otherwise), checks
// the answer against openapi.json and returns it with its body read.
func (e *env) send(method, path, token, body string, headers map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// Problem details are Danish unless asked otherwise; the tests read
	// the English (TestProblemLanguage checks the Danish default).
	req.Header.Set("Accept-Language", "en")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	checkAgainstOpenAPI(e.t, req, resp, data)
	return resp, data
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
	Code   string `json:"code"`
}

type userPage struct {
	Items []access.User `json:"items"`
	Total int           `json:"total"`
	Next  *string       `json:"next"`
}

func TestAPIScoping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		fred := e.addUser("spoc-frb", "147", access.RoleSPOC)
		odense := e.addUser("spoc-ode", "461", access.RoleSPOC)

		spoc := e.token("demo-spoc")
		var p userPage
		if r := e.call("GET", "/api/v1/users?limit=200", spoc, "", &p); r.StatusCode != 200 {
			t.Fatalf("GET users = %d", r.StatusCode)
		}
		for _, u := range p.Items {
			if u.OrgSlug != "koebenhavn-kommune" {
				t.Errorf("demo-spoc lists %s of %s", u.Username, u.OrgSlug)
			}
		}
		if p.Total != 3 {
			t.Errorf("demo-spoc total = %d; want 3", p.Total)
		}
		var pr problem
		if r := e.call("GET", "/api/v1/users/"+strconv.FormatInt(fred.ID, 10), spoc, "", &pr); r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("demo-spoc GET other municipality's user = %d %s; want 404 problem+json", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if r := e.call("GET", "/api/v1/audit", spoc, "", &pr); r.StatusCode != 403 {
			t.Errorf("demo-spoc GET audit = %d; want 403", r.StatusCode)
		}
		// A municipality's CISO reads its own audit records, and none of another's.
		ciso := e.token("demo-ciso")
		var recs struct {
			Items []struct {
				OrgID      int64 `json:"org_id"`
				ActorOrgID int64 `json:"actor_org_id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if r := e.call("GET", "/api/v1/audit?limit=500", ciso, "", &recs); r.StatusCode != 200 || recs.Total == 0 {
			t.Fatalf("ciso GET audit = %d, %d records", r.StatusCode, recs.Total)
		}
		for _, rec := range recs.Items {
			if rec.OrgID == fred.OrgID || rec.OrgID == odense.OrgID {
				t.Errorf("ciso of 101 sees a record about org %d", rec.OrgID)
			}
		}

		// The unit's service desk sees exactly its supplied municipalities' users.
		desk := e.token("demo-servicedesk")
		if r := e.call("GET", "/api/v1/users?limit=500", desk, "", &p); r.StatusCode != 200 {
			t.Fatalf("GET users = %d", r.StatusCode)
		}
		got := map[string]bool{}
		for _, u := range p.Items {
			got[u.Username] = true
		}
		if !got["spoc-frb"] || !got["demo-spoc"] || !got["demo-servicedesk"] || got["spoc-ode"] || got["demo-admin"] {
			t.Errorf("demo-servicedesk sees %v; want Hovedstaden's users only", got)
		}
		if r := e.call("GET", "/api/v1/users/"+strconv.FormatInt(odense.ID, 10), desk, "", nil); r.StatusCode != 404 {
			t.Errorf("unit user GET unsupplied municipality's user = %d; want 404", r.StatusCode)
		}

		// The municipality list has the documented shape.
		var orgs struct {
			Items []org.Organization `json:"items"`
			Total int                `json:"total"`
			Next  *string            `json:"next"`
		}
		e.call("GET", "/api/v1/organizations?kind=municipality&limit=200", spoc, "", &orgs)
		if orgs.Total != 98 || len(orgs.Items) != 98 || orgs.Next != nil {
			t.Errorf("municipalities: %d items, total %d, next %v; want 98, 98, null", len(orgs.Items), orgs.Total, orgs.Next)
		}
		e.call("GET", "/api/v1/organizations?kind=municipality&limit=50", spoc, "", &orgs)
		if len(orgs.Items) != 50 || orgs.Next == nil {
			t.Fatalf("first page of 50: %d items, next %v", len(orgs.Items), orgs.Next)
		}
		e.call("GET", "/api/v1/organizations?kind=municipality&limit=50&cursor="+*orgs.Next, spoc, "", &orgs)
		if len(orgs.Items) != 48 || orgs.Next != nil {
			t.Errorf("second page: %d items, next %v; want 48, null", len(orgs.Items), orgs.Next)
		}
		var one org.Organization
		if r := e.call("GET", "/api/v1/organizations/461", spoc, "", &one); r.StatusCode != 200 || one.Name != "Odense Kommune" {
			t.Errorf("GET organizations/461 = %d %q", r.StatusCode, one.Name)
		}

		// Revoked and unknown tokens are refused at once.
		var toks struct {
			Items []access.Token `json:"items"`
		}
		e.call("GET", "/api/v1/tokens", spoc, "", &toks)
		if len(toks.Items) != 1 {
			t.Fatalf("demo-spoc has %d tokens; want 1", len(toks.Items))
		}
		if r := e.call("DELETE", "/api/v1/tokens/"+strconv.FormatInt(toks.Items[0].ID, 10), spoc, "", nil); r.StatusCode != 204 {
			t.Fatalf("DELETE token = %d", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/me", spoc, "", nil); r.StatusCode != 401 {
			t.Errorf("revoked token GET me = %d; want 401", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/me", "sdt_nonsense", "", nil); r.StatusCode != 401 {
			t.Errorf("unknown token = %d; want 401", r.StatusCode)
		}
	})
}

func TestAPIAdminAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.token("demo-admin")
		count := func() int {
			var p userPage
			e.call("GET", "/api/v1/users?limit=1", admin, "", &p)
			return p.Total
		}
		before := count()
		cases := []struct {
			name, method, path, body string
			status                   int
			field                    string
		}{
			{"invalid json", "POST", "/api/v1/users", `{"username": "x",`, 400, "body"},
			{"not json", "POST", "/api/v1/users", `hello`, 400, "body"},
			{"unknown field", "POST", "/api/v1/users", `{"username":"kim","org":"101","role":"spoc","password":"a good long password","admin":true}`, 400, "admin"},
			{"wrong type", "POST", "/api/v1/users", `{"username":42}`, 400, "username"},
			{"two objects", "POST", "/api/v1/users", `{"username":"a"}{"username":"b"}`, 400, "body"},
			{"bad org code", "POST", "/api/v1/users", `{"username":"kim","org":"999","role":"spoc","password":"a good long password"}`, 400, "org"},
			{"bad role", "POST", "/api/v1/users", `{"username":"kim","org":"101","role":"mayor","password":"a good long password"}`, 400, "role"},
			{"role not in kind", "POST", "/api/v1/users", `{"username":"kim","org":"101","role":"servicedesk","password":"a good long password"}`, 400, "role"},
			{"short password", "POST", "/api/v1/users", `{"username":"kim","org":"101","role":"spoc","password":"short"}`, 400, "password"},
			{"oversized", "POST", "/api/v1/users", `{"display_name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "body"},
			{"bad id", "GET", "/api/v1/users/abc", "", 400, "id"},
			{"negative id", "PATCH", "/api/v1/users/-1", `{}`, 400, "id"},
			{"bad limit", "GET", "/api/v1/users?limit=100000", "", 400, "limit"},
			{"bad kind", "GET", "/api/v1/organizations?kind=planet", "", 400, "kind"},
			{"bad cursor", "GET", "/api/v1/organizations?cursor=xyz", "", 400, "cursor"},
			{"unknown org", "GET", "/api/v1/organizations/nowhere", "", 404, ""},
			{"patch unknown field", "PATCH", "/api/v1/users/1", `{"rolle":"admin"}`, 400, "rolle"},
			{"token bad days", "POST", "/api/v1/tokens", `{"name":"x","expires_in_days":1000}`, 400, "expires_in_days"},
			{"no such endpoint", "GET", "/api/v1/nothing", "", 404, ""},
		}
		for _, c := range cases {
			var pr problem
			r := e.call(c.method, c.path, admin, c.body, &pr)
			if r.StatusCode != c.status || pr.Field != c.field || pr.Detail == "" || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %s %s = %d field %q detail %q (%s); want %d on field %q", c.name, c.method, c.path, r.StatusCode, pr.Field, pr.Detail, r.Header.Get("Content-Type"), c.status, c.field)
			}
		}
		if after := count(); after != before {
			t.Errorf("bad requests changed the user count from %d to %d", before, after)
		}

		// A good create, a role change, a disable; each visible in the audit trail.
		var u access.User
		r := e.call("POST", "/api/v1/users", admin, `{"username":"kim","display_name":"Kim","org":"101","role":"spoc","password":"a good long password"}`, &u)
		if r.StatusCode != 201 || u.ID == 0 || u.OrgSlug != "koebenhavn-kommune" {
			t.Fatalf("POST users = %d %+v", r.StatusCode, u)
		}
		if r := e.call("POST", "/api/v1/users", admin, `{"username":"kim","org":"101","role":"spoc","password":"a good long password"}`, nil); r.StatusCode != 409 {
			t.Errorf("duplicate POST users = %d; want 409", r.StatusCode)
		}
		id := strconv.FormatInt(u.ID, 10)
		if r := e.call("PATCH", "/api/v1/users/"+id, admin, `{"role":"kommune-it"}`, &u); r.StatusCode != 200 || u.Role != access.RoleKommuneIT {
			t.Errorf("PATCH role = %d %s", r.StatusCode, u.Role)
		}
		kim := e.token("kim")
		if r := e.call("GET", "/api/v1/me", kim, "", nil); r.StatusCode != 200 {
			t.Fatalf("kim GET me = %d", r.StatusCode)
		}
		if r := e.call("PATCH", "/api/v1/users/"+id, kim, `{"role":"admin"}`, nil); r.StatusCode != 403 {
			t.Errorf("non-admin PATCH = %d; want 403", r.StatusCode)
		}
		if r := e.call("PATCH", "/api/v1/users/"+id, admin, `{"disabled":true}`, &u); r.StatusCode != 200 || !u.Disabled {
			t.Errorf("PATCH disabled = %d %v", r.StatusCode, u.Disabled)
		}
		if r := e.call("GET", "/api/v1/me", kim, "", nil); r.StatusCode != 401 {
			t.Errorf("disabled user's token = %d; want 401 at once", r.StatusCode)
		}
		var recs struct {
			Items []struct {
				Action   string          `json:"action"`
				TargetID string          `json:"target_id"`
				Detail   json.RawMessage `json:"detail"`
			} `json:"items"`
		}
		e.call("GET", "/api/v1/audit?action=user.&limit=10", admin, "", &recs)
		var actions []string
		for _, rec := range recs.Items {
			if rec.TargetID == id {
				actions = append(actions, rec.Action)
			}
			if strings.Contains(string(rec.Detail), "a good long password") {
				t.Errorf("audit detail holds a password: %s", rec.Detail)
			}
		}
		if strings.Join(actions, ",") != "user.update,user.update,user.create" {
			t.Errorf("audit for kim = %v; want update, update, create", actions)
		}
		// The API token secret shows once on creation and never in lists.
		var nt struct {
			Token string       `json:"token"`
			Info  access.Token `json:"info"`
		}
		// (The administrator has no second factor yet, so it may not
		// issue tokens; the governance secretariat's role needs none.)
		var p problem
		if r := e.call("POST", "/api/v1/tokens", admin, `{"name":"grafana","expires_in_days":30}`, &p); r.StatusCode != 409 || !strings.Contains(p.Detail, "two-step") {
			t.Errorf("POST tokens by an administrator without a second factor = %d %+v; want 409", r.StatusCode, p)
		}
		gov := e.token("demo-governance")
		if r := e.call("POST", "/api/v1/tokens", gov, `{"name":"grafana","expires_in_days":30}`, &nt); r.StatusCode != 201 || !strings.HasPrefix(nt.Token, "sdt_") {
			t.Fatalf("POST tokens = %d %+v", r.StatusCode, nt)
		}
		list := e.call("GET", "/api/v1/tokens", gov, "", nil)
		if b, _ := io.ReadAll(list.Body); bytes.Contains(b, []byte(nt.Token)) {
			t.Errorf("token list shows the secret")
		}
	})
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t      *testing.T
	c      *http.Client
	base   string
	origin bool
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return m[1]
}

func (b *browser) login(user, pw string) *http.Response {
	b.t.Helper()
	_, page := b.get("/login")
	resp, _ := b.post("/login", url.Values{"csrf": {csrfOf(b.t, page)}, "username": {user}, "password": {pw}, "next": {"/"}})
	return resp
}

func TestLoginFormWithCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		// Unauthenticated pages send you to the login form.
		if r, _ := b.get("/users"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("GET /users logged out = %d %s; want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
		}
		r, page := b.get("/login")
		if r.StatusCode != 200 || !strings.Contains(page, `<html lang="da">`) || !strings.Contains(page, "Adgangskode") {
			t.Fatalf("login page = %d, want Danish form", r.StatusCode)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if r.Header.Get(h) == "" {
				t.Errorf("login page lacks %s", h)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(r.Header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("CSP = %q", r.Header.Get("Content-Security-Policy"))
		}
		// Without the CSRF token the login is refused.
		r, _ = b.post("/login", url.Values{"username": {"demo-spoc"}, "password": {e.Passwords["demo-spoc"]}})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("login without CSRF = %d; want 403", r.StatusCode)
		}
		// A wrong password re-shows the form with an error.
		r, page = b.post("/login", url.Values{"csrf": {csrfOf(t, page)}, "username": {"demo-spoc"}, "password": {"wrong password"}})
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "role=\"alert\"") {
			t.Errorf("wrong password = %d; want 401 with an alert", r.StatusCode)
		}
		r = b.login("demo-spoc", e.Passwords["demo-spoc"])
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("login = %d %s; want 303 to /", r.StatusCode, r.Header.Get("Location"))
		}
		for _, ck := range r.Cookies() {
			if ck.Name == "samdrift_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
				t.Errorf("session cookie %+v; want HttpOnly, SameSite=Lax", ck)
			}
		}
		r, page = b.get("/")
		if r.StatusCode != 200 || !strings.Contains(page, "Velkommen, Demo SPOC København") || !strings.Contains(page, "IT-enhed Hovedstaden") {
			t.Fatalf("start page = %d:\n%s", r.StatusCode, page)
		}
		// The session also works for the API.
		r, body := b.get("/api/v1/me")
		if r.StatusCode != 200 || !strings.Contains(body, `"auth":"session"`) {
			t.Errorf("GET /api/v1/me with session = %d %s", r.StatusCode, body)
		}
		// English on request.
		b.get("/lang/en?next=/")
		_, page = b.get("/")
		if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Welcome, Demo SPOC") {
			t.Errorf("English start page missing")
		}
		// The municipality user cannot see another municipality's user page.
		other := e.addUser("spoc-frb", "147", access.RoleSPOC)
		if r, _ := b.get("/users/" + strconv.FormatInt(other.ID, 10)); r.StatusCode != 404 {
			t.Errorf("GET other municipality's user page = %d; want 404", r.StatusCode)
		}
		if r, _ := b.get("/audit"); r.StatusCode != 403 {
			t.Errorf("spoc GET /audit = %d; want 403", r.StatusCode)
		}
		// Cross-origin form posts are refused even with a token.
		_, page = b.get("/account")
		req, _ := http.NewRequest("POST", e.url+"/account/tokens", strings.NewReader(url.Values{"csrf": {csrfOf(t, page)}, "name": {"x"}, "days": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r, _ := b.c.Do(req); r.StatusCode != 403 {
			t.Errorf("cross-site POST = %d; want 403", r.StatusCode)
		} else {
			body, _ := io.ReadAll(r.Body)
			_ = r.Body.Close()
			// The test browser chose English.
			if !strings.Contains(string(body), "cross-origin request refused") || !strings.Contains(string(body), `"code":"EFORBIDDEN"`) {
				t.Errorf("cross-site POST said %s; want the refusal as a problem in the page's language", body)
			}
		}
		// Logout ends the session.
		_, page = b.get("/")
		b.post("/logout", url.Values{"csrf": {csrfOf(t, page)}})
		if r, _ := b.get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("after logout GET / = %d; want redirect", r.StatusCode)
		}
	})
}

func TestTOTPEnforcedForAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		r := b.login("demo-admin", e.Passwords["demo-admin"])
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/totp/setup" {
			t.Fatalf("admin login = %d %s; want redirect to /totp/setup", r.StatusCode, r.Header.Get("Location"))
		}
		// Nothing else is reachable until the second factor is set up.
		if r, _ := b.get("/users"); r.Header.Get("Location") != "/totp/setup" {
			t.Errorf("GET /users before enrolment = %d %s; want /totp/setup", r.StatusCode, r.Header.Get("Location"))
		}
		if r, _ := b.get("/api/v1/users"); r.StatusCode != 401 {
			t.Errorf("API with pending session = %d; want 401", r.StatusCode)
		}
		r, page := b.get("/totp/setup")
		m := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
		if r.StatusCode != 200 || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
			t.Fatalf("setup page = %d without secret or QR", r.StatusCode)
		}
		code, _ := totp.GenerateCode(m[1], time.Now())
		r, _ = b.post("/totp/setup", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("confirm TOTP = %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r, page = b.get("/users")
		if r.StatusCode != 200 || !strings.Contains(page, "Opret bruger") {
			t.Fatalf("admin users page = %d", r.StatusCode)
		}
		// Create a user through the form.
		cph, _ := e.Orgs.Get(context.Background(), access.System("t"), "101")
		r, _ = b.post("/users", url.Values{"csrf": {csrfOf(t, page)}, "username": {"ny-spoc"}, "org": {strconv.FormatInt(cph.ID, 10)},
			"role": {"spoc"}, "password": {"a long password here"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create user by form = %d", r.StatusCode)
		}
		_, page = b.get(r.Header.Get("Location"))
		if !strings.Contains(page, "Brugeren er oprettet") {
			t.Errorf("no confirmation after creating a user")
		}
		if r, page := b.get("/audit"); r.StatusCode != 200 || !strings.Contains(page, "totp.enable") || !strings.Contains(page, "user.create") {
			t.Errorf("audit page = %d, want totp.enable and user.create", r.StatusCode)
		}
		// A second login asks for the code.
		b2 := newBrowser(t, e.url)
		if r := b2.login("demo-admin", e.Passwords["demo-admin"]); !strings.HasPrefix(r.Header.Get("Location"), "/totp") || r.Header.Get("Location") == "/totp/setup" {
			t.Errorf("second admin login = %s; want /totp", r.Header.Get("Location"))
		}
		_, page = b2.get("/totp")
		if r, _ := b2.post("/totp", url.Values{"csrf": {csrfOf(t, page)}, "code": {"123456"}}); r.StatusCode != 400 {
			t.Errorf("wrong TOTP = %d; want 400", r.StatusCode)
		}
		next, _ := totp.GenerateCode(m[1], time.Now().Add(30*time.Second))
		if r, _ := b2.post("/totp", url.Values{"csrf": {csrfOf(t, page)}, "code": {next}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("right TOTP = %d; want 303", r.StatusCode)
		}
		if r, _ := b2.get("/audit"); r.StatusCode != 200 {
			t.Errorf("audit after TOTP = %d", r.StatusCode)
		}
	})
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	db := storetest.SQLite(t)
	srv, err := web.New(context.Background(), webConfig(db, org.NewService(db), access.NewService(db, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(web.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q; want 3.1.0", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	registered := srv.APIRoutes()
	sort.Strings(documented)
	sort.Strings(registered)
	if strings.Join(documented, "\n") != strings.Join(registered, "\n") {
		t.Errorf("OpenAPI document and handlers differ.\ndocumented:\n%s\nregistered:\n%s", strings.Join(documented, "\n"), strings.Join(registered, "\n"))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		if r := e.call("GET", p, "", "", nil); r.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, r.StatusCode)
		}
	}
	e.call("GET", "/api/v1/users", "", "", nil) // a 401, counted
	r := e.call("GET", "/metrics", "", "", nil)
	body, _ := io.ReadAll(r.Body)
	for _, want := range []string{
		`samdrift_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`samdrift_http_requests_total{code="401",method="GET",route="/api/v1/users"} 1`,
		`samdrift_http_request_duration_seconds_bucket{method="GET",route="/readyz"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestMessagesComplete checks every text key the templates use exists.
func TestMessagesComplete(t *testing.T) {
	keyRE := regexp.MustCompile(`\.T "([a-z0-9.\-]+)"`)
	sub, _ := fs.Sub(web.TemplatesFS(), "templates")
	err := fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := fs.ReadFile(sub, path)
		for _, m := range keyRE.FindAllStringSubmatch(string(data), -1) {
			if web.English.T(m[1]) == m[1] || web.Danish.T(m[1]) == m[1] {
				t.Errorf("%s: message %q is missing", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range access.Roles() {
		if web.Danish.T("role."+string(r)) == "role."+string(r) {
			t.Errorf("no name for role %s", r)
		}
	}
}

func TestAPIOrganizationAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin, gov := e.token("demo-admin"), e.token("demo-governance")
		var o org.Organization
		if r := e.call("POST", "/api/v1/organizations", gov, `{"kind":"unit","name":"IT-enhed Vest"}`, nil); r.StatusCode != 403 {
			t.Errorf("governance POST organizations = %d; want 403 (read-only)", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/organizations", admin, `{"kind":"unit","name":"IT-enhed Vest","region":"Region Midtjylland"}`, &o); r.StatusCode != 201 || o.Slug != "it-enhed-vest" {
			t.Fatalf("POST organizations = %d %+v", r.StatusCode, o)
		}
		var pr problem
		if r := e.call("PUT", "/api/v1/organizations/it-enhed-vest/owners", admin, `{"municipalities":["751","12"]}`, &pr); r.StatusCode != 400 || pr.Field != "owners[1]" {
			t.Errorf("PUT owners with a bad code = %d %+v; want 400 on owners[1]", r.StatusCode, pr)
		}
		if r := e.call("PUT", "/api/v1/organizations/it-enhed-vest/owners", admin, `{"municipalities":["751","657"]}`, &o); r.StatusCode != 200 || len(o.Owners) != 2 {
			t.Errorf("PUT owners = %d, %d owners", r.StatusCode, len(o.Owners))
		}
		if r := e.call("PUT", "/api/v1/organizations/751/supplier", admin, `{"unit":"101"}`, &pr); r.StatusCode != 400 || pr.Field != "unit" {
			t.Errorf("PUT supplier to a municipality = %d %+v; want 400 on unit", r.StatusCode, pr)
		}
		if r := e.call("PUT", "/api/v1/organizations/751/supplier", admin, `{"unit":"it-enhed-vest"}`, &o); r.StatusCode != 200 || o.Supplier == nil || o.Supplier.Slug != "it-enhed-vest" {
			t.Errorf("PUT supplier = %d %+v", r.StatusCode, o.Supplier)
		}
		// Aarhus (751) moved: the new unit now reaches its users, the old one no longer.
		e.addUser("spoc-aarhus", "751", access.RoleSPOC)
		e.addUser("desk-vest", "it-enhed-vest", access.RoleServiceDesk)
		e.addUser("desk-midt", "enhed-midtjylland", access.RoleServiceDesk)
		seen := func(who string) map[string]bool {
			var p userPage
			e.call("GET", "/api/v1/users?limit=500", e.token(who), "", &p)
			m := map[string]bool{}
			for _, u := range p.Items {
				m[u.Username] = true
			}
			return m
		}
		if !seen("desk-vest")["spoc-aarhus"] || seen("desk-midt")["spoc-aarhus"] {
			t.Errorf("after the supplier change, reach did not follow")
		}
	})
}

func TestSecureCookiesUnderTLS(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	orgs, acc := org.NewService(db), access.NewService(db, access.DefaultMFARoles())
	made, err := demo.Load(ctx, orgs, acc, nil)
	if err != nil {
		t.Fatal(err)
	}
	pw := map[string]string{}
	for _, m := range made {
		pw[m.Username] = m.Password
	}
	cfg := webConfig(db, orgs, acc)
	cfg.SecureCookies = true
	srv, err := web.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv.Handler())
	defer hs.Close()
	b := newBrowser(t, hs.URL)
	b.c.Transport = hs.Client().Transport
	r := b.login("demo-spoc", pw["demo-spoc"])
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login over TLS = %d", r.StatusCode)
	}
	var found bool
	for _, ck := range r.Cookies() {
		if ck.Name == "__Host-samdrift_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v; want Secure, HttpOnly, Path=/, SameSite=Lax", ck)
			}
		}
	}
	if !found {
		t.Errorf("no __Host-samdrift_session cookie under TLS; got %v", r.Cookies())
	}
	if resp, _ := b.get("/"); resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("start page over TLS = %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
}

func TestStartPagePerRole(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	for _, c := range []struct {
		user string
		want []string
		not  []string
	}{
		{"demo-spoc", []string{"IT-enhed Hovedstaden", "Demo kommune-IT København"}, []string{"5 enheder"}},
		{"demo-servicedesk", []string{"Leverer basisydelser til (29)", "Frederiksberg Kommune"}, []string{"5 enheder"}},
		{"demo-governance", []string{"5 enheder og 98 kommuner", "IT-enhed Syddanmark", `id="fg-sla"`, "Administration"}, []string{`id="h-admin"`}},
	} {
		b := newBrowser(t, e.url)
		if r := b.login(c.user, e.Passwords[c.user]); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: login = %d", c.user, r.StatusCode)
		}
		_, page := b.get("/")
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s start page lacks %q", c.user, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(page, n) {
				t.Errorf("%s start page shows %q", c.user, n)
			}
		}
	}
}

// enrolTOTP completes a first login's TOTP set-up in b and returns the secret.
func enrolTOTP(t *testing.T, b *browser) string {
	t.Helper()
	_, page := b.get("/totp/setup")
	m := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no TOTP secret on the set-up page")
	}
	code, _ := totp.GenerateCode(m[1], time.Now())
	if r, _ := b.post("/totp/setup", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("TOTP set-up = %d", r.StatusCode)
	}
	return m[1]
}

func TestUIUserAdminAndPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		kim := e.addUser("kim", "101", access.RoleSPOC)
		id := strconv.FormatInt(kim.ID, 10)

		// Kim has two sessions.
		k1, k2 := newBrowser(t, e.url), newBrowser(t, e.url)
		k1.login("kim", e.Passwords["kim"])
		k2.login("kim", e.Passwords["kim"])
		_, page := k1.get("/account")
		// A wrong current password is refused with a message on the field.
		r, page := k1.post("/account/password", url.Values{"csrf": {csrfOf(t, page)}, "current_password": {"nope"}, "password": {"a brand new password"}})
		if r.StatusCode != 400 || !strings.Contains(page, "current_password") {
			t.Errorf("wrong current password = %d", r.StatusCode)
		}
		r, _ = k1.post("/account/password", url.Values{"csrf": {csrfOf(t, page)}, "current_password": {e.Passwords["kim"]}, "password": {"a brand new password"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password = %d", r.StatusCode)
		}
		if r, _ := k1.get("/account"); r.StatusCode != 200 {
			t.Errorf("the session that changed the password was ended (%d)", r.StatusCode)
		}
		if r, _ := k2.get("/account"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("kim's other session survived the password change (%d)", r.StatusCode)
		}
		if r := newBrowser(t, e.url).login("kim", "a brand new password"); r.Header.Get("Location") != "/" {
			t.Errorf("login with the new password = %d %s", r.StatusCode, r.Header.Get("Location"))
		}

		// Kim creates an API token in the UI; it is shown once.
		_, page = k1.get("/account")
		r, page = k1.post("/account/tokens", url.Values{"csrf": {csrfOf(t, page)}, "name": {"script"}, "days": {"7"}})
		tok := regexp.MustCompile(`<code class="secret">(sdt_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(page)
		if r.StatusCode != 201 || tok == nil {
			t.Fatalf("create token in UI = %d", r.StatusCode)
		}
		if resp := e.call("GET", "/api/v1/me", tok[1], "", nil); resp.StatusCode != 200 {
			t.Errorf("UI-made token GET me = %d", resp.StatusCode)
		}
		if _, page := k1.get("/account"); strings.Contains(page, tok[1]) {
			t.Errorf("the token is shown again on the account page")
		}

		// An administrator changes Kim's role and disables the account by form.
		a := newBrowser(t, e.url)
		a.login("demo-admin", e.Passwords["demo-admin"])
		enrolTOTP(t, a)
		_, page = a.get("/users/" + id)
		r, _ = a.post("/users/"+id, url.Values{"csrf": {csrfOf(t, page)}, "role": {"kommune-it"}, "display_name": {"Kim K"}, "email": {"kim@kk.dk"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update user by form = %d", r.StatusCode)
		}
		u, _ := e.Access.GetUser(context.Background(), access.System("t"), kim.ID)
		if u.Role != access.RoleKommuneIT || u.Email != "kim@kk.dk" || u.Disabled {
			t.Errorf("after form update: %+v", u)
		}
		_, page = a.get("/users/" + id)
		a.post("/users/"+id, url.Values{"csrf": {csrfOf(t, page)}, "role": {"kommune-it"}, "disabled": {"1"}})
		if r, _ := k1.get("/account"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("disabled user's session still works (%d)", r.StatusCode)
		}
		if resp := e.call("GET", "/api/v1/me", tok[1], "", nil); resp.StatusCode != 401 {
			t.Errorf("disabled user's token = %d; want 401", resp.StatusCode)
		}
		// A non-admin posting the admin form is refused.
		s := newBrowser(t, e.url)
		s.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page = s.get("/")
		if r, _ := s.post("/users/"+id, url.Values{"csrf": {csrfOf(t, page)}, "role": {"spoc"}}); r.StatusCode != 403 {
			t.Errorf("spoc posting the user form = %d; want 403", r.StatusCode)
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// regexpFind returns the first submatch of expr in s ("" when none).
func regexpFind(s, expr string) string {
	if m := regexp.MustCompile(expr).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// TestNotReady: /readyz says in the caller's language that the database
// does not answer, as a problem a load balancer and a person both read.
func TestNotReady(t *testing.T) {
	db := storetest.SQLite(t)
	e := start(t, db)
	_ = db.Close()
	for lang, want := range map[string]string{"": "Databasen svarer ikke", "en": "The database does not answer"} {
		var p problem
		r := e.callWith("GET", "/readyz", "", "", map[string]string{"Accept-Language": lang}, &p)
		if r.StatusCode != 503 || !strings.Contains(p.Detail, want) || p.Code != "EINTERNAL" {
			t.Errorf("Accept-Language %q: /readyz = %d %+v; want 503 with %q", lang, r.StatusCode, p, want)
		}
	}
}

// TestCrossOriginRefusalInDanish: a cross-site request is refused with a
// problem in Danish unless English was chosen.
func TestCrossOriginRefusalInDanish(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	req, _ := http.NewRequest("POST", e.url+"/api/v1/tickets", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var p problem
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 403 || !strings.Contains(p.Detail, "forespørgsel fra et andet websted afvist") || r.Header.Get("Content-Language") != "da" {
		t.Errorf("cross-site POST = %d %+v (%s); want 403 in Danish", r.StatusCode, p, r.Header.Get("Content-Language"))
	}
}
