package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
)

func (s *Server) detectRoutes() {
	s.api("GET /api/v1/alerts", s.apiAlerts)
	s.api("GET /api/v1/alerts/stream", s.apiAlertStream)
	s.api("GET /api/v1/alerts/{id}", s.apiAlert)
	s.api("POST /api/v1/alerts/{id}/triage", s.apiTriageAlert)
	s.api("POST /api/v1/alerts/triage", s.apiTriageAlerts)
	s.api("GET /api/v1/detection-rules", s.apiDetectionRules)
	s.api("POST /api/v1/detection-rules", s.apiImportRules)
	s.api("PUT /api/v1/detection-rules/{id}", s.apiSetRule)
	s.api("PUT /api/v1/organizations/{ref}/detection-rules/{id}", s.apiSetOrgRule)
	s.indicatorRoutes()
	s.api("POST /api/v1/organizations/{ref}/detection-filters", s.apiImportOrgFilters)
	s.api("GET /api/v1/organizations/{ref}/placeholders", s.apiPlaceholders)
	s.api("PUT /api/v1/organizations/{ref}/placeholders/{name}", s.apiSetPlaceholder)
}

func (s *Server) apiPlaceholders(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	ph, err := s.det.Library().Placeholders(r.Context(), c.scope, o.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ph)
	return nil
}

// SetPlaceholderRequest is the body of PUT …/placeholders/{name}.
type SetPlaceholderRequest struct {
	Values []string `json:"values"`
}

func (s *Server) apiSetPlaceholder(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	var req SetPlaceholderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.det.Library().SetPlaceholder(r.Context(), c.scope, o.ID, r.PathValue("name"), req.Values); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, req)
	return nil
}

// alertFilter reads the listing filters of /api/v1/alerts and /alerts.
func (s *Server) alertFilter(r *http.Request, c *caller) (detect.Filter, error) {
	q := r.URL.Query()
	f := detect.Filter{Level: q.Get("level"), RuleID: q.Get("rule"), Status: q.Get("status")}
	switch f.Level {
	case "", "informational", "low", "medium", "high", "critical":
	default:
		return f, errs.Field("level", "level is one of informational, low, medium, high, critical")
	}
	if ref := q.Get("org"); ref != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, ref)
		if err != nil {
			return f, err
		}
		f.Tenant = o.ID
	}
	var err error
	if f.Sort, err = sortParam(q, detect.AlertSorts...); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q.Get("limit"), 100, 1, 500, "limit"); err != nil {
		return f, err
	}
	if f.Offset, err = intParam(q.Get("cursor"), 0, 0, 1<<30, "cursor"); err != nil {
		return f, err
	}
	if v := q.Get("since"); v != "" {
		if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
			return f, errs.Field("since", "since is an RFC 3339 time")
		}
	}
	return f, nil
}

func intParam(v string, def, lo, hi int, name string) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errs.Field(name, "%s is a number from %d to %d", name, lo, hi)
	}
	return n, nil
}

func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.det.Alerts(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, f.Limit, f.Offset))
	return nil
}

func (s *Server) apiAlert(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.det.Alert(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiTriageAlert(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req detect.TriageRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.det.Triage(r.Context(), c.scope, id, req, time.Now().UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// bulkTriage is the body of a bulk triage: the alerts and what to do.
type bulkTriage struct {
	IDs []int64 `json:"ids"`
	detect.TriageRequest
}

func (s *Server) apiTriageAlerts(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req bulkTriage
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	res, err := s.det.TriageMany(r.Context(), c.scope, req.IDs, req.TriageRequest, time.Now().UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// apiAlertStream streams new and updated alerts within the caller's reach
// as server-sent events ("event: alert"); "event: resync" tells a client
// that fell behind to reload the list. A comment line every 15 s keeps
// proxies from closing the stream.
func (s *Server) apiAlertStream(w http.ResponseWriter, r *http.Request, c *caller) error {
	sub, err := s.det.Subscribe(r.Context(), c.scope)
	if err != nil {
		return err
	}
	defer sub.Close()
	return s.streamAlerts(w, r, c, sub, "samdrift alerts", func(a detect.Alert) (string, bool) {
		b, _ := json.Marshal(a)
		return fmt.Sprintf("event: alert\nid: %d\ndata: %s\n\n", a.ID, b), true
	})
}

func (s *Server) apiDetectionRules(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.det.Library().List(r.Context(), c.scope, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// maxRuleImport bounds an import body (SigmaHQ's whole tree is ≈ 15 MB;
// import it with the CLI, or in parts).
const maxRuleImport = 8 << 20

// apiImportRules imports the Sigma documents of a YAML body (one file,
// documents separated by ---). ?origin= names where they come from.
func (s *Server) apiImportRules(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.importDocs(w, r, c, 0)
}

// apiImportOrgFilters imports meta-filters an organisation keeps for its
// own events.
func (s *Server) apiImportOrgFilters(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return s.importDocs(w, r, c, o.ID)
}

func (s *Server) importDocs(w http.ResponseWriter, r *http.Request, c *caller, org int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRuleImport))
	if err != nil {
		return errs.Field("body", "the rule file is larger than %d MiB; import large trees with samdrift rules import", maxRuleImport>>20)
	}
	name := r.URL.Query().Get("file")
	if name == "" {
		name = "upload.yml"
	}
	rep, err := s.det.Library().ImportFor(r.Context(), c.scope, org, r.URL.Query().Get("origin"), []detect.File{{Name: name, Data: body}})
	if err != nil {
		return err
	}
	if rep.Rejected == nil {
		rep.Rejected = []string{}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiSetRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.setRule(w, r, c, 0)
}

func (s *Server) apiSetOrgRule(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return s.setRule(w, r, c, o.ID)
}

func (s *Server) setRule(w http.ResponseWriter, r *http.Request, c *caller, org int64) error {
	var req detect.Setting
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.det.Library().SetForOrg(r.Context(), c.scope, org, r.PathValue("id"), req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, req)
	return nil
}

func (s *Server) indicatorRoutes() {
	s.api("GET /api/v1/indicators", s.apiIndicators)
	s.api("POST /api/v1/indicators", s.apiAddIndicators)
	s.api("DELETE /api/v1/indicators/{id}", s.apiDeleteIndicator)
}

func (s *Server) apiIndicators(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), 100, 1, 1000, "limit")
	if err != nil {
		return err
	}
	offset, err := intParam(q.Get("cursor"), 0, 0, 1<<30, "cursor")
	if err != nil {
		return err
	}
	f := detect.IndicatorFilter{Type: q.Get("type"), Sighted: q.Get("sighted") == "true", Limit: limit, Offset: offset}
	for _, p := range []struct {
		name string
		v    *int64
	}{{"report", &f.Report}, {"feed", &f.Feed}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errs.Field(p.name, "want a number")
			}
			*p.v = n
		}
	}
	items, total, err := s.det.Indicators(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

// AddIndicatorsRequest is the body of POST /api/v1/indicators. TLP and
// Org apply to every indicator that does not say otherwise.
type AddIndicatorsRequest struct {
	Source     string                `json:"source"`
	TLP        string                `json:"tlp,omitempty"`
	Org        string                `json:"org,omitempty"` // code, slug or id of who shares them
	Indicators []indicator.Indicator `json:"indicators"`
}

func (s *Server) apiAddIndicators(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req AddIndicatorsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if len(req.Indicators) == 0 {
		return errs.Field("indicators", "give at least one indicator")
	}
	org, err := s.orgRef(r, c, "org", req.Org)
	if err != nil {
		return err
	}
	for i := range req.Indicators {
		if req.Indicators[i].TLP == "" {
			req.Indicators[i].TLP = req.TLP
		}
		if req.Indicators[i].OrgID == 0 {
			req.Indicators[i].OrgID = org
		}
	}
	rep, err := s.det.AddIndicators(r.Context(), c.scope, req.Source, req.Indicators, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiDeleteIndicator(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.det.DeleteIndicator(r.Context(), c.scope, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
