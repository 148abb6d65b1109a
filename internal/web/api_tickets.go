package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) ticketRoutes() {
	s.api("GET /api/v1/tickets", s.apiListTickets)
	s.api("POST /api/v1/tickets", s.apiCreateTicket)
	s.api("GET /api/v1/tickets/{id}", s.apiGetTicket)
	s.api("GET /api/v1/tickets/{id}/assignees", s.apiTicketAssignees)
	s.api("POST /api/v1/tickets/{id}/escalate", s.apiEscalateTicket)
	s.api("POST /api/v1/tickets/{id}/assign", s.apiAssignTicket)
	s.api("POST /api/v1/tickets/{id}/comments", s.apiCommentTicket)
	s.api("POST /api/v1/tickets/{id}/pending", s.apiPendTicket)
	s.api("POST /api/v1/tickets/{id}/resume", s.apiResumeTicket)
	s.api("POST /api/v1/tickets/{id}/resolve", s.apiResolveTicket)
	s.api("POST /api/v1/tickets/{id}/reopen", s.apiReopenTicket)
	s.api("POST /api/v1/tickets/{id}/close", s.apiCloseTicket)
	s.api("PUT /api/v1/tickets/{id}/priority", s.apiTicketPriority)
	s.api("PUT /api/v1/tickets/{id}/breach-reason", s.apiTicketBreachReason)
	s.api("PUT /api/v1/tickets/{id}/subscription", s.apiTicketSubscription)
	s.api("POST /api/v1/tickets/{id}/visits", s.apiTicketVisit)
	s.api("PUT /api/v1/tickets/{id}/visits/{vid}", s.apiTicketVisitStatus)
	s.api("GET /api/v1/calendars", s.apiListCalendars)
	s.api("GET /api/v1/calendars/{id}/holidays", s.apiCalendarHolidays)
	s.api("GET /api/v1/calendars/{id}/deadline", s.apiCalendarDeadline)
	s.api("GET /api/v1/notifications", s.apiListNotifications)
	s.api("POST /api/v1/notifications/read", s.apiReadNotifications)
	s.api("GET /api/v1/me/notification-settings", s.apiNotificationSettings)
	s.api("PUT /api/v1/me/notification-settings", s.apiSetNotificationSettings)
}

func (s *Server) apiNotificationSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.inbox.Preferences(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// NotificationSettings is the body of PUT /api/v1/me/notification-settings.
type NotificationSettings struct {
	Email        bool   `json:"email"`
	WebhookURL   string `json:"webhook_url"`
	RotateSecret bool   `json:"rotate_secret"`
}

func (s *Server) apiSetNotificationSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req NotificationSettings
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.inbox.SetPreferences(r.Context(), c.scope, req.Email, req.WebhookURL, req.RotateSecret)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// ticketFilter reads the list's query: status (comma-separated), kind,
// priority, tier, municipality, unit, q, limit, and the queue's shared
// parameters (queueParams): sort, offset, org and assignee (me, none or a
// username). Without sort the list is newest first, paged by cursor.
func (s *Server) ticketFilter(r *http.Request, c *caller) (servicedesk.Filter, error) {
	q := r.URL.Query()
	f := servicedesk.Filter{Priority: q.Get("priority"), Query: q.Get("q")}
	if len(f.Query) > 200 {
		return f, errs.Field("q", "at most 200 characters")
	}
	if v := q.Get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st, err := servicedesk.ParseStatus("status", part)
			if err != nil {
				return f, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.Get("kind"); v != "" {
		k, err := servicedesk.ParseKind("kind", v)
		if err != nil {
			return f, err
		}
		f.Kind = k
	}
	if !validPriority(f.Priority) {
		return f, errs.Field("priority", "want P1, P2, P3 or P4")
	}
	ints := []struct {
		name string
		dst  *int64
	}{{"limit", nil}, {"cursor", &f.Before}, {"tier", nil}}
	for _, p := range ints {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, errs.Field(p.name, "want a whole number, got %q", v)
		}
		switch p.name {
		case "limit":
			f.Limit = int(n)
		case "tier":
			if n != 1 && n != 2 {
				return f, errs.Field("tier", "want 1 (the municipality's 1st line) or 2 (the unit)")
			}
			f.Tier = int(n)
		default:
			*p.dst = n
		}
	}
	if err := s.queueParams(r, c, q, &f); err != nil {
		return f, err
	}
	var err error
	if f.Municipality, err = s.orgParam(r, c, "municipality"); err != nil {
		return f, err
	}
	f.Unit, err = s.orgParam(r, c, "unit")
	return f, err
}

func (s *Server) apiListTickets(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.ticketFilter(r, c)
	if err != nil {
		return err
	}
	p, err := s.sd.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiTicketAssignees(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	us, err := s.sd.Assignees(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, us)
	return nil
}

// CreateTicketRequest is the body of POST /api/v1/tickets.
type CreateTicketRequest struct {
	Kind         string `json:"kind"`
	Municipality string `json:"municipality"` // code; default: the caller's own
	Subscription int64  `json:"subscription"`
	Site         int64  `json:"site"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Impact       int    `json:"impact"`
	Urgency      int    `json:"urgency"`
	Requester    string `json:"requester"`
}

func (s *Server) apiCreateTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateTicketRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Kind == "" {
		req.Kind = string(servicedesk.Incident)
	}
	n := servicedesk.NewTicket{Kind: servicedesk.Kind(req.Kind), Subscription: req.Subscription, Site: req.Site, Title: req.Title,
		Description: req.Description, Impact: req.Impact, Urgency: req.Urgency, Requester: req.Requester}
	var err error
	if n.Municipality, err = s.orgRef(r, c, "municipality", req.Municipality); err != nil {
		return err
	}
	t, err := s.sd.Create(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) apiGetTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.sd.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(t.Version)))
	writeJSON(w, http.StatusOK, t)
	return nil
}

// TicketStep is the body of the ticket's workflow steps. Version is the
// version the client last saw (or an If-Match header): a ticket changed
// since gives 409.
type TicketStep struct {
	Version      int                   `json:"version"`
	Unit         string                `json:"unit"`
	Handover     *servicedesk.Handover `json:"handover"`
	Assignee     string                `json:"assignee"`
	Body         string                `json:"body"`
	Internal     bool                  `json:"internal"`
	Question     string                `json:"question"`
	Resolution   string                `json:"resolution"`
	Reason       string                `json:"reason"`
	Satisfaction int                   `json:"satisfaction"`
	Comment      string                `json:"comment"`
	Impact       int                   `json:"impact"`
	Urgency      int                   `json:"urgency"`
	Site         int64                 `json:"site"`
	Address      string                `json:"address"`
	StartsAt     time.Time             `json:"starts_at"`
	EndsAt       time.Time             `json:"ends_at"`
	Technician   string                `json:"technician"`
	Note         string                `json:"note"`
	Subscription int64                 `json:"subscription"`
}

// step decodes a TicketStep, takes the version from If-Match when the body
// has none, and writes what do returns.
func (s *Server) step(w http.ResponseWriter, r *http.Request, do func(id int64, st TicketStep) (servicedesk.Ticket, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var st TicketStep
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &st); err != nil {
			return err
		}
	}
	if v := strings.Trim(r.Header.Get("If-Match"), `"W/`); st.Version == 0 && v != "" {
		if st.Version, err = strconv.Atoi(v); err != nil {
			return errs.Field("If-Match", "want the ticket's version as its ETag gives it, got %q", r.Header.Get("If-Match"))
		}
	}
	t, err := do(id, st)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(t.Version)))
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiEscalateTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		unit, err := s.orgRef(r, c, "unit", st.Unit)
		if err != nil {
			return servicedesk.Ticket{}, err
		}
		if st.Handover == nil {
			return servicedesk.Ticket{}, errs.Field("handover", "give the handover: what was tried, who is affected, whom to contact")
		}
		return s.sd.Escalate(r.Context(), c.scope, id, st.Version, unit, *st.Handover)
	})
}

func (s *Server) apiAssignTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Assign(r.Context(), c.scope, id, st.Version, st.Assignee)
	})
}

func (s *Server) apiCommentTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Comment(r.Context(), c.scope, id, st.Body, st.Internal)
	})
}

func (s *Server) apiPendTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Pend(r.Context(), c.scope, id, st.Version, st.Question)
	})
}

func (s *Server) apiResumeTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Resume(r.Context(), c.scope, id, st.Version)
	})
}

func (s *Server) apiResolveTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Resolve(r.Context(), c.scope, id, st.Version, st.Resolution)
	})
}

func (s *Server) apiReopenTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Reopen(r.Context(), c.scope, id, st.Version, st.Reason)
	})
}

func (s *Server) apiCloseTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.Close(r.Context(), c.scope, id, st.Version, st.Satisfaction, st.Comment)
	})
}

func (s *Server) apiTicketPriority(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.SetPriority(r.Context(), c.scope, id, st.Version, st.Impact, st.Urgency, st.Reason)
	})
}

func (s *Server) apiTicketBreachReason(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.SetBreachReason(r.Context(), c.scope, id, st.Version, st.Reason)
	})
}

func (s *Server) apiTicketSubscription(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.SetSubscription(r.Context(), c.scope, id, st.Version, st.Subscription, st.Reason)
	})
}

// VisitStatusRequest is the body of PUT /api/v1/tickets/{id}/visits/{vid}.
type VisitStatusRequest struct {
	Status string `json:"status"` // done or cancelled
	Note   string `json:"note"`
}

func (s *Server) apiTicketVisitStatus(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vid, err := pathID(r, "vid")
	if err != nil {
		return err
	}
	var req VisitStatusRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.sd.SetVisitStatus(r.Context(), c.scope, id, vid, req.Status, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiTicketVisit(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.step(w, r, func(id int64, st TicketStep) (servicedesk.Ticket, error) {
		return s.sd.ScheduleVisit(r.Context(), c.scope, id, st.Version, servicedesk.NewVisit{Site: st.Site, Address: st.Address,
			StartsAt: st.StartsAt, EndsAt: st.EndsAt, Technician: st.Technician, Note: st.Note})
	})
}

// CalendarInfo is a calendar as GET /api/v1/calendars lists it.
type CalendarInfo struct {
	ID             string        `json:"id"`
	Name           calendar.Text `json:"name"`
	Hours          string        `json:"hours"`
	HoursPerWeek   float64       `json:"hours_per_week"`
	PublicHolidays bool          `json:"public_holidays"`
}

func (s *Server) apiListCalendars(w http.ResponseWriter, r *http.Request, c *caller) error {
	out := []CalendarInfo{}
	for _, cal := range calendar.Standard() {
		out = append(out, CalendarInfo{ID: cal.ID, Name: cal.Name, Hours: cal.Describe(), HoursPerWeek: cal.HoursPerWeek(), PublicHolidays: cal.PublicHolidays})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// calendarFor resolves {id} and an optional ?unit= whose closing days are
// added.
func (s *Server) calendarFor(r *http.Request, c *caller) (*calendar.Calendar, error) {
	cal, ok := calendar.Lookup(r.PathValue("id"))
	if !ok {
		var ids []string
		for _, x := range calendar.Standard() {
			ids = append(ids, x.ID)
		}
		return nil, errs.E(errs.NotFound, "no calendar %q; the calendars are %s", r.PathValue("id"), strings.Join(ids, ", "))
	}
	if v := r.URL.Query().Get("unit"); v != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, v)
		if err != nil {
			return nil, errs.InField("unit", err)
		}
		cs, err := s.sd.UnitClosures(r.Context(), c.scope, o.ID)
		if err != nil {
			return nil, errs.InField("unit", err)
		}
		cal = cal.WithClosures(cs)
	}
	return cal, nil
}

// HolidayInfo is one closed day of a calendar.
type HolidayInfo struct {
	Date string        `json:"date"`
	Name calendar.Text `json:"name"`
	Kind string        `json:"kind"`
}

func (s *Server) apiCalendarHolidays(w http.ResponseWriter, r *http.Request, c *caller) error {
	cal, err := s.calendarFor(r, c)
	if err != nil {
		return err
	}
	year := time.Now().In(calendar.Copenhagen).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 1900 || year > 2200 {
			return errs.Field("year", "want a year from 1900 to 2200, got %q", v)
		}
	}
	out := []HolidayInfo{}
	for _, h := range cal.Holidays(year) {
		out = append(out, HolidayInfo{Date: h.Date.String(), Name: h.Name, Kind: h.Kind})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiCalendarDeadline(w http.ResponseWriter, r *http.Request, c *caller) error {
	cal, err := s.calendarFor(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	start, err := time.Parse(time.RFC3339, q.Get("start"))
	if err != nil {
		return errs.Field("start", "want an RFC 3339 time such as 2026-12-23T15:00:00+01:00, got %q", q.Get("start"))
	}
	d, err := calendar.ParseHours(q.Get("hours"), 20000)
	if err != nil {
		return errs.Field("hours", "%v", err)
	}
	dl := cal.Add(start, d)
	writeJSON(w, http.StatusOK, map[string]string{"deadline": dl.In(calendar.Copenhagen).Format(time.RFC3339)})
	return nil
}

func (s *Server) apiListNotifications(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil {
			return errs.Field("limit", "want a whole number, got %q", v)
		}
	}
	ms, unread, err := s.inbox.List(r.Context(), c.scope, time.Now().UTC(), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": ms, "unread": unread})
	return nil
}

// ReadRequest is the body of POST /api/v1/notifications/read.
type ReadRequest struct {
	ID int64 `json:"id"` // 0: all
}

func (s *Server) apiReadNotifications(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req ReadRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if err := s.inbox.MarkRead(r.Context(), c.scope, req.ID, time.Now().UTC()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// mayWorkTickets reports whether sc works a service desk queue.
func mayWorkTickets(sc access.Scope) bool {
	switch sc.Role {
	case access.RoleSPOC, access.RoleKommuneIT, access.RoleServiceDesk, access.RoleUnitManager, access.RoleAdmin, access.RoleGovernance:
		return true
	}
	return false
}

func (s *Server) attachmentRoutes() {
	s.api("POST /api/v1/tickets/{id}/attachments", s.apiAttach)
	s.api("GET /api/v1/tickets/{id}/attachments/{aid}", s.apiAttachment)
	s.pageWith("POST /tickets/{id}/attach", servicedesk.MaxAttachment+64<<10, s.attachPage)
	s.page("GET /tickets/{id}/attachments/{aid}", s.apiAttachment)
}

// apiAttach takes the file as the request body (?name=, ?internal=true).
func (s *Server) apiAttach(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, servicedesk.MaxAttachment+1))
	if err != nil {
		return errs.Field("file", "at most %d MiB per file", servicedesk.MaxAttachment>>20)
	}
	t, err := s.sd.Attach(r.Context(), c.scope, id, r.URL.Query().Get("name"), r.Header.Get("Content-Type"), data, r.URL.Query().Get("internal") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// attachPage takes a file from the ticket page's upload form.
func (s *Server) attachPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var t servicedesk.Ticket
	f, hdr, err := r.FormFile("file")
	if err == nil {
		defer f.Close()
		var data []byte
		if data, err = io.ReadAll(f); err == nil {
			t, err = s.sd.Attach(r.Context(), c.scope, id, hdr.Filename, hdr.Header.Get("Content-Type"), data, r.FormValue("internal") == "on")
		}
	} else {
		err = errs.Field("file", "choose a file of at most %d MiB", servicedesk.MaxAttachment>>20)
	}
	return s.ticketStepResult(w, r, c, id, t.Version, err)
}

// apiAttachment sends a file as a download: browsers never render it in
// samdrift's origin.
func (s *Server) apiAttachment(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	f, err := s.sd.Attachment(r.Context(), c.scope, id, aid)
	if err != nil {
		return err
	}
	download(w, f.Name, f.SHA256, f.Data)
	return nil
}

// download sends a stored file as a download that browsers never render
// in samdrift's origin, with its SHA-256.
func download(w http.ResponseWriter, name, sha256 string, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Digest", "sha-256="+sha256)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
