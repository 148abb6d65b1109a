package web

import (
	"net/http"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/logstd"
)

func (s *Server) apiLoggingStandard(w http.ResponseWriter, r *http.Request, c *caller) error {
	writeJSON(w, http.StatusOK, logstd.Default())
	return nil
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	cov, err := s.src.Coverage(r.Context(), c.scope, o.ID, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cov)
	return nil
}

func (s *Server) apiLogSignals(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.src.Signals(r.Context(), c.scope, r.URL.Query().Get("all") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

func (s *Server) apiLogRetention(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.ev.Retentions(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// SetRetentionRequest is the body of PUT /api/v1/organizations/{ref}/log-retention.
type SetRetentionRequest struct {
	// Days is 30–3650, or 0 for the logging standard's default.
	Days *int `json:"days"`
}

func (s *Server) apiSetLogRetention(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req SetRetentionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Days == nil {
		return errs.Field("days", "give days (0 returns to the logging standard's)")
	}
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := s.ev.SetRetention(r.Context(), c.scope, o.ID, *req.Days); err != nil {
		return err
	}
	ret, err := s.ev.RetentionOf(r.Context(), c.scope, o.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ret)
	return nil
}

func (s *Server) apiQuarantine(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.ev.Quarantine(r.Context(), c.scope, time.Now().Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}
