package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"image/png"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/federation"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// parseTemplates parses every page once, each with the layout and shared
// partials.
func parseTemplates() (map[string]*template.Template, error) {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html", "templates/pager.html", "templates/linechart.html", "templates/triage.html", "templates/figures.html"}
	pages := map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" || name == "pager" || name == "linechart" || name == "triage" || name == "figures" {
			continue
		}
		t, err := template.ParseFS(templateFS, append(shared, "templates/"+e.Name())...)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page template gets.
type view struct {
	Lang    Lang
	Title   string
	Section string
	User    *access.User
	Scope   access.Scope
	CSRF    string
	Path    string
	Flash   string
	Err     *Problem
	// Refresh sends the browser on to this URL at once (after logout, to
	// the identity provider's single logout).
	Refresh        string
	Version        string
	CanAudit       bool
	CanManageUsers bool
	HasSession     bool // logged in, perhaps still before the second factor
	Data           any
	// Nav is the caller's menu: the groups of sections their role works in.
	Nav []navGroup
}

// T translates key into the page's language.
func (v view) T(key string, args ...any) string { return v.Lang.T(key, args...) }

// RoleName is a role's name in the page's language.
func (v view) RoleName(r access.Role) string { return v.Lang.T("role." + string(r)) }

// KindName is an organisation kind's name in the page's language.
func (v view) KindName(k org.Kind) string { return v.Lang.T("kind." + string(k)) }

var copenhagen = locale.Copenhagen

// Time shows t in Danish local time, the page's way: "5. dec. 2026 22:07"
// (package locale; the zero time is "").
func (v view) Time(t time.Time) string {
	return locale.DateTime(string(v.Lang), t)
}

// change is one field of an audit record's detail.
type change struct {
	Key, Before, After string
	Changed            bool
}

// Changes turns an audit detail ({"before": {...}, "after": {...}}) into
// one line per field, so that a reader sees what changed without reading
// JSON.
func (v view) Changes(detail json.RawMessage) []change {
	var d struct {
		Before map[string]json.RawMessage `json:"before"`
		After  map[string]json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal(detail, &d); err != nil {
		return []change{{Key: "detail", After: string(detail)}}
	}
	keys := map[string]bool{}
	for k := range d.Before {
		keys[k] = true
	}
	for k := range d.After {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	show := func(raw json.RawMessage) string {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			return str
		}
		return string(raw)
	}
	out := make([]change, 0, len(sorted))
	for _, k := range sorted {
		c := change{Key: k, Before: show(d.Before[k]), After: show(d.After[k])}
		c.Changed = d.Before != nil && c.Before != c.After
		out = append(out, c)
	}
	return out
}

// Greeting is the name to greet the user by.
func (v view) Greeting() string {
	if v.User == nil {
		return ""
	}
	if v.User.DisplayName != "" {
		return v.User.DisplayName
	}
	return v.User.Username
}

// flashKeys are the messages a redirect may ask a page to show (?msg=…);
// anything else in msg is ignored, so links cannot inject text, and a key
// shows only on the pages flashShows allows, so a link cannot confirm one
// thing on another's page (/needs/1?msg=orders.placed). The ticket page
// builds its confirmations itself (ticketFlash).
var flashKeys = map[string]bool{"users.created": true, "users.saved": true, "users.totpreset": true, "account.changed": true,
	"offerings.created": true, "orders.placed": true, "orders.moved": true, "transition.saved": true, "coverage.saved": true,
	"alerts.saved": true, "cases.created": true, "cases.saved": true, "oncall.saved": true, "vulns.saved": true, "advisories.published": true, "advisories.imported": true,
	"intel.feedadded": true, "intel.pollednote": true, "standards.created": true, "standards.saved": true, "standards.acked": true}

// flashPages are the pages each key of flashKeys is shown on: where the
// redirect that sets it goes. A path ending in "/" means the pages under
// it (/users/ is /users/12, not the list); any other path means itself and
// the pages under it.
var flashPages = map[string]string{"users.created": "/users/", "users.saved": "/users/", "users.totpreset": "/users/", "account.changed": "/account",
	"offerings.created": "/offerings", "orders.placed": "/orders/", "orders.moved": "/orders/", "transition.saved": "/transition/", "coverage.saved": "/coverage",
	"alerts.saved": "/alerts/", "cases.created": "/cases/", "cases.saved": "/cases/", "oncall.saved": "/oncall", "vulns.saved": "/vulnerabilities",
	"advisories.published": "/advisories/", "advisories.imported": "/advisories", "intel.feedadded": "/intel", "intel.pollednote": "/intel",
	"standards.created": "/standards/", "standards.saved": "/standards/", "standards.acked": "/standards/"}

// flashShows reports whether message key may show on the page at path: a
// key of flashKeys, on its page in flashPages — or, for a key registered
// without one (the needs pages add theirs to flashKeys), under "/" and the
// key's first part (needs.done.voted: /needs and /needs/7).
func flashShows(key, path string) bool {
	if !flashKeys[key] {
		return false
	}
	page, ok := flashPages[key]
	if !ok {
		area, _, _ := strings.Cut(key, ".")
		page = "/" + area
	}
	if strings.HasSuffix(page, "/") {
		return len(path) > len(page) && strings.HasPrefix(path, page)
	}
	return path == page || strings.HasPrefix(path, page+"/")
}

// pager is the data of the "pager" partial.
type pager struct {
	Prev, Next           string
	PrevLabel, NextLabel string
}

func (s *Server) newView(r *http.Request, section, titleKey string) view {
	c := callerOf(r)
	l := langOf(r)
	v := view{Lang: l, Title: l.T(titleKey), Section: section, Path: r.URL.Path, Version: s.cfg.Version, Scope: c.scope}
	if r.URL.RawQuery != "" {
		v.Path = r.URL.Path + "?" + r.URL.RawQuery
	}
	// Path goes into the language switch's ?next= as it is: html/template
	// escapes it for the query there (escaping it here too sent the
	// switch to the front page).
	if c.scope.UserID != 0 {
		u := c.user
		v.User = &u
		v.CanAudit = c.scope.Can(access.ReadAudit)
		v.CanManageUsers = c.scope.Can(access.ManageUsers)
		v.Nav = navFor(c.scope, section)
	}
	if c.sessionToken != "" {
		v.CSRF = s.csrfToken("s:" + c.sessionToken)
		v.HasSession = true
	}
	if m := r.URL.Query().Get("msg"); flashShows(m, r.URL.Path) {
		v.Flash = l.T(m)
	}
	return v
}

// render writes page name with v, status first.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("cannot render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// uiError shows err as a page: the login form for an unauthenticated
// caller, else the error page with the problem's detail.
func (s *Server) uiError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(r, err)
	if p.Status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	v := s.newView(r, "", "error.title")
	v.Err = &p
	s.render(w, r, p.Status, "error", v)
}

// page registers a UI route that needs a fully logged-in caller; a caller
// with a pending second factor is sent to finish it first.
func (s *Server) page(pattern string, h func(http.ResponseWriter, *http.Request, *caller) error) {
	s.pageWith(pattern, 64<<10, h)
}

// pageWith is page with a larger bound on a POST body (file uploads).
func (s *Server) pageWith(pattern string, maxBody int64, h func(http.ResponseWriter, *http.Request, *caller) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		if c.session != nil && c.session.MFAPending {
			if c.session.NeedEnrol {
				http.Redirect(w, r, "/totp/setup", http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/totp", http.StatusSeeOther)
			}
			return
		}
		if !c.authenticated() || c.session == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := s.checkCSRF(r); err != nil {
				s.uiError(w, r, err)
				return
			}
		}
		if err := h(w, r, c); err != nil {
			s.uiError(w, r, err)
		}
	})
}

func (s *Server) uiRoutes() {
	s.mux.HandleFunc("GET /login", s.loginForm)
	s.mux.HandleFunc("POST /login", s.loginSubmit)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.federationRoutes()
	s.mux.HandleFunc("GET /totp", s.totpForm)
	s.mux.HandleFunc("POST /totp", s.totpSubmit)
	s.mux.HandleFunc("GET /totp/setup", s.totpSetupForm)
	s.mux.HandleFunc("POST /totp/setup", s.totpSetupSubmit)
	s.mux.HandleFunc("GET /lang/{lang}", s.setLang)
	s.page("GET /{$}", s.home)
	s.page("POST /account/notifications", s.accountNotifications)
	s.page("GET /organizations", s.orgsPage)
	s.page("GET /organizations.csv", s.orgsCSV)
	s.page("GET /organizations/{ref}", s.orgPage)
	s.page("GET /my-organization", s.myOrgPage)
	s.page("GET /users", s.usersPage)
	s.page("GET /users.csv", s.usersCSV)
	s.page("POST /users", s.usersCreate)
	s.page("GET /users/{id}", s.userPage)
	s.page("POST /users/{id}", s.userUpdate)
	s.page("POST /users/{id}/reset-totp", s.userResetTOTP)
	s.page("GET /audit", s.auditPage)
	s.page("GET /audit.csv", s.auditCSV)
	s.catalogRoutes()
	s.orderRoutes()
	s.eventRoutes()
	s.loggingRoutes()
	s.page("GET /account", s.accountPage)
	s.page("POST /account/password", s.accountPassword)
	s.page("POST /account/tokens", s.accountCreateToken)
	s.page("POST /account/tokens/{id}/revoke", s.accountRevokeToken)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.uiError(w, r, errs.E(errs.NotFound, "no page at %s", r.URL.Path))
	})
}

// safeNext returns next when it is a path on this site, else "/": login
// and the language switch must not redirect to another site. Browsers read
// a Location leniently (WHATWG URL): they drop tabs and newlines anywhere,
// trim control characters and spaces at the ends, and take a backslash for
// a slash, so "/\t/evil.example" and "/\\evil.example" lead to
// //evil.example. A next with any of those characters is refused outright;
// what is left must be an absolute path with no scheme, host or user.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := Lang(r.PathValue("lang"))
	if l != Danish && l != English {
		l = Danish
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, HttpOnly: true})
	next := r.URL.Query().Get("next")
	// Pages rendered before the switch's link was fixed escaped next
	// twice; such a link arrives still escaped once.
	if strings.HasPrefix(strings.ToUpper(next), "%2F") {
		if un, err := url.QueryUnescape(next); err == nil {
			next = un
		}
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

type loginData struct {
	Username string
	Next     string
	// Providers are the identity providers people may log in through.
	Providers []federation.Info
}

// preSession returns the pre-session cookie value that binds the login
// form's CSRF token, setting a new one when missing.
func (s *Server) preSession(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(s.preCookieName()); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	v, _ := access.NewOpaqueID()
	s.setCookie(w, s.preCookieName(), v, 2*time.Hour)
	return v
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if c := callerOf(r); c.authenticated() && c.session != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	pre := s.preSession(w, r)
	v := s.newView(r, "", "login.title")
	v.User = nil
	v.CSRF = s.csrfToken("p:" + pre)
	v.Data = loginData{Next: safeNext(r.URL.Query().Get("next")), Providers: s.cfg.Federation.Providers()}
	s.render(w, r, http.StatusOK, "login", v)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	pre := s.preSession(w, r)
	v := s.newView(r, "", "login.title")
	v.User = nil
	v.CSRF = s.csrfToken("p:" + pre)
	data := loginData{Username: r.PostFormValue("username"), Next: safeNext(r.PostFormValue("next")), Providers: s.cfg.Federation.Providers()}
	v.Data = data
	if err := s.checkCSRF(r); err != nil {
		p := s.problemFor(r, err)
		v.Err = &p
		s.render(w, r, http.StatusForbidden, "login", v)
		return
	}
	res, err := s.acc.Login(r.Context(), access.Credentials{Username: data.Username, Password: r.PostFormValue("password"),
		RemoteAddr: remoteAddr(r), UserAgent: r.UserAgent()})
	if err != nil {
		p := s.problemFor(r, err)
		v.Err = &p
		s.render(w, r, p.Status, "login", v)
		return
	}
	s.setCookie(w, s.sessionCookieName(), res.SessionToken, s.acc.MaxSessionAge)
	switch {
	case res.NeedEnrol:
		http.Redirect(w, r, "/totp/setup", http.StatusSeeOther)
	case res.NeedMFA:
		http.Redirect(w, r, "/totp?next="+url.QueryEscape(data.Next), http.StatusSeeOther)
	default:
		http.Redirect(w, r, data.Next, http.StatusSeeOther)
	}
}

// logout ends the session; when an identity provider opened it and
// offers single logout, the browser goes on to end the provider's session
// too (samdrift's has ended either way).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	if c.sessionToken != "" {
		if err := s.checkCSRF(r); err != nil {
			s.uiError(w, r, err)
			return
		}
		u, name, err := s.cfg.Federation.LogoutURL(r.Context(), c.sessionToken)
		if err != nil {
			s.log.Warn("single logout", "err", err)
		}
		if err := s.acc.Logout(r.Context(), c.scope, c.sessionToken); err != nil {
			s.uiError(w, r, err)
			return
		}
		if u != "" {
			// A page, not a redirect: the form's CSP (form-action 'self')
			// would stop a redirect to the provider after a POST.
			s.setCookie(w, s.sessionCookieName(), "", -time.Second)
			v := s.newView(r, "", "logout.idp.title")
			v.User = nil
			v.Refresh = u
			v.Data = struct{ URL, Name string }{u, name}
			s.render(w, r, http.StatusOK, "logout_idp", v)
			return
		}
	}
	s.setCookie(w, s.sessionCookieName(), "", -time.Second)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// pendingSession returns the caller's session when it waits for a second
// factor; otherwise it redirects and returns nil.
func (s *Server) pendingSession(w http.ResponseWriter, r *http.Request, allowDone bool) *caller {
	c := callerOf(r)
	if c.session == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	if !c.session.MFAPending && !allowDone {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return c
}

func (s *Server) totpForm(w http.ResponseWriter, r *http.Request) {
	c := s.pendingSession(w, r, false)
	if c == nil {
		return
	}
	if c.session.NeedEnrol {
		http.Redirect(w, r, "/totp/setup", http.StatusSeeOther)
		return
	}
	v := s.newView(r, "", "totp.title")
	v.User = nil
	s.render(w, r, http.StatusOK, "totp", v)
}

func (s *Server) totpSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c := s.pendingSession(w, r, false)
	if c == nil {
		return
	}
	v := s.newView(r, "", "totp.title")
	v.User = nil
	err := s.checkCSRF(r)
	if err == nil {
		err = s.acc.VerifyTOTP(r.Context(), c.sessionToken, r.PostFormValue("code"), remoteAddr(r))
	}
	if err != nil {
		p := s.problemFor(r, err)
		v.Err = &p
		s.render(w, r, p.Status, "totp", v)
		return
	}
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

type totpSetupData struct {
	Secret string
	QR     template.URL
}

func (s *Server) totpSetupForm(w http.ResponseWriter, r *http.Request) {
	c := s.pendingSession(w, r, true)
	if c == nil {
		return
	}
	if c.session.MFAPending && !c.session.NeedEnrol {
		http.Redirect(w, r, "/totp", http.StatusSeeOther)
		return
	}
	s.renderTOTPSetup(w, r, c, nil)
}

func (s *Server) renderTOTPSetup(w http.ResponseWriter, r *http.Request, c *caller, problem *Problem) {
	enr, err := s.acc.BeginTOTP(r.Context(), c.scope)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	img, err := enr.Key.Image(200, 200)
	if err != nil {
		s.uiError(w, r, errs.Wrap(err, "cannot draw QR code"))
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		s.uiError(w, r, errs.Wrap(err, "cannot draw QR code"))
		return
	}
	v := s.newView(r, "account", "totp.setup.title")
	if c.session.MFAPending {
		v.User = nil
	}
	v.CSRF = s.csrfToken("s:" + c.sessionToken)
	v.Err = problem
	v.Data = totpSetupData{Secret: enr.Secret, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))}
	status := http.StatusOK
	if problem != nil {
		status = problem.Status
	}
	s.render(w, r, status, "totp_setup", v)
}

func (s *Server) totpSetupSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c := s.pendingSession(w, r, true)
	if c == nil {
		return
	}
	if err := s.checkCSRF(r); err != nil {
		s.uiError(w, r, err)
		return
	}
	if err := s.acc.ConfirmTOTP(r.Context(), c.scope, c.sessionToken, r.PostFormValue("code")); err != nil {
		// A wrong code: show a new secret (the pending one is replaced), with the error.
		p := s.problemFor(r, err)
		s.renderTOTPSetup(w, r, c, &p)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// homeData is the start page: what the caller's role needs first.
type homeData struct {
	Org   org.Organization
	Reach string
	// Colleagues: the users of a municipality's own organisation.
	Colleagues []access.User
	// Units: for governance, admin and the SOC/CERT, every unit with its
	// owners and supplied municipalities.
	Units        []org.Organization
	Municipality int // how many municipalities exist
	// Overview is the figures of the user's work.
	Overview Overview
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	o, err := s.orgs.Get(ctx, c.scope, strconv.FormatInt(c.scope.OrgID, 10))
	if err != nil {
		return err
	}
	d := homeData{Org: o, Reach: reachName(c.scope.Reach)}
	if d.Overview, err = s.overview(ctx, c.scope); err != nil {
		return err
	}
	if o.Kind == org.KindMunicipality {
		if d.Colleagues, _, err = s.acc.ListUsers(ctx, c.scope, access.UserFilter{OrgID: o.ID, Limit: 50}); err != nil {
			return err
		}
	}
	if c.scope.Reach == access.ReachAll || o.Kind == org.KindSOC {
		units, _, err := s.orgs.List(ctx, c.scope, org.Filter{Kind: org.KindUnit, Limit: 100})
		if err != nil {
			return err
		}
		for _, u := range units {
			full, err := s.orgs.Get(ctx, c.scope, u.Slug)
			if err != nil {
				return err
			}
			d.Units = append(d.Units, full)
		}
		if _, d.Municipality, err = s.orgs.List(ctx, c.scope, org.Filter{Kind: org.KindMunicipality, Limit: 1}); err != nil {
			return err
		}
	}
	v := s.newView(r, "home", "home.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}

type orgsData struct {
	Kind  string
	Kinds []org.Kind
	Query string
	Items []org.Organization
	Total int
	Pager pager
}

// uiPaging reads the page offset of a UI list.
func uiPaging(r *http.Request) int {
	off, err := strconv.Atoi(r.URL.Query().Get("cursor"))
	if err != nil || off < 0 {
		return 0
	}
	return off
}

func (s *Server) pagerFor(r *http.Request, l Lang, offset, limit, total int) pager {
	p := pager{PrevLabel: l.T("page.prev"), NextLabel: l.T("page.next")}
	q := r.URL.Query()
	if offset > 0 {
		q.Set("cursor", strconv.Itoa(max(0, offset-limit)))
		p.Prev = r.URL.Path + "?" + q.Encode()
	}
	if offset+limit < total {
		q.Set("cursor", strconv.Itoa(offset+limit))
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	return p
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	const limit = 100
	q := r.URL.Query()
	off := uiPaging(r)
	d := orgsData{Kind: q.Get("kind"), Kinds: org.Kinds(), Query: q.Get("q")}
	var err error
	d.Items, d.Total, err = s.orgs.List(r.Context(), c.scope, org.Filter{Kind: org.Kind(d.Kind), Query: d.Query, Limit: limit, Offset: off})
	if err != nil {
		return err
	}
	v := s.newView(r, "orgs", "orgs.title")
	d.Pager = s.pagerFor(r, v.Lang, off, limit, d.Total)
	v.Data = d
	s.render(w, r, http.StatusOK, "orgs", v)
	return nil
}

type orgData struct {
	Org   org.Organization
	Users []access.User
	// Overview is what the caller may see of the organisation's operation
	// and security; nil for an organisation out of their reach.
	Overview *OrgOverview
	// Names are the catalog's services and levels by key, in the page's
	// language.
	Names map[string]string
}

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	users, _, err := s.acc.ListUsers(r.Context(), c.scope, access.UserFilter{OrgID: o.ID, Limit: 200})
	if err != nil {
		return err
	}
	section := "orgs"
	if o.ID == c.scope.OrgID && o.Kind == org.KindMunicipality {
		section = "myorg"
	}
	d := orgData{Org: o, Users: users}
	if ov, err := s.orgOverview(r.Context(), c.scope, strconv.FormatInt(o.ID, 10)); err == nil {
		d.Overview = &ov
		if len(ov.Subscriptions) > 0 || len(ov.Transition) > 0 {
			if d.Names, _, err = s.serviceNames(r, c); err != nil && errs.CodeOf(err) != errs.NotFound {
				return err
			}
		}
	} else if errs.CodeOf(err) != errs.NotFound {
		return err
	}
	v := s.newView(r, section, "orgs.title")
	v.Title = o.Name
	v.Data = d
	s.render(w, r, http.StatusOK, "org", v)
	return nil
}

type userForm struct {
	Username, DisplayName, Email string
	OrgID                        int64
	Role                         access.Role
}

type usersData struct {
	Query string
	Sort  string // the list's order as ?sort= names it ("" by username)
	Items []access.User
	Total int
	Pager pager
	Cols  map[string]sortColumn
	Orgs  []org.Organization
	Roles []access.Role
	Form  userForm
}

// userColumns are the sortable headers of the user list.
var userColumns = []column{
	{access.UserSortUsername, "col.username"}, {access.UserSortName, "users.displayname"}, {access.UserSortOrg, "col.org"},
	{access.UserSortRole, "col.role"}, {access.UserSortStatus, "col.status"},
}

// listQuery is a list page's query without its place in the paging and
// its flash message: what its sortable headers carry on.
func listQuery(r *http.Request) url.Values {
	q := r.URL.Query()
	for _, k := range []string{"cursor", "before", "msg"} {
		q.Del(k)
	}
	return q
}

// usersFilter reads the user list's search (?q=) and order (?sort=) as
// the page and its CSV export use them.
func usersFilter(r *http.Request) (access.UserFilter, error) {
	q := r.URL.Query()
	f := access.UserFilter{Query: q.Get("q")}
	var err error
	f.Sort, err = access.ParseUserSort("sort", q.Get("sort"))
	return f, err
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderUsers(w, r, c, http.StatusOK, userForm{}, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, c *caller, status int, form userForm, problem *Problem) error {
	const limit = 100
	off := uiPaging(r)
	f, err := usersFilter(r)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, off
	d := usersData{Query: f.Query, Sort: f.Sort.String(), Roles: access.Roles(), Form: form}
	if d.Items, d.Total, err = s.acc.ListUsers(r.Context(), c.scope, f); err != nil {
		return err
	}
	if c.scope.Can(access.ManageUsers) {
		if d.Orgs, _, err = s.orgs.List(r.Context(), c.scope, org.Filter{Limit: 500}); err != nil {
			return err
		}
	}
	v := s.newView(r, "users", "users.title")
	v.Err = problem
	d.Cols = sortHeaders(v, "/users", listQuery(r), f.Sort, userColumns...)
	d.Pager = s.pagerFor(r, v.Lang, off, limit, d.Total)
	v.Data = d
	s.render(w, r, status, "users", v)
	return nil
}

func (s *Server) usersCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	orgID, _ := strconv.ParseInt(r.PostFormValue("org"), 10, 64)
	form := userForm{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Email: r.PostFormValue("email"), OrgID: orgID, Role: access.Role(r.PostFormValue("role"))}
	u, err := s.acc.CreateUser(r.Context(), c.scope, access.NewUser{Username: form.Username, DisplayName: form.DisplayName,
		Email: form.Email, OrgID: orgID, Role: form.Role, Password: r.PostFormValue("password")})
	if err != nil {
		if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.NotFound {
			p := s.problemFor(r, err)
			return s.renderUsers(w, r, c, p.Status, form, &p)
		}
		return err
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10)+"?msg=users.created", http.StatusSeeOther)
	return nil
}

type userData struct {
	U     access.User
	Roles []access.Role
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.acc.GetUser(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	v := s.newView(r, "users", "users.title")
	v.Title = u.Username
	v.Data = userData{U: u, Roles: access.Roles()}
	s.render(w, r, http.StatusOK, "user", v)
	return nil
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	role, err := access.ParseRole("role", r.PostFormValue("role"))
	if err != nil {
		return err
	}
	disabled := r.PostFormValue("disabled") == "1"
	name, email := r.PostFormValue("display_name"), r.PostFormValue("email")
	if _, err := s.acc.UpdateUser(r.Context(), c.scope, id, access.UserChange{Role: &role, Disabled: &disabled, DisplayName: &name, Email: &email}); err != nil {
		return err
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?msg=users.saved", http.StatusSeeOther)
	return nil
}

func (s *Server) userResetTOTP(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.acc.ResetTOTP(r.Context(), c.scope, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?msg=users.totpreset", http.StatusSeeOther)
	return nil
}

type auditData struct {
	Action string
	Actor  string
	Sort   string // the list's order as ?sort= names it ("" newest first)
	Items  []audit.Record
	Total  int
	Pager  pager
	Cols   map[string]sortColumn
}

// auditColumns are the sortable headers of the audit trail.
var auditColumns = []column{{audit.SortTime, "col.time"}, {audit.SortActor, "col.actor"}, {audit.SortAction, "col.action"}}

// auditFilter reads the audit trail's filters (?action=, ?actor=) and
// order (?sort=) as the page and its CSV export use them.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Actor: q.Get("actor")}
	var err error
	f.Sort, err = audit.ParseSort("sort", q.Get("sort"))
	return f, err
}

// auditPage shows the audit trail: newest first, paged by sequence
// number (?before=), or sorted by a column (?sort=), paged by offset
// (?cursor=).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	const limit = 100
	q := r.URL.Query()
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	if f.Sort.Key != "" {
		f.Offset = uiPaging(r)
	} else if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.Before = b
	}
	items, total, err := audit.List(r.Context(), s.db.Reader(), c.scope, f)
	if err != nil {
		return err
	}
	v := s.newView(r, "audit", "audit.title")
	d := auditData{Action: f.Action, Actor: f.Actor, Sort: f.Sort.String(), Items: items, Total: total,
		Cols: sortHeaders(v, "/audit", listQuery(r), f.Sort, auditColumns...)}
	q.Del("msg")
	switch {
	case f.Sort.Key != "":
		d.Pager = s.pagerFor(r, v.Lang, f.Offset, limit, total)
	default:
		d.Pager = pager{PrevLabel: v.Lang.T("audit.newest"), NextLabel: v.Lang.T("audit.older")}
		if f.Before > 0 {
			q.Del("before")
			d.Pager.Prev = "/audit?" + q.Encode()
		}
		if len(items) == limit {
			q.Set("before", strconv.FormatInt(items[len(items)-1].Seq, 10))
			d.Pager.Next = "/audit?" + q.Encode()
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "audit", v)
	return nil
}

type accountData struct {
	Tokens    []access.Token
	NewToken  string
	Prefs     notify.Prefs
	NewSecret string
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, c *caller, status int, newToken string, problem *Problem) error {
	tokens, err := s.acc.ListTokens(r.Context(), c.scope, false)
	if err != nil {
		return err
	}
	prefs, err := s.inbox.Preferences(r.Context(), c.scope)
	if err != nil {
		return err
	}
	v := s.newView(r, "account", "account.title")
	v.Err = problem
	v.Data = accountData{Tokens: tokens, NewToken: newToken, Prefs: prefs}
	s.render(w, r, status, "account", v)
	return nil
}

// accountNotifications stores the caller's e-mail and webhook choices and
// shows a new webhook secret once.
func (s *Server) accountNotifications(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.inbox.SetPreferences(r.Context(), c.scope, r.PostFormValue("email") == "on", r.PostFormValue("webhook_url"),
		r.PostFormValue("rotate") == "on")
	if code := errs.CodeOf(err); code == errs.Invalid {
		pr := s.problemFor(r, err)
		return s.renderAccount(w, r, c, pr.Status, "", &pr)
	} else if err != nil {
		return err
	}
	if p.Secret == "" {
		http.Redirect(w, r, "/account?msg=account.changed", http.StatusSeeOther)
		return nil
	}
	tokens, err := s.acc.ListTokens(r.Context(), c.scope, false)
	if err != nil {
		return err
	}
	v := s.newView(r, "account", "account.title")
	v.Data = accountData{Tokens: tokens, Prefs: p, NewSecret: p.Secret}
	s.render(w, r, http.StatusOK, "account", v)
	return nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAccount(w, r, c, http.StatusOK, "", nil)
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request, c *caller) error {
	err := s.acc.ChangePassword(r.Context(), c.scope, r.PostFormValue("current_password"), r.PostFormValue("password"), c.sessionToken)
	if code := errs.CodeOf(err); code == errs.Invalid {
		p := s.problemFor(r, err)
		return s.renderAccount(w, r, c, p.Status, "", &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/account?msg=account.changed", http.StatusSeeOther)
	return nil
}

func (s *Server) accountCreateToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 {
		p := s.problemFor(r, errs.Field("days", "give a number of days from 1 to 366"))
		return s.renderAccount(w, r, c, p.Status, "", &p)
	}
	plain, _, err := s.acc.CreateToken(r.Context(), c.scope, c.scope.UserID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if errs.CodeOf(err) == errs.Invalid {
		p := s.problemFor(r, err)
		return s.renderAccount(w, r, c, p.Status, "", &p)
	} else if err != nil {
		return err
	}
	return s.renderAccount(w, r, c, http.StatusCreated, plain, nil)
}

func (s *Server) accountRevokeToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.acc.RevokeToken(r.Context(), c.scope, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// TemplatesFS returns the embedded templates (for checks in tests).
func TemplatesFS() fs.FS { return templateFS }
