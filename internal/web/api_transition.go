package web

import (
	"net/http"
	"strconv"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/transition"
)

func (s *Server) apiTransitionOverview(w http.ResponseWriter, r *http.Request, c *caller) error {
	months := 12
	if v := r.URL.Query().Get("months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errs.Field("months", "want a whole number of months, got %q", v)
		}
		months = n
	}
	ov, err := s.plan.Overview(r.Context(), c.scope, months)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ov)
	return nil
}

// PlanResponse is one municipality's transition plan.
type PlanResponse struct {
	Municipality string             `json:"municipality"`
	Entries      []transition.Entry `json:"entries"`
}

func (s *Server) apiTransitionPlan(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("municipality"))
	if err != nil {
		return err
	}
	entries, err := s.plan.Plan(r.Context(), c.scope, m.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PlanResponse{Municipality: m.Code, Entries: entries})
	return nil
}

// PlanEntryRequest is the body of PUT /api/v1/transition/{municipality}/{service}.
type PlanEntryRequest struct {
	Source      string `json:"source"`
	Supplier    string `json:"supplier"`
	PlannedDate string `json:"planned_date"`
	Status      string `json:"status"`
	Note        string `json:"note"`
}

func (s *Server) apiSetTransition(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("municipality"))
	if err != nil {
		return err
	}
	var req PlanEntryRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	e, err := s.plan.Set(r.Context(), c.scope, m.ID, r.PathValue("service"), transition.Change{Source: transition.Source(req.Source),
		Supplier: req.Supplier, PlannedDate: req.PlannedDate, Status: transition.Status(req.Status), Note: req.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}
