package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/federation"
)

// Federated login: the routes an identity provider's login passes
// through. The browser carries a flow cookie from the start of a login to
// its end, so that a login can only be finished in the browser that began
// it; with TLS it is SameSite=None, because a SAML IdP posts its answer to
// samdrift from another site. Without providers the routes do not exist.
func (s *Server) federationRoutes() {
	if s.cfg.Federation == nil {
		return
	}
	s.mux.HandleFunc("GET /auth/{id}/login", s.fedBegin)
	s.mux.HandleFunc("GET /auth/oidc/{id}/callback", s.fedOIDCCallback)
	s.mux.HandleFunc("POST /auth/oidc/{id}/backchannel-logout", s.fedBackChannel)
	s.mux.HandleFunc("GET /auth/saml/{id}/metadata", s.fedMetadata)
	s.mux.HandleFunc("POST /auth/saml/{id}/acs", s.fedACS)
	s.mux.HandleFunc("GET /auth/saml/{id}/slo", s.fedSLO)
	s.mux.HandleFunc("POST /auth/saml/{id}/slo", s.fedSLO)
}

func (s *Server) flowCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-samdrift_flow"
	}
	return "samdrift_flow"
}

// flowClient returns the login's client, with the flow cookie set when
// the browser has none (begin) or read (finish).
func (s *Server) flowClient(w http.ResponseWriter, r *http.Request, set bool) federation.Client {
	c := federation.Client{RemoteAddr: remoteAddr(r), UserAgent: r.UserAgent()}
	if ck, err := r.Cookie(s.flowCookieName()); err == nil && len(ck.Value) >= 32 && len(ck.Value) <= 100 {
		c.Browser = ck.Value
	} else if set {
		c.Browser, _ = access.NewOpaqueID()
		same := http.SameSiteLaxMode
		if s.cfg.SecureCookies {
			same = http.SameSiteNoneMode
		}
		http.SetCookie(w, &http.Cookie{Name: s.flowCookieName(), Value: c.Browser, Path: "/", HttpOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: same, MaxAge: int((20 * time.Minute).Seconds())})
	}
	return c
}

func (s *Server) fedBegin(w http.ResponseWriter, r *http.Request) {
	c := s.flowClient(w, r, true)
	to, err := s.cfg.Federation.Begin(r.Context(), r.PathValue("id"), c, safeNext(r.URL.Query().Get("next")))
	if err != nil {
		s.fedRefused(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) fedOIDCCallback(w http.ResponseWriter, r *http.Request) {
	res, next, err := s.cfg.Federation.FinishOIDC(r.Context(), r.PathValue("id"), s.flowClient(w, r, false), r)
	s.fedFinish(w, r, res, next, err)
}

func (s *Server) fedACS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	res, next, err := s.cfg.Federation.FinishSAML(r.Context(), r.PathValue("id"), s.flowClient(w, r, false), r)
	s.fedFinish(w, r, res, next, err)
}

// fedFinish sets the session of a finished login and sends the person on:
// to samdrift's second factor when the provider asserted none and the
// role needs one, else where they were going.
func (s *Server) fedFinish(w http.ResponseWriter, r *http.Request, res access.LoginResult, next string, err error) {
	if err != nil {
		result := "refused"
		if s.problemFor(r, err).Status >= 500 {
			result = "error"
		}
		if s.cfg.Federation.Known(r.PathValue("id")) {
			s.metrics.logins.WithLabelValues(r.PathValue("id"), result).Inc()
		}
		s.fedRefused(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues(r.PathValue("id"), "ok").Inc()
	s.setCookie(w, s.flowCookieName(), "", -time.Second)
	s.setCookie(w, s.sessionCookieName(), res.SessionToken, s.acc.MaxSessionAge)
	next = safeNext(next)
	switch {
	case res.NeedEnrol:
		http.Redirect(w, r, "/totp/setup", http.StatusSeeOther)
	case res.NeedMFA:
		http.Redirect(w, r, "/totp?next="+url.QueryEscape(next), http.StatusSeeOther)
	default:
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// fedRefused shows the login page with why the login was refused.
func (s *Server) fedRefused(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(r, err)
	if p.Status == http.StatusNotFound {
		s.uiError(w, r, err)
		return
	}
	pre := s.preSession(w, r)
	v := s.newView(r, "", "login.title")
	v.User = nil
	v.CSRF = s.csrfToken("p:" + pre)
	v.Data = loginData{Next: "/", Providers: s.cfg.Federation.Providers()}
	v.Err = &p
	s.render(w, r, p.Status, "login", v)
}

// fedBackChannel is OpenID Connect back-channel logout: the provider
// posts a logout token, and the sessions it names end (200), or the token
// is refused (400, with the reason as OAuth's error_description).
func (s *Server) fedBackChannel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unreadable form"})
		return
	}
	n, err := s.cfg.Federation.BackChannelLogout(r.Context(), r.PathValue("id"), r.PostForm.Get("logout_token"))
	if err != nil {
		p := s.problemFor(r, err)
		if p.Status >= 500 {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		if p.Status == http.StatusNotFound {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	s.log.Info("back-channel logout", "provider", r.PathValue("id"), "sessions", n)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) fedMetadata(w http.ResponseWriter, r *http.Request) {
	b, err := s.cfg.Federation.Metadata(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

func (s *Server) fedSLO(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	// No cookie is touched here: a logout the IdP asked for ends sessions
	// on the server, and samdrift's own logout cleared its cookie before
	// the browser went to the IdP.
	to, err := s.cfg.Federation.SingleLogout(r.Context(), r.PathValue("id"), r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
