package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) changePageRoutes() {
	s.page("GET /changes", s.changesPage)
	s.page("POST /changes", s.changesCreate)
	s.page("POST /tickets/{id}/change/{step}", s.changeStepPage)
}

type changeDay struct {
	Date    time.Time
	Changes []servicedesk.CalendarChange
}

type changesData struct {
	Week           time.Time
	Prev, Next     string
	Days           []changeDay
	Count          int
	Conflicts      int
	Units          []org.Organization
	Municipalities []org.Organization
	Unit           string
	Municipality   string
	// CanCreate: the caller registers changes for its unit, choosing from
	// the sites and connections it sees.
	CanCreate   bool
	Sites       []network.Site
	Connections []network.Connection
}

// changesPage is the shared change calendar: one week, day by day,
// changes that collide on a site or connection marked.
func (s *Server) changesPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderChanges(w, r, c, http.StatusOK, nil)
}

// changesCreate registers a change from the calendar page's form.
func (s *Server) changesCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	ids := func(name string) []int64 {
		var out []int64
		for _, v := range r.PostForm[name] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	from, err1 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("window_start"), calendar.Copenhagen)
	to, err2 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("window_end"), calendar.Copenhagen)
	var t servicedesk.Ticket
	var err error = errs.Field("window_start", "give when the window starts and ends")
	if err1 == nil && err2 == nil {
		t, err = s.sd.CreateChange(r.Context(), c.scope, servicedesk.NewChange{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
			Type: r.PostFormValue("type"), Risk: r.PostFormValue("risk"), Plan: r.PostFormValue("plan"), Rollback: r.PostFormValue("rollback"),
			WindowStart: from, WindowEnd: to, Sites: ids("sites"), Connections: ids("connections")})
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderChanges(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, doneURL(t.ID, "tickets.created", t.Version), http.StatusSeeOther)
	return nil
}

func (s *Server) renderChanges(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	q := r.URL.Query()
	week := weekStart(time.Now())
	if v := q.Get("week"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, calendar.Copenhagen)
		if err != nil {
			return errs.Field("week", "want a date such as 2026-12-07, got %q", v)
		}
		week = weekStart(t)
	}
	f, err := s.calendarFilter(r, c)
	if err != nil {
		return err
	}
	f.From, f.To = week, week.AddDate(0, 0, 7)
	items, err := s.sd.ChangeCalendar(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	d := changesData{Week: week, Count: len(items), Unit: q.Get("unit"), Municipality: q.Get("municipality")}
	link := func(t time.Time) string {
		v := r.URL.Query()
		v.Set("week", t.Format(time.DateOnly))
		return "/changes?" + v.Encode()
	}
	d.Prev, d.Next = link(week.AddDate(0, 0, -7)), link(week.AddDate(0, 0, 7))
	for i := range 7 {
		day := week.AddDate(0, 0, i)
		end := week.AddDate(0, 0, i+1)
		cd := changeDay{Date: day}
		for _, it := range items {
			if it.WindowStart.Before(end) && it.WindowEnd.After(day) {
				cd.Changes = append(cd.Changes, it)
			}
		}
		d.Days = append(d.Days, cd)
	}
	for _, it := range items {
		if len(it.Conflicts) > 0 {
			d.Conflicts++
		}
	}
	if d.Units, d.Municipalities, err = s.orgChoices(r, c); err != nil {
		return err
	}
	sc := c.scope
	if d.CanCreate = sc.OrgKind == "unit" && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager); d.CanCreate {
		reg := s.net
		if d.Sites, err = reg.Sites(r.Context(), sc, 0); err != nil {
			return err
		}
		if d.Connections, err = reg.Connections(r.Context(), sc); err != nil {
			return err
		}
	}
	v := s.newView(r, "changes", "changes.title")
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "changes", v)
	return nil
}

// orgChoices lists the units and municipalities for a page's filter.
func (s *Server) orgChoices(r *http.Request, c *caller) (units, municipalities []org.Organization, err error) {
	if units, _, err = s.orgs.List(r.Context(), c.scope, org.Filter{Kind: org.KindUnit, Limit: 50}); err != nil {
		return nil, nil, err
	}
	municipalities, _, err = s.orgs.List(r.Context(), c.scope, org.Filter{Kind: org.KindMunicipality, Limit: 200})
	return units, municipalities, err
}

// changeStepPage posts an acknowledgement, objection or decision from the
// ticket page.
func (s *Server) changeStepPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	note := r.PostFormValue("note")
	var t servicedesk.Ticket
	switch r.PathValue("step") {
	case "acknowledge":
		t, err = s.sd.Acknowledge(r.Context(), c.scope, id, false, note)
	case "object":
		t, err = s.sd.Acknowledge(r.Context(), c.scope, id, true, note)
	case "approve", "reject":
		t, err = s.sd.Decide(r.Context(), c.scope, id, formInt(r, "version"), r.PathValue("step") == "approve", note)
	case "problem":
		t, err = s.sd.SetProblem(r.Context(), c.scope, id, formInt(r, "version"), r.PostFormValue("root_cause"), r.PostFormValue("workaround"),
			r.PostFormValue("known_error") == "on")
	case "link":
		inc, _ := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
		t, err = s.sd.LinkIncident(r.Context(), c.scope, id, inc)
	default:
		return errs.E(errs.NotFound, "no step %q", r.PathValue("step"))
	}
	return s.ticketStepResult(w, r, c, id, t.Version, err)
}

// MayAnswer reports whether the caller answers change ch for its own
// municipality and has not yet.
func (v view) MayAnswer(ch *servicedesk.ChangeInfo) bool {
	if ch == nil || v.Scope.OrgKind != "municipality" || (v.Scope.Role != access.RoleSPOC && v.Scope.Role != access.RoleKommuneIT) {
		return false
	}
	for _, a := range ch.Acks {
		if a.MunicipalityID == v.Scope.OrgID {
			return time.Now().Before(ch.WindowStart)
		}
	}
	return false
}

// Weekday is the day's name in the page's language.
func (v view) Weekday(t time.Time) string { return v.T("weekday." + strconv.Itoa(int(t.Weekday()))) }
