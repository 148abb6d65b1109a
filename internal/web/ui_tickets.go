package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) ticketPageRoutes() {
	s.page("GET /tickets", s.ticketsPage)
	s.page("POST /tickets", s.ticketsCreate)
	s.page("GET /tickets/{id}", s.ticketPage)
	s.page("POST /tickets/{id}/{step}", s.ticketStep)
	s.page("GET /inbox", s.inboxPage)
	s.page("POST /inbox/read", s.inboxRead)
}

type ticketsData struct {
	Status     string
	Query      string
	Kind       string
	Priority   string
	Kinds      []servicedesk.Kind
	Priorities []string
	Statuses   []servicedesk.Status
	Page       servicedesk.Page
	More       string
	CanOpen    bool
	Now        time.Time
}

// queueStatuses are the tabs of the queue: "" is everything still active.
func queueStatuses(tab string) ([]servicedesk.Status, error) {
	switch tab {
	case "":
		return []servicedesk.Status{servicedesk.Open, servicedesk.Escalated, servicedesk.InProgress, servicedesk.Pending}, nil
	case "all":
		return nil, nil
	}
	st, err := servicedesk.ParseStatus("status", tab)
	return []servicedesk.Status{st}, err
}

func (s *Server) ticketsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderTickets(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderTickets(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	q := r.URL.Query()
	d := ticketsData{Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Priority: q.Get("priority"),
		Statuses: servicedesk.Statuses(), Now: time.Now(), Kinds: servicedesk.Kinds(), Priorities: []string{"P1", "P2", "P3", "P4"},
		CanOpen: c.scope.OrgKind == "municipality" && (c.scope.Role == access.RoleSPOC || c.scope.Role == access.RoleKommuneIT)}
	sts, err := queueStatuses(d.Status)
	if err != nil {
		return err
	}
	if d.Query != "" && d.Status == "" {
		sts = nil // a search looks through closed tickets too ("has this happened before?")
	}
	f := servicedesk.Filter{Statuses: sts, Query: d.Query, Limit: 50, Priority: d.Priority}
	if d.Kind != "" {
		if f.Kind, err = servicedesk.ParseKind("kind", d.Kind); err != nil {
			return err
		}
	}
	if d.Priority != "" && d.Priority != "P1" && d.Priority != "P2" && d.Priority != "P3" && d.Priority != "P4" {
		return errs.Field("priority", "want P1, P2, P3 or P4")
	}
	if v := q.Get("cursor"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errs.Field("cursor", "want a ticket number")
		}
	}
	if d.Page, err = s.sd.List(r.Context(), c.scope, f); err != nil {
		return err
	}
	if d.Page.Next != 0 {
		u := *r.URL
		qq := u.Query()
		qq.Set("cursor", strconv.FormatInt(d.Page.Next, 10))
		d.More = "/tickets?" + qq.Encode()
	}
	v := s.newView(r, "tickets", "tickets.title")
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "tickets", v)
	return nil
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

func (s *Server) ticketsCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, err := s.sd.Create(r.Context(), c.scope, servicedesk.NewTicket{Kind: servicedesk.Kind(r.PostFormValue("kind")),
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Requester: r.PostFormValue("requester"),
		Impact: formInt(r, "impact"), Urgency: formInt(r, "urgency")})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderTickets(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"?msg=tickets.created", http.StatusSeeOther)
	return nil
}

type ticketData struct {
	T        servicedesk.Ticket
	Muni     bool // the caller acts for the municipality
	Unit     bool // the caller acts for the unit
	Holder   bool // the caller's side holds the ticket
	Calendar map[string]string
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderTicket(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.sd.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	sc := c.scope
	admin := sc.Role == access.RoleAdmin
	d := ticketData{T: t, Calendar: map[string]string{},
		Muni: admin || (sc.OrgID == t.MunicipalityID && (sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT)),
		Unit: admin || (sc.OrgID == t.UnitID && t.Tier == 2 && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager))}
	d.Holder = (t.Tier == 1 && d.Muni) || (t.Tier == 2 && d.Unit)
	v := s.newView(r, "tickets", "tickets.title")
	for _, cal := range calendar.Standard() {
		d.Calendar[cal.ID] = cal.Name.In(string(v.Lang))
	}
	v.Title = v.T("tickets.ticket", t.ID) + ": " + t.Title
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "ticket", v)
	return nil
}

// ticketStep runs one workflow step posted from the ticket page.
func (s *Server) ticketStep(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, sc, ver := r.Context(), c.scope, formInt(r, "version")
	f := r.PostFormValue
	switch r.PathValue("step") {
	case "escalate":
		_, err = s.sd.Escalate(ctx, sc, id, ver, 0, servicedesk.Handover{Tried: f("tried"), Affected: f("affected"), Contact: f("contact")})
	case "assign":
		assignee := f("assignee")
		if assignee == "" {
			assignee = c.user.Username
		}
		_, err = s.sd.Assign(ctx, sc, id, ver, assignee)
	case "comment":
		_, err = s.sd.Comment(ctx, sc, id, f("body"), f("internal") == "on")
	case "pending":
		_, err = s.sd.Pend(ctx, sc, id, ver, f("question"))
	case "resume":
		_, err = s.sd.Resume(ctx, sc, id, ver)
	case "resolve":
		_, err = s.sd.Resolve(ctx, sc, id, ver, f("resolution"))
	case "reopen":
		_, err = s.sd.Reopen(ctx, sc, id, ver, f("reason"))
	case "close":
		_, err = s.sd.Close(ctx, sc, id, ver, formInt(r, "satisfaction"), f("comment"))
	case "priority":
		_, err = s.sd.SetPriority(ctx, sc, id, ver, formInt(r, "impact"), formInt(r, "urgency"), f("reason"))
	case "visit":
		var st, en time.Time
		st, err = time.ParseInLocation("2006-01-02T15:04", f("starts_at"), calendar.Copenhagen)
		if err == nil {
			en, err = time.ParseInLocation("2006-01-02T15:04", f("ends_at"), calendar.Copenhagen)
		}
		if err != nil {
			err = errs.Field("starts_at", "give when the visit starts and ends")
		} else {
			_, err = s.sd.ScheduleVisit(ctx, sc, id, ver, servicedesk.NewVisit{Address: f("address"), StartsAt: st, EndsAt: en,
				Technician: f("technician"), Note: f("note")})
		}
	default:
		return errs.E(errs.NotFound, "no step %q", r.PathValue("step"))
	}
	return s.ticketStepDone(w, r, c, id, err)
}

// ticketStepDone ends a step posted from the ticket page: bad input, a
// conflict or a refusal shows the page again with the reason; success
// goes back to the ticket.
func (s *Server) ticketStepDone(w http.ResponseWriter, r *http.Request, c *caller, id int64, err error) error {
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderTicket(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10)+"?msg=tickets.saved", http.StatusSeeOther)
	return nil
}

type inboxData struct {
	Items  []notify.Message
	Unread int
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	ms, unread, err := s.inbox.List(r.Context(), c.scope, time.Now().UTC(), 100)
	if err != nil {
		return err
	}
	v := s.newView(r, "inbox", "inbox.title")
	v.Data = inboxData{Items: ms, Unread: unread}
	s.render(w, r, http.StatusOK, "inbox", v)
	return nil
}

func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.inbox.MarkRead(r.Context(), c.scope, 0, time.Now().UTC()); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// Minutes writes a number of minutes as "1 t 30 min" / "1 h 30 min".
func (v view) Minutes(m int64) string {
	h, mm := m/60, m%60
	unit := "t"
	if v.Lang == English {
		unit = "h"
	}
	switch {
	case h == 0:
		return strconv.FormatInt(mm, 10) + " min"
	case mm == 0:
		return strconv.FormatInt(h, 10) + " " + unit
	}
	return strconv.FormatInt(h, 10) + " " + unit + " " + strconv.FormatInt(mm, 10) + " min"
}

// ActiveClock returns the clock a queue shows for t: the running one
// (SLA resolution before response before OLA), if any.
func (v view) ActiveClock(t servicedesk.Ticket) *servicedesk.ClockView {
	for _, n := range []servicedesk.ClockName{servicedesk.Response, servicedesk.Resolution, servicedesk.FirstLine} {
		if c, ok := t.Clock(n); ok && c.State == servicedesk.Running {
			return &c
		}
	}
	return nil
}

// TimeP is Time for an optional instant ("" when nil).
func (v view) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return v.Time(*t)
}
