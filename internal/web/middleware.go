package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe counts and times every request by route pattern, logs it, and
// turns a panic into a 500 instead of a dropped connection.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := new(string)
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, route))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.apiError(sw, r, errs.E(errs.Internal, "panic"))
				}
			}
			pattern := *route
			if _, path, ok := strings.Cut(pattern, " "); ok {
				pattern = path // "GET /x" → "/x"; the method is a label of its own
			}
			if pattern == "" {
				pattern = "unmatched"
			}
			s.metrics.observe(r.Method, pattern, sw.status, time.Since(start))
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

type routeKey struct{}

// noteRoute wraps the mux: after it has routed a request it records the
// matched pattern where observe can read it (middleware in between replaces
// the *http.Request, so observe cannot read r.Pattern itself).
func noteRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p, ok := r.Context().Value(routeKey{}).(*string); ok {
				*p = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests that a browser marks as
// cross-origin (Sec-Fetch-Site / Origin), the first of two CSRF defences;
// forms also carry a token (checkCSRF).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	// An identity provider posts to these from its own site by design;
	// the protocols protect them instead: a SAML response must be signed
	// by the IdP and answer a login begun in this browser (RelayState and
	// the flow cookie), a logout request or token must be signed by the
	// provider.
	for _, p := range []string{"POST /auth/saml/{id}/acs", "POST /auth/saml/{id}/slo", "POST /auth/oidc/{id}/backchannel-logout"} {
		cop.AddInsecureBypassPattern(p)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, errs.E(errs.Forbidden, "cross-origin request refused: send it from samdrift's own pages, or without a browser's Origin header"))
	}))
	return cop.Handler(next)
}

// caller is who is making a request, as authenticate found out.
type caller struct {
	scope        access.Scope
	user         access.User
	session      *access.Session // nil for token or anonymous callers
	sessionToken string
	viaToken     bool
	authErr      error // a credential was offered but refused
}

type callerKey struct{}

func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	if c == nil {
		return &caller{}
	}
	return c
}

// authenticated reports whether the caller has a usable identity: a token,
// or a session that has passed its second factor when one is required.
func (c *caller) authenticated() bool {
	return c.scope.UserID != 0 && (c.viaToken || (c.session != nil && !c.session.MFAPending))
}

func (s *Server) sessionCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-samdrift_session"
	}
	return "samdrift_session"
}

// authenticate resolves a Bearer token or the session cookie into a caller.
// It rejects nothing itself; handlers decide what they need.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &caller{}
		ctx := r.Context()
		addr := remoteAddr(r)
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if strings.EqualFold(scheme, "Basic") && strings.HasPrefix(r.URL.Path, "/taxii2/") {
				// TAXII clients speak HTTP Basic: the password is an API
				// token, the user name its owner's.
				user, pw, ok := r.BasicAuth()
				if sc, u, err := s.acc.TokenScope(ctx, pw, addr); !ok || err != nil || u.Username != user {
					c.authErr = errs.E(errs.Unauthorized, "use your user name and an API token as the password")
				} else {
					c.scope, c.user, c.viaToken = sc, u, true
				}
			} else if !strings.EqualFold(scheme, "Bearer") {
				c.authErr = errs.E(errs.Unauthorized, "use Authorization: Bearer <token>")
			} else if sc, u, err := s.acc.TokenScope(ctx, strings.TrimSpace(tok), addr); err != nil {
				c.authErr = err
			} else {
				c.scope, c.user, c.viaToken = sc, u, true
			}
		} else if ck, err := r.Cookie(s.sessionCookieName()); err == nil && ck.Value != "" {
			if sess, err := s.acc.SessionByToken(ctx, ck.Value, addr); err == nil {
				c.scope, c.user, c.session, c.sessionToken = sess.Scope, sess.User, &sess, ck.Value
			} else if errs.CodeOf(err) != errs.Unauthorized {
				c.authErr = err
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, callerKey{}, c)))
	})
}

// csrfToken returns the form token for binding (the session, or the
// pre-session cookie on the login form): an HMAC, so it needs no storage and
// cannot be forged without the server's key.
func (s *Server) csrfToken(binding string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF verifies the form's csrf field against the caller's session (or
// the pre-session cookie when there is none yet).
func (s *Server) checkCSRF(r *http.Request) error {
	binding := ""
	if c := callerOf(r); c.sessionToken != "" {
		binding = "s:" + c.sessionToken
	} else if ck, err := r.Cookie(s.preCookieName()); err == nil && ck.Value != "" {
		binding = "p:" + ck.Value
	}
	got := r.PostFormValue("csrf")
	if binding == "" || got == "" || !hmac.Equal([]byte(got), []byte(s.csrfToken(binding))) {
		return errs.E(errs.Forbidden, "the form has expired or did not come from samdrift; reload the page and try again")
	}
	return nil
}

func (s *Server) preCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-samdrift_pre"
	}
	return "samdrift_pre"
}

// formToken returns the CSRF token to put in the caller's forms.
func (s *Server) formToken(r *http.Request, pre string) string {
	if c := callerOf(r); c.sessionToken != "" {
		return s.csrfToken("s:" + c.sessionToken)
	}
	return s.csrfToken("p:" + pre)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}
