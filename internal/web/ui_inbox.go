package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/notify"
)

// inboxRoutes are the inbox's actions on one message (the page itself and
// "mark all read" are ticketPageRoutes').
func (s *Server) inboxRoutes() {
	s.page("GET /inbox/{id}", s.inboxAt)
	s.page("POST /inbox/{id}/open", s.inboxOpen)
	s.page("POST /inbox/{id}/read", s.inboxReadOne)
}

// MessageLink is where a message leads: its ticket, alert, case or need,
// or "" when it stands alone.
func (v view) MessageLink(m notify.Message) string {
	switch {
	case m.TicketID != 0:
		return "/tickets/" + strconv.FormatInt(m.TicketID, 10)
	case m.AlertID != 0:
		return "/alerts/" + strconv.FormatInt(m.AlertID, 10)
	case m.CaseID != 0:
		return "/cases/" + strconv.FormatInt(m.CaseID, 10)
	case m.NeedID != 0:
		return "/needs/" + strconv.FormatInt(m.NeedID, 10)
	}
	return ""
}

// inboxAt shows the inbox at message id. It changes nothing: a GET that
// marked a message read could be fired from any site (an <img>); opening
// one is inboxOpen's POST.
func (s *Server) inboxAt(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox#n"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// inboxOpen opens a message (a POST from its form in the inbox, with the
// CSRF token): it is read from now on, and the browser goes on to what it
// is about (or back to the inbox, at the message).
func (s *Server) inboxOpen(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.inbox.Open(r.Context(), c.scope, id, time.Now().UTC())
	if err != nil {
		return err
	}
	to := view{}.MessageLink(m)
	if to == "" {
		to = "/inbox#n" + strconv.FormatInt(m.ID, 10)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// inboxReadOne marks one message read and shows the inbox again, at it.
func (s *Server) inboxReadOne(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.inbox.Open(r.Context(), c.scope, id, time.Now().UTC()); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox#n"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
