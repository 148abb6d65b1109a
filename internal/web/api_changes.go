package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) changeRoutes() {
	s.api("GET /api/v1/sites", s.apiListSites)
	s.api("POST /api/v1/sites", s.apiCreateSite)
	s.api("GET /api/v1/connections", s.apiListConnections)
	s.api("POST /api/v1/connections", s.apiCreateConnection)
	s.api("GET /api/v1/changes", s.apiChangeCalendar)
	s.api("POST /api/v1/changes", s.apiCreateChange)
	s.api("POST /api/v1/changes/{id}/acknowledgement", s.apiAcknowledgeChange)
	s.api("POST /api/v1/changes/{id}/decision", s.apiDecideChange)
	s.api("PUT /api/v1/tickets/{id}/problem", s.apiSetProblem)
	s.api("POST /api/v1/tickets/{id}/incidents", s.apiLinkIncident)
	s.api("GET /api/v1/organizations/{ref}/closing-days", s.apiUnitClosures)
	s.api("PUT /api/v1/organizations/{ref}/closing-days", s.apiSetUnitClosures)
}

// orgParam resolves an optional organisation reference in the query.
func (s *Server) orgParam(r *http.Request, c *caller, name string) (int64, error) {
	return s.orgRef(r, c, name, r.URL.Query().Get(name))
}

// orgRef resolves an optional organisation reference (code, slug or id)
// given in field: 0 when empty, an error in that field when unknown.
func (s *Server) orgRef(r *http.Request, c *caller, field, ref string) (int64, error) {
	if ref == "" {
		return 0, nil
	}
	o, err := s.orgs.Get(r.Context(), c.scope, ref)
	if err != nil {
		return 0, errs.InField(field, err)
	}
	return o.ID, nil
}

func (s *Server) apiListSites(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, err := s.orgParam(r, c, "municipality")
	if err != nil {
		return err
	}
	sites, err := s.net.Sites(r.Context(), c.scope, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sites)
	return nil
}

// CreateSiteRequest is the body of POST /api/v1/sites.
type CreateSiteRequest struct {
	Municipality string `json:"municipality"` // code; default the caller's own
	Name         string `json:"name"`
	Address      string `json:"address"`
}

func (s *Server) apiCreateSite(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateSiteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var m int64
	var err error
	if m, err = s.orgRef(r, c, "municipality", req.Municipality); err != nil {
		return err
	}
	site, err := s.net.AddSite(r.Context(), c.scope, m, req.Name, req.Address)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, site)
	return nil
}

func (s *Server) apiListConnections(w http.ResponseWriter, r *http.Request, c *caller) error {
	conns, err := s.net.Connections(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, conns)
	return nil
}

// CreateConnectionRequest is the body of POST /api/v1/connections.
type CreateConnectionRequest struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	BandwidthMbps int    `json:"bandwidth_mbps"`
	Provider      string `json:"provider"`
	Unit          string `json:"unit"` // slug; default the caller's unit
	SiteA         int64  `json:"site_a"`
	SiteB         int64  `json:"site_b"`
}

func (s *Server) apiCreateConnection(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateConnectionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n := network.NewConnection{Name: req.Name, Kind: req.Kind, BandwidthMbps: req.BandwidthMbps, Provider: req.Provider, SiteA: req.SiteA, SiteB: req.SiteB}
	var err error
	if n.Unit, err = s.orgRef(r, c, "unit", req.Unit); err != nil {
		return err
	}
	conn, err := s.net.AddConnection(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, conn)
	return nil
}

// weekStart returns Monday 00:00 Copenhagen time of the week holding t.
func weekStart(t time.Time) time.Time {
	t = t.In(calendar.Copenhagen)
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, calendar.Copenhagen)
}

// calendarFilter reads from/to (RFC 3339 or dates; default this week),
// unit and municipality.
func (s *Server) calendarFilter(r *http.Request, c *caller) (servicedesk.CalendarFilter, error) {
	q := r.URL.Query()
	f := servicedesk.CalendarFilter{From: weekStart(time.Now())}
	f.To = f.From.AddDate(0, 0, 7)
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.ParseInLocation(time.DateOnly, v, calendar.Copenhagen); err != nil {
				return f, errs.Field(p.name, "want a date (2026-12-07) or an RFC 3339 time, got %q", v)
			}
		}
		*p.dst = t
	}
	var err error
	if f.Unit, err = s.orgParam(r, c, "unit"); err != nil {
		return f, err
	}
	f.Municipality, err = s.orgParam(r, c, "municipality")
	return f, err
}

func (s *Server) apiChangeCalendar(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.calendarFilter(r, c)
	if err != nil {
		return err
	}
	items, err := s.sd.ChangeCalendar(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": f.From, "to": f.To, "changes": items})
	return nil
}

// CreateChangeRequest is the body of POST /api/v1/changes.
type CreateChangeRequest struct {
	Unit        string    `json:"unit"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Type        string    `json:"type"`
	Risk        string    `json:"risk"`
	Plan        string    `json:"plan"`
	Rollback    string    `json:"rollback"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Sites       []int64   `json:"sites"`
	Connections []int64   `json:"connections"`
	Impact      int       `json:"impact"`
	Urgency     int       `json:"urgency"`
}

func (s *Server) apiCreateChange(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateChangeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n := servicedesk.NewChange{Title: req.Title, Description: req.Description, Type: req.Type, Risk: req.Risk, Plan: req.Plan,
		Rollback: req.Rollback, WindowStart: req.WindowStart, WindowEnd: req.WindowEnd, Sites: req.Sites, Connections: req.Connections,
		Impact: req.Impact, Urgency: req.Urgency}
	var err error
	if n.Unit, err = s.orgRef(r, c, "unit", req.Unit); err != nil {
		return err
	}
	t, err := s.sd.CreateChange(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// ChangeAnswer is the body of the acknowledgement and decision steps.
type ChangeAnswer struct {
	Version   int    `json:"version"`
	Objection bool   `json:"objection"` // acknowledgement: object instead
	Approve   bool   `json:"approve"`   // decision: approve (false: reject)
	Note      string `json:"note"`
}

func (s *Server) apiAcknowledgeChange(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.changeStep(w, r, func(id int64, a ChangeAnswer) (servicedesk.Ticket, error) {
		return s.sd.Acknowledge(r.Context(), c.scope, id, a.Objection, a.Note)
	})
}

func (s *Server) apiDecideChange(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.changeStep(w, r, func(id int64, a ChangeAnswer) (servicedesk.Ticket, error) {
		return s.sd.Decide(r.Context(), c.scope, id, a.Version, a.Approve, a.Note)
	})
}

func (s *Server) changeStep(w http.ResponseWriter, r *http.Request, do func(int64, ChangeAnswer) (servicedesk.Ticket, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var a ChangeAnswer
	if err := decodeJSON(w, r, &a); err != nil {
		return err
	}
	t, err := do(id, a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// ProblemRequest is the body of PUT /api/v1/tickets/{id}/problem.
type ProblemRequest struct {
	Version    int    `json:"version"`
	RootCause  string `json:"root_cause"`
	Workaround string `json:"workaround"`
	KnownError bool   `json:"known_error"`
}

func (s *Server) apiSetProblem(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req ProblemRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.sd.SetProblem(r.Context(), c.scope, id, req.Version, req.RootCause, req.Workaround, req.KnownError)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// LinkRequest is the body of POST /api/v1/tickets/{id}/incidents.
type LinkRequest struct {
	Incident int64 `json:"incident"`
}

func (s *Server) apiLinkIncident(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req LinkRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.sd.LinkIncident(r.Context(), c.scope, id, req.Incident)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiUnitClosures(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	cs, err := s.sd.UnitClosures(r.Context(), c.scope, o.ID)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []calendar.Closure{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"closures": cs})
	return nil
}

// ClosuresRequest is the body of PUT /api/v1/organizations/{ref}/closing-days.
type ClosuresRequest struct {
	Closures []string `json:"closures"`
}

func (s *Server) apiSetUnitClosures(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	var req ClosuresRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	cs, err := s.sd.SetUnitClosures(r.Context(), c.scope, o.ID, req.Closures)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"closures": cs})
	return nil
}
