package web

import (
	"net/http"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
)

func (s *Server) oncallRoutes() {
	s.api("GET /api/v1/oncall", s.apiWhoIsOnCall)
	s.api("GET /api/v1/oncall/teams", s.apiTeams)
	s.api("POST /api/v1/oncall/teams", s.apiCreateTeam)
	s.api("GET /api/v1/oncall/teams/{slug}", s.apiTeam)
	s.api("PATCH /api/v1/oncall/teams/{slug}", s.apiEditTeam)
	s.api("GET /api/v1/oncall/teams/{slug}/rotations", s.apiRotations)
	s.api("POST /api/v1/oncall/teams/{slug}/rotations", s.apiAddRotation)
	s.api("DELETE /api/v1/oncall/teams/{slug}/rotations/{id}", s.apiRemoveRotation)
	s.api("GET /api/v1/oncall/teams/{slug}/overrides", s.apiOverrides)
	s.api("POST /api/v1/oncall/teams/{slug}/overrides", s.apiAddOverride)
	s.api("DELETE /api/v1/oncall/teams/{slug}/overrides/{id}", s.apiRemoveOverride)
	s.api("GET /api/v1/oncall/teams/{slug}/shifts", s.apiShifts)
	s.api("GET /api/v1/oncall/teams/{slug}/handovers", s.apiHandovers)
	s.api("POST /api/v1/oncall/teams/{slug}/handovers", s.apiAddHandover)
	s.api("GET /api/v1/oncall/teams/{slug}/policies", s.apiPolicies)
	s.api("PUT /api/v1/oncall/teams/{slug}/policies/{severity}", s.apiSetPolicy)
	s.api("GET /api/v1/escalations", s.apiEscalations)
	s.api("GET /api/v1/escalations/{id}", s.apiEscalation)
	s.api("POST /api/v1/escalations/{id}/ack", s.apiEscalationAct("ack"))
	s.api("POST /api/v1/escalations/{id}/snooze", s.apiEscalationAct("snooze"))
	s.api("POST /api/v1/escalations/{id}/resolve", s.apiEscalationAct("resolve"))
	s.oncallPages()
}

// timeParam reads an RFC 3339 time from the query (def when absent).
func timeParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, errs.Field(name, "%s is an RFC 3339 time such as 2026-12-24T03:00:00+01:00", name)
	}
	return t, nil
}

func (s *Server) apiWhoIsOnCall(w http.ResponseWriter, r *http.Request, c *caller) error {
	team := r.URL.Query().Get("team")
	if team == "" {
		return errs.Field("team", "name the team (its slug)")
	}
	at, err := timeParam(r, "at", time.Now())
	if err != nil {
		return err
	}
	items, err := s.oncall.WhoIsOnCall(r.Context(), c.scope, team, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

func (s *Server) apiTeams(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.oncall.Teams(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

// TeamRequest is the body of POST /api/v1/oncall/teams.
type TeamRequest struct {
	Org     string   `json:"org"`
	Slug    string   `json:"slug"`
	Name    string   `json:"name"`
	Default bool     `json:"default"`
	Members []string `json:"members"`
}

func (s *Server) apiCreateTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req TeamRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Org == "" {
		return errs.Field("org", "name the team's organisation (code, slug or id)")
	}
	o, err := s.orgs.Get(r.Context(), c.scope, req.Org)
	if err != nil {
		return errs.InField("org", err)
	}
	t, err := s.oncall.CreateTeam(r.Context(), c.scope, oncall.NewTeam{OrgID: o.ID, Slug: req.Slug, Name: req.Name, Default: req.Default, Members: req.Members})
	if e := errs.As(err); e != nil && e.Field == "org_id" {
		// An organisation out of reach answers as an unknown one does.
		return errs.InField("org", errs.E(errs.NotFound, "no organisation %q (give a municipality code such as 101, a slug or an id)", req.Org))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) apiTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, err := s.oncall.Team(r.Context(), c.scope, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// TeamPatch is the body of PATCH /api/v1/oncall/teams/{slug}; absent
// fields keep what is there, members replace the team's.
type TeamPatch struct {
	Name    *string  `json:"name,omitempty"`
	Default *bool    `json:"default,omitempty"`
	Members []string `json:"members,omitempty"`
}

func (s *Server) apiEditTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req TeamPatch
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.oncall.EditTeam(r.Context(), c.scope, r.PathValue("slug"), oncall.TeamChange{Name: req.Name, Default: req.Default, Members: req.Members})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiRotations(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.oncall.Rotations(r.Context(), c.scope, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

// RotationRequest is the body of POST …/rotations.
type RotationRequest struct {
	Level   int      `json:"level"`
	Name    string   `json:"name,omitempty"`
	Members []string `json:"members"`
	// Period: "daily", "weekly", "3d" or "12h".
	Period string `json:"period"`
	// Start is the first handoff; its Copenhagen time of day is every
	// handoff's.
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
	// Restriction such as "mon-fri 08:00-16:00" ("" : always).
	Restriction string `json:"restriction,omitempty"`
}

// newRotation checks a rotation request.
func (req RotationRequest) newRotation() (oncall.NewRotation, error) {
	n := oncall.NewRotation{Level: req.Level, Name: req.Name, Members: req.Members, Start: req.Start}
	var err error
	if n.Period, err = oncall.ParsePeriod("period", req.Period); err != nil {
		return n, err
	}
	if n.Restriction, err = oncall.ParseRestriction("restriction", req.Restriction); err != nil {
		return n, err
	}
	if req.End != nil {
		n.End = *req.End
	}
	return n, nil
}

func (s *Server) apiAddRotation(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req RotationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n, err := req.newRotation()
	if err != nil {
		return err
	}
	rot, err := s.oncall.AddRotation(r.Context(), c.scope, r.PathValue("slug"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rot)
	return nil
}

func (s *Server) apiRemoveRotation(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.oncall.RemoveRotation(r.Context(), c.scope, r.PathValue("slug"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// window reads from and to (default: now and a week on).
func window(r *http.Request) (time.Time, time.Time, error) {
	from, err := timeParam(r, "from", time.Now())
	if err != nil {
		return from, from, err
	}
	to, err := timeParam(r, "to", from.Add(7*24*time.Hour))
	return from, to, err
}

func (s *Server) apiOverrides(w http.ResponseWriter, r *http.Request, c *caller) error {
	from, to, err := window(r)
	if err != nil {
		return err
	}
	items, err := s.oncall.Overrides(r.Context(), c.scope, r.PathValue("slug"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

// OverrideRequest is the body of POST …/overrides ("I take Thursday
// night").
type OverrideRequest struct {
	Level int       `json:"level"`
	User  string    `json:"user"`
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
}

func (s *Server) apiAddOverride(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req OverrideRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.oncall.AddOverride(r.Context(), c.scope, r.PathValue("slug"), oncall.NewOverride{Level: req.Level, User: req.User, From: req.From, Until: req.Until})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) apiRemoveOverride(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.oncall.RemoveOverride(r.Context(), c.scope, r.PathValue("slug"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiShifts(w http.ResponseWriter, r *http.Request, c *caller) error {
	from, to, err := window(r)
	if err != nil {
		return err
	}
	items, err := s.oncall.Shifts(r.Context(), c.scope, r.PathValue("slug"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

func (s *Server) apiHandovers(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, err := intParam(r.URL.Query().Get("limit"), 20, 1, 200, "limit")
	if err != nil {
		return err
	}
	items, err := s.oncall.Handovers(r.Context(), c.scope, r.PathValue("slug"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), limit, 0))
	return nil
}

func (s *Server) apiAddHandover(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CaseNoteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	h, err := s.oncall.AddHandover(r.Context(), c.scope, r.PathValue("slug"), req.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) apiPolicies(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.oncall.Policies(r.Context(), c.scope, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), max(len(items), 1), 0))
	return nil
}

// PolicyRequest is the body of PUT …/policies/{severity}.
type PolicyRequest struct {
	Steps   []oncall.Step `json:"steps"`
	Repeats int           `json:"repeats"`
}

func (s *Server) apiSetPolicy(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req PolicyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.oncall.SetPolicy(r.Context(), c.scope, r.PathValue("slug"), oncall.Policy{Severity: r.PathValue("severity"), Steps: req.Steps, Repeats: req.Repeats})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiEscalations(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), 100, 1, 500, "limit")
	if err != nil {
		return err
	}
	items, err := s.oncall.Escalations(r.Context(), c.scope, oncall.Filter{State: q.Get("state"), Team: q.Get("team"), Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), limit, 0))
	return nil
}

func (s *Server) apiEscalation(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.oncall.Escalation(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// SnoozeRequest is the body of POST /api/v1/escalations/{id}/snooze.
type SnoozeRequest struct {
	Until time.Time `json:"until"`
}

// apiEscalationAct acknowledges, snoozes or resolves an escalation.
func (s *Server) apiEscalationAct(action string) func(http.ResponseWriter, *http.Request, *caller) error {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var e oncall.Escalation
		switch action {
		case "ack":
			e, err = s.oncall.Ack(r.Context(), c.scope, id)
		case "resolve":
			e, err = s.oncall.Resolve(r.Context(), c.scope, id)
		default:
			var req SnoozeRequest
			if err := decodeJSON(w, r, &req); err != nil {
				return err
			}
			e, err = s.oncall.Snooze(r.Context(), c.scope, id, req.Until)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, e)
		return nil
	}
}
