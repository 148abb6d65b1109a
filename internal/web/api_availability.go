package web

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/sources"
)

func (s *Server) availabilityRoutes() {
	s.api("GET /api/v1/availability", s.apiAvailability)
	s.api("GET /api/v1/outages", s.apiOutages)
	s.api("POST /api/v1/outages", s.apiOpenOutage)
	s.api("GET /api/v1/outages/{id}", s.apiOutage)
	s.api("POST /api/v1/outages/{id}/end", s.apiEndOutage)
	s.page("GET /status", s.statusPage)
	s.page("POST /status/outages", s.statusOutage)
	s.page("POST /status/outages/{id}/end", s.statusOutage)
	s.page("POST /status/probes", s.statusProbe)
	s.page("POST /status/probes/{id}/enabled", s.statusProbe)
	s.api("GET /api/v1/probes", s.apiProbes)
	s.api("POST /api/v1/probes", s.apiAddProbe)
	s.api("PATCH /api/v1/probes/{id}", s.apiPatchProbe)
	// The units' monitoring: Alertmanager's webhook with a unit's ingest
	// token (not an API token: it is a sender, like the log receivers).
	var stats availability.WebhookStats
	tokens := func(ctx context.Context, token string) (int64, bool) {
		if !s.src.TokenKnown(ctx, token) {
			return 0, false
		}
		a := s.src.Attribute(netip.Addr{}, "", sources.Credential{Token: token})
		return a.Tenant, a.Tenant != 0
	}
	s.mux.Handle("POST /ingest/alertmanager", s.avail.Alertmanager(tokens, &stats))
	s.mux.Handle("POST /ingest/outages", s.avail.StatusWebhook(tokens, &stats))
	for name, v := range map[string]*atomic.Int64{"received": &stats.Received, "opened": &stats.Opened, "ended": &stats.Ended, "refused": &stats.Refused} {
		s.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_monitoring_webhook_alerts_total",
			Help:        "Alerts from the units' monitoring (Alertmanager webhooks): received, those that opened or ended an outage, and those refused (bad token, body or subscription).",
			ConstLabels: prometheus.Labels{"result": name}}, func() float64 { return float64(v.Load()) }))
	}
}

// AvailabilityResponse is the body of GET /api/v1/availability.
type AvailabilityResponse struct {
	Month string              `json:"month"`
	Items []availability.Item `json:"items"`
	// Municipalities and Units sum the items per organisation.
	Municipalities []availability.Summary `json:"municipalities"`
	Units          []availability.Summary `json:"units"`
}

// monthAndOrg reads month (YYYY-MM, default this month in Copenhagen)
// and org (a code, slug or id within the caller's reach; 0 without).
func (s *Server) monthAndOrg(r *http.Request, c *caller) (string, time.Time, time.Time, int64, error) {
	month := r.URL.Query().Get("month")
	if month == "" {
		month = time.Now().In(calendar.Copenhagen).Format("2006-01")
	}
	from, to, err := availability.MonthOf(month)
	if err != nil {
		return "", time.Time{}, time.Time{}, 0, err
	}
	var org int64
	if ref := r.URL.Query().Get("org"); ref != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, ref)
		if err != nil {
			return "", time.Time{}, time.Time{}, 0, errs.InField("org", err)
		}
		org = o.ID
	}
	return month, from, to, org, nil
}

func (s *Server) apiAvailability(w http.ResponseWriter, r *http.Request, c *caller) error {
	month, from, to, org, err := s.monthAndOrg(r, c)
	if err != nil {
		return err
	}
	items, err := s.avail.Month(r.Context(), c.scope, from, to, org)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		ms, us := availability.Summarize(items)
		writeJSON(w, http.StatusOK, AvailabilityResponse{Month: month, Items: items, Municipalities: ms, Units: us})
	case "csv":
		return availabilityCSV(w, month, items)
	default:
		return errs.Field("format", "want json or csv")
	}
	return nil
}

func (s *Server) apiOutages(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := availability.Filter{OpenOnly: r.URL.Query().Get("open") == "true"}
	if r.URL.Query().Get("month") != "" || r.URL.Query().Get("org") != "" {
		_, from, to, org, err := s.monthAndOrg(r, c)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("month") != "" {
			f.From, f.To = from, to
		}
		f.Org = org
	}
	if v := r.URL.Query().Get("subscription"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return errs.Field("subscription", "want a positive whole number, got %q", v)
		}
		f.Subscription = id
	}
	items, err := s.avail.Outages(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

func (s *Server) apiOutage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.avail.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// OpenOutageRequest is the body of POST /api/v1/outages.
type OpenOutageRequest struct {
	Subscription int64      `json:"subscription"`
	StartedAt    *time.Time `json:"started_at,omitempty"` // default: now
	EndedAt      *time.Time `json:"ended_at,omitempty"`   // omitted: still going on
	// Impact is 0.01–1: 1 (the default) when the service is down, less
	// for a partial outage.
	Impact float64 `json:"impact,omitempty"`
	Cause  string  `json:"cause"`
}

func (s *Server) apiOpenOutage(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req OpenOutageRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n := availability.NewOutage{Subscription: req.Subscription, End: req.EndedAt, Impact: req.Impact, Cause: req.Cause}
	if req.StartedAt != nil {
		n.Start = *req.StartedAt
	}
	o, err := s.avail.Open(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

// EndOutageRequest is the body of POST /api/v1/outages/{id}/end.
type EndOutageRequest struct {
	EndedAt *time.Time `json:"ended_at,omitempty"` // default: now
}

func (s *Server) apiEndOutage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req EndOutageRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var end time.Time
	if req.EndedAt != nil {
		end = *req.EndedAt
	}
	o, err := s.avail.End(r.Context(), c.scope, id, end)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) apiProbes(w http.ResponseWriter, r *http.Request, c *caller) error {
	var sub int64
	if v := r.URL.Query().Get("subscription"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return errs.Field("subscription", "want a positive whole number, got %q", v)
		}
		sub = id
	}
	items, err := s.avail.Probes(r.Context(), c.scope, sub)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// AddProbeRequest is the body of POST /api/v1/probes.
type AddProbeRequest struct {
	Subscription    int64  `json:"subscription"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Target          string `json:"target"`
	IntervalSeconds int    `json:"interval_seconds,omitempty"`
	TimeoutMillis   int    `json:"timeout_ms,omitempty"`
	ExpectStatus    int    `json:"expect_status,omitempty"`
	ExpectBody      string `json:"expect_body,omitempty"`
	FailuresToOpen  int    `json:"failures_to_open,omitempty"`
}

func (s *Server) apiAddProbe(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req AddProbeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.avail.AddProbe(r.Context(), c.scope, availability.NewProbe{Subscription: req.Subscription, Name: req.Name, Kind: req.Kind, Target: req.Target,
		Interval: time.Duration(req.IntervalSeconds) * time.Second, Timeout: time.Duration(req.TimeoutMillis) * time.Millisecond,
		ExpectStatus: req.ExpectStatus, ExpectBody: req.ExpectBody, FailuresToOpen: req.FailuresToOpen})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// PatchProbeRequest is the body of PATCH /api/v1/probes/{id}.
type PatchProbeRequest struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) apiPatchProbe(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req PatchProbeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return errs.Field("enabled", "give enabled: false pauses the probe, true resumes it")
	}
	p, err := s.avail.SetProbeEnabled(r.Context(), c.scope, id, *req.Enabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
