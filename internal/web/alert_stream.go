package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
)

// streamKeepAlive is how often an alert stream writes a keep-alive and
// checks again that its caller may still listen.
var streamKeepAlive = 15 * time.Second

// streamAlerts writes sub's alerts to w as server-sent events: hello as a
// comment first, a keep-alive comment every streamKeepAlive, a resync
// event when the subscription fell behind, and for each alert the event
// text event gives (none when ok is false). It ends when the client
// goes, a write fails, or — checked with each keep-alive — the caller's
// session or token has ended or their role or organisation changed, so a
// logged-out or disabled user stops receiving alerts.
func (s *Server) streamAlerts(w http.ResponseWriter, r *http.Request, c *caller, sub *detect.Subscription, hello string,
	event func(a detect.Alert) (text string, ok bool)) error {
	rc := http.NewResponseController(w)
	// The server's read timeout would end a stream that only writes;
	// writes get their own deadline below.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(s string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprint(w, s); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send(": " + hello + "\n\n"); err != nil {
		return nil
	}
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-keep.C:
			if !s.stillListening(r, c) {
				_ = send("event: end\ndata: {}\n\n")
				return nil
			}
			if err := send(": keep-alive\n\n"); err != nil {
				return nil
			}
		case a := <-sub.C:
			if sub.Lagged() {
				if err := send("event: resync\ndata: {}\n\n"); err != nil {
					return nil
				}
			}
			text, ok := event(a)
			if !ok {
				continue
			}
			if err := send(text); err != nil {
				return nil
			}
		}
	}
}

// stillListening reports whether the credential a stream was opened with
// is still good for the same scope: the session not ended, the token not
// revoked, and the user's role, organisation and reach unchanged.
func (s *Server) stillListening(r *http.Request, c *caller) bool {
	ctx, addr := r.Context(), remoteAddr(r)
	var now access.Scope
	switch {
	case c.sessionToken != "":
		sess, err := s.acc.SessionByToken(ctx, c.sessionToken, addr)
		if err != nil {
			return false
		}
		now = sess.Scope
	case c.viaToken:
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return true // HTTP Basic (TAXII) streams no alerts
		}
		sc, _, err := s.acc.TokenScope(ctx, strings.TrimSpace(tok), addr)
		if err != nil {
			return false
		}
		now = sc
	default:
		return false
	}
	return now.UserID == c.scope.UserID && now.Role == c.scope.Role && now.OrgID == c.scope.OrgID && now.Reach == c.scope.Reach
}
