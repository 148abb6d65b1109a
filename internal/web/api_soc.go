package web

import (
	"net/http"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/sources"
)

// Dashboard is the SOC's picture across the organisations in the
// caller's reach (a CISO's: their own).
type Dashboard struct {
	Since    time.Time             `json:"since"`
	Alerts   detect.Stats          `json:"alerts"`
	Cases    soc.Stats             `json:"cases"`
	Coverage []sources.OrgCoverage `json:"coverage"`
	// Escalations are the pages not yet acknowledged (active or snoozed).
	Escalations []oncall.Escalation `json:"escalations"`
}

func (s *Server) socRoutes() {
	s.api("GET /api/v1/soc/dashboard", s.apiDashboard)
	s.page("GET /soc", s.dashboardPage)
}

// dashboard gathers the dashboard for the caller over the last months
// (the current one included).
func (s *Server) dashboard(r *http.Request, c *caller) (Dashboard, error) {
	if !c.scope.Can(access.ReadCases) {
		return Dashboard{}, errs.E(errs.Forbidden, "the security dashboard is for the SOC, the CERT, CISOs, municipal IT, unit managers and governance")
	}
	months, err := intParam(r.URL.Query().Get("months"), 6, 1, 24, "months")
	if err != nil {
		return Dashboard{}, err
	}
	now := time.Now().In(locale.Copenhagen)
	since := time.Date(now.Year(), now.Month()-time.Month(months-1), 1, 0, 0, 0, 0, locale.Copenhagen).UTC()
	d := Dashboard{Since: since}
	if d.Alerts, err = s.det.Stats(r.Context(), c.scope, since); err != nil {
		return d, err
	}
	if d.Cases, err = s.cases.Stats(r.Context(), c.scope, since); err != nil {
		return d, err
	}
	if d.Coverage, err = s.src.Overview(r.Context(), c.scope, time.Now()); err != nil {
		return d, err
	}
	d.Escalations = []oncall.Escalation{}
	for _, state := range []string{oncall.StateActive, oncall.StateSnoozed} {
		es, err := s.oncall.Escalations(r.Context(), c.scope, oncall.Filter{State: state, Limit: 100})
		if err != nil {
			return d, err
		}
		d.Escalations = append(d.Escalations, es...)
	}
	return d, nil
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request, c *caller) error {
	d, err := s.dashboard(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
