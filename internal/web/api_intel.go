package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/misp"
)

func (s *Server) intelRoutes() {
	s.api("GET /api/v1/intel/reports", s.apiIntelReports)
	s.api("POST /api/v1/intel/reports", s.apiCreateReport)
	s.api("GET /api/v1/intel/reports/{id}", s.apiIntelReport)
	s.api("GET /api/v1/intel/export", s.apiIntelExport)
	s.api("GET /api/v1/intel/misp/{file}", s.apiMISPFeed)
	s.api("GET /api/v1/intel/feeds", s.apiFeeds)
	s.api("POST /api/v1/intel/feeds", s.apiAddFeed)
	s.api("PATCH /api/v1/intel/feeds/{id}", s.apiUpdateFeed)
	s.api("POST /api/v1/intel/feeds/{id}/poll", s.apiPollFeed)
	s.taxiiRoutes()
}

func (s *Server) apiIntelReports(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	f := intel.ReportFilter{Source: r.URL.Query().Get("source"), Limit: limit, Offset: offset}
	if v := r.URL.Query().Get("feed"); v != "" {
		if f.Feed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errs.Field("feed", "want a feed's number")
		}
	}
	items, total, err := s.intel.Reports(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

// NewReportRequest is the body of POST /api/v1/intel/reports.
type NewReportRequest struct {
	intel.NewReport
	Org string `json:"org,omitempty"` // code, slug or id of whose it is
}

// CreatedReport is a new report and what storing its indicators did.
type CreatedReport struct {
	intel.Report
	Stored detect.IndicatorReport `json:"stored"`
}

func (s *Server) apiCreateReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req NewReportRequest
	if err := decodeJSONLimit(w, r, &req, 32<<20); err != nil {
		return err
	}
	org, err := s.orgRef(r, c, "org", req.Org)
	if err != nil {
		return err
	}
	req.NewReport.Org = org
	rep, stored, err := s.intel.CreateReport(r.Context(), c.scope, req.NewReport)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CreatedReport{Report: rep, Stored: stored})
	return nil
}

func (s *Server) apiIntelReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.intel.Report(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// apiIntelExport writes what the caller may read, up to ?tlp=, as a STIX
// 2.1 bundle (?format=stix) or the MISP events of a feed (?format=misp,
// one JSON object of file name → content).
func (s *Server) apiIntelExport(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	switch q.Get("format") {
	case "stix", "":
		data, _, err := s.intel.ExportSTIX(r.Context(), c.scope, q.Get("tlp"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
		w.Header().Set("Content-Disposition", `attachment; filename="samdrift-stix.json"`)
		_, err = w.Write(data)
		return err
	default:
		return errs.Field("format", "format is stix (MISP partners pull the feed at /api/v1/intel/misp/manifest.json)")
	}
}

// apiMISPFeed serves the caller's view of samdrift's MISP feed:
// manifest.json, hashes.csv and <uuid>.json (?tlp= caps what it holds).
func (s *Server) apiMISPFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	events, err := s.intel.ExportMISP(r.Context(), c.scope, r.URL.Query().Get("tlp"))
	if err != nil {
		return err
	}
	files, err := misp.FeedFiles(events)
	if err != nil {
		return errs.Wrap(err, "cannot lay out the MISP feed")
	}
	name := r.PathValue("file")
	data, ok := files[name]
	if !ok {
		return errs.E(errs.NotFound, "no %s in the MISP feed", name)
	}
	if strings.HasSuffix(name, ".csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	_, err = w.Write(data)
	return err
}

func (s *Server) apiFeeds(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.intel.Feeds(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// FeedRequest creates or changes a feed.
type FeedRequest struct {
	intel.FeedChange
	Org string `json:"org,omitempty"`
}

func (s *Server) apiAddFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req FeedRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	org, err := s.orgRef(r, c, "org", req.Org)
	if err != nil {
		return err
	}
	req.FeedChange.OrgID = org
	f, err := s.intel.AddFeed(r.Context(), c.scope, req.FeedChange)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) apiUpdateFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req intel.FeedChange
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, err := s.intel.UpdateFeed(r.Context(), c.scope, id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) apiPollFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.intel.PollNow(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
