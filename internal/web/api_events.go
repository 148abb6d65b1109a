package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/sources"
)

func (s *Server) apiListSources(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.src.List(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// CreateSourceRequest is the body of POST /api/v1/log-sources.
type CreateSourceRequest struct {
	Org   string `json:"org"` // municipality code or slug
	Name  string `json:"name"`
	Kind  string `json:"kind"` // cidr, hostname, token, certificate
	Value string `json:"value"`
	// Type is the logging standard's source type (optional).
	Type string `json:"type,omitempty"`
	// SilentAfterSeconds overrides the type's silence threshold.
	SilentAfterSeconds int64 `json:"silent_after_seconds,omitempty"`
	// AllowOverlap registers over another organisation's source (see
	// sources.Registry.Add).
	AllowOverlap bool `json:"allow_overlap,omitempty"`
	// HTTPWithoutToken lets the range's senders use HTTP ingest without a
	// token.
	HTTPWithoutToken bool `json:"http_without_token,omitempty"`
}

// CreateSourceResponse carries an ingest token once, for token sources.
type CreateSourceResponse struct {
	Source sources.Source `json:"source"`
	Token  string         `json:"token,omitempty"`
}

func (s *Server) apiCreateSource(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateSourceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.orgs.Get(r.Context(), c.scope, req.Org)
	if err != nil {
		return errs.InField("org", err)
	}
	src, token, err := s.src.Add(r.Context(), c.scope, sources.NewSource{OrgID: o.ID, Name: req.Name, Kind: req.Kind, Value: req.Value,
		Type: req.Type, SilentAfter: time.Duration(req.SilentAfterSeconds) * time.Second, AllowOverlap: req.AllowOverlap, HTTPWithoutToken: req.HTTPWithoutToken})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CreateSourceResponse{Source: src, Token: token})
	return nil
}

// eventQuery reads q, from, to and tenant from a request. The default
// window is the last 24 hours, reaching a little into the future (senders'
// clocks run ahead).
func eventQuery(r *http.Request) (eventstore.Query, error) {
	q := r.URL.Query()
	to := time.Now().Add(5 * time.Minute)
	from := to.Add(-24 * time.Hour)
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return eventstore.Query{}, errs.Field("from", "want an RFC 3339 time such as 2026-11-29T08:00:00Z, got %q", v)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return eventstore.Query{}, errs.Field("to", "want an RFC 3339 time such as 2026-11-29T09:00:00Z, got %q", v)
		}
	}
	return eventstore.Query{From: from, To: to, Q: q.Get("q"), Cursor: q.Get("cursor")}, nil
}

func (s *Server) apiSearchEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	eq, err := eventQuery(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") != "" {
		l, _, perr := paging(r)
		if perr != nil {
			return perr
		}
		eq.Limit = l
	}
	res, err := s.ev.Search(r.Context(), c.scope, eq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// HistogramResponse is the body of GET /api/v1/events/histogram.
type HistogramResponse struct {
	Width   string              `json:"width"` // bucket width as a Go duration
	Buckets []eventstore.Bucket `json:"buckets"`
}

func (s *Server) apiEventHistogram(w http.ResponseWriter, r *http.Request, c *caller) error {
	eq, err := eventQuery(r)
	if err != nil {
		return err
	}
	n := 60
	if v := r.URL.Query().Get("buckets"); v != "" {
		if n, err = strconv.Atoi(v); err != nil {
			return errs.Field("buckets", "buckets must be a whole number 1–500")
		}
	}
	b, width, err := s.ev.Histogram(r.Context(), c.scope, eq, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, HistogramResponse{Width: width.String(), Buckets: b})
	return nil
}

// FacetsResponse is the body of GET /api/v1/events/facets.
type FacetsResponse struct {
	Sampled int                `json:"sampled"`
	Facets  []eventstore.Facet `json:"facets"`
}

func (s *Server) apiEventFacets(w http.ResponseWriter, r *http.Request, c *caller) error {
	eq, err := eventQuery(r)
	if err != nil {
		return err
	}
	f, n, err := s.ev.Facets(r.Context(), c.scope, eq, 12, 10)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, FacetsResponse{Sampled: n, Facets: f})
	return nil
}

func (s *Server) apiEventCounts(w http.ResponseWriter, r *http.Request, c *caller) error {
	eq, err := eventQuery(r)
	if err != nil {
		return err
	}
	top := 10
	if v := r.URL.Query().Get("top"); v != "" {
		if top, err = strconv.Atoi(v); err != nil {
			return errs.Field("top", "top must be a whole number 1–100")
		}
	}
	counts, err := s.ev.Count(r.Context(), c.scope, eq, r.URL.Query().Get("field"), top)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, counts)
	return nil
}

// ExportMax bounds one export (it streams; memory stays flat).
const ExportMax = 1000000

func (s *Server) apiExportEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	eq, err := eventQuery(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "ndjson"
	}
	if format != "ndjson" && format != "csv" {
		return errs.Field("format", "format is ndjson or csv")
	}
	// Check the query before the first byte is written.
	if err := s.ev.CheckQuery(eq.Q); err != nil {
		return err
	}
	eq.Limit = ExportMax
	name := "samdrift-events-" + time.Now().UTC().Format("20060102T150405Z")
	var write func(e event.Event) error
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		cw := csv.NewWriter(w)
		defer cw.Flush()
		_ = cw.Write([]string{"time", "tenant", "host", "app", "severity", "message", "fields", "sender", "source", "id"})
		write = func(e event.Event) error {
			fs := make([]string, len(e.Fields))
			for i, f := range e.Fields {
				fs[i] = f.Key + "=" + f.Value
			}
			return cw.Write([]string{e.Time.Format(time.RFC3339Nano), strconv.FormatInt(e.Tenant, 10), e.Host, e.App,
				strconv.Itoa(e.Severity), csvSafe(e.Message), csvSafe(strings.Join(fs, " ")), e.SourceIP, e.Source, e.ID})
		}
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.ndjson"`)
		enc := json.NewEncoder(w)
		write = func(e event.Event) error { return enc.Encode(e) }
	}
	sent := 0
	err = s.ev.Each(r.Context(), c.scope, eq, func(e event.Event) error {
		sent++
		return write(e)
	})
	if err != nil {
		// The header is out; all that is left is to log it.
		s.log.Warn("event export ended early", "err", err, "sent", sent)
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
