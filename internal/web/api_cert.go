package web

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel"
)

func (s *Server) certRoutes() {
	s.api("GET /api/v1/assets", s.apiAssets)
	s.api("POST /api/v1/assets", s.apiAddAsset)
	s.api("POST /api/v1/assets/import", s.apiImportAssets)
	s.api("GET /api/v1/advisories", s.apiAdvisories)
	s.api("POST /api/v1/advisories", s.apiPublishAdvisory)
	s.api("POST /api/v1/advisories/import", s.apiImportAdvisories)
	s.api("GET /api/v1/advisories/{id}", s.apiAdvisory)
	s.api("GET /api/v1/advisories/{id}/csaf", s.apiAdvisoryCSAF)
	s.api("GET /api/v1/vulnerabilities", s.apiVulnerabilities)
	s.api("GET /api/v1/vulnerabilities/exposure", s.apiExposure)
	s.api("PATCH /api/v1/vulnerabilities/{id}", s.apiSetVulnerability)
	s.certPages()
	s.intelRoutes()
	s.complianceRoutes()
	s.needsRoutes()
	s.intelPages()
	s.compliancePages()
}

func (s *Server) apiAssets(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.orgParam(r, c, "org")
	if err != nil {
		return err
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	items, total, err := s.cert.Assets(r.Context(), c.scope, cert.AssetFilter{Org: org, Text: r.URL.Query().Get("q"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

func (s *Server) apiAddAsset(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req cert.NewAsset
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.cert.AddAsset(r.Context(), c.scope, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// ImportCount is what an asset import answers.
type ImportCount struct {
	Imported int `json:"imported"`
}

// apiImportAssets takes a CSV file or a CycloneDX JSON SBOM as the body
// (?org=, ?format=csv|cyclonedx, ?location= for an SBOM).
func (s *Server) apiImportAssets(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
	if err != nil {
		return errs.Field("file", "at most 32 MiB")
	}
	var n int
	switch q.Get("format") {
	case "csv":
		n, err = s.cert.ImportCSV(r.Context(), c.scope, q.Get("org"), bytes.NewReader(data))
	case "cyclonedx":
		n, err = s.cert.ImportCycloneDX(r.Context(), c.scope, q.Get("org"), q.Get("location"), data)
	default:
		return errs.Field("format", "format is csv or cyclonedx")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ImportCount{Imported: n})
	return nil
}

func (s *Server) apiAdvisories(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sort, err := sortParam(q, cert.AdvisorySorts...)
	if err != nil {
		return err
	}
	items, total, err := s.cert.Advisories(r.Context(), c.scope, cert.AdvisoryFilter{Source: q.Get("source"), Affected: q.Get("affected") == "true",
		Limit: limit, Offset: offset, Sort: sort})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

func (s *Server) apiPublishAdvisory(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req cert.NewAdvisory
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := s.cert.Publish(r.Context(), c.scope, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// apiImportAdvisories takes a document as the body: ?format=kev (CISA's
// Known Exploited Vulnerabilities catalogue), csaf (a CSAF 2.0 advisory),
// misp (a MISP event) or stix (a STIX 2.1 bundle). ?tlp= is a floor
// (nothing imported is shared wider), ?default_tlp= marks what carries no
// TLP (default amber), ?org= whose it becomes.
func (s *Server) apiImportAdvisories(w http.ResponseWriter, r *http.Request, c *caller) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		return errs.Field("file", "at most 64 MiB")
	}
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		name = "upload"
	}
	switch f := q.Get("format"); f {
	case "kev":
		res, err := s.cert.ImportKEV(r.Context(), c.scope, data)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	case "csaf":
		res, err := s.cert.ImportCSAF(r.Context(), c.scope, []string{name}, [][]byte{data}, cert.CSAFOptions{TLP: q.Get("tlp"), Default: q.Get("default_tlp")})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	case "misp", "stix":
		org, err := s.orgParam(r, c, "org")
		if err != nil {
			return err
		}
		opt := intel.ImportOptions{Name: name, TLP: q.Get("tlp"), Default: q.Get("default_tlp"), Org: org}
		var res intel.ImportResult
		if f == "misp" {
			res, err = s.intel.ImportMISPEvent(r.Context(), c.scope, data, opt)
		} else {
			res, err = s.intel.ImportSTIX(r.Context(), c.scope, data, opt)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	default:
		return errs.Field("format", "format is kev, csaf, misp or stix")
	}
}

// apiAdvisoryCSAF writes an advisory as a CSAF 2.0 document.
func (s *Server) apiAdvisoryCSAF(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lang := "da"
	if l := r.URL.Query().Get("lang"); l == "en" {
		lang = l
	}
	data, a, err := s.cert.ExportCSAF(r.Context(), c.scope, id, lang)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(a.Source+"-"+a.Ref)+`.json"`)
	_, err = w.Write(data)
	return err
}

func safeFileName(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// AdvisoryDetail is an advisory with its status matrix.
type AdvisoryDetail struct {
	cert.Advisory
	Organisations []cert.OrgStatus `json:"organisations"`
}

func (s *Server) apiAdvisory(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.cert.Advisory(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	m, err := s.cert.Matrix(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AdvisoryDetail{Advisory: a, Organisations: m})
	return nil
}

func (s *Server) apiVulnerabilities(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.orgParam(r, c, "org")
	if err != nil {
		return err
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	adv := int64(0)
	if v := r.URL.Query().Get("advisory"); v != "" {
		if adv, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errs.Field("advisory", "want an advisory's number")
		}
	}
	sort, err := sortParam(r.URL.Query(), cert.VulnSorts...)
	if err != nil {
		return err
	}
	items, total, err := s.cert.Vulnerabilities(r.Context(), c.scope, cert.VulnFilter{Org: org, Status: r.URL.Query().Get("status"), Advisory: adv,
		Limit: limit, Offset: offset, Sort: sort})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

func (s *Server) apiSetVulnerability(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req cert.StatusChange
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.cert.SetStatus(r.Context(), c.scope, id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// apiExposure is open and overdue vulnerabilities per unit, week by week
// (?weeks=, default 12), within the caller's reach.
func (s *Server) apiExposure(w http.ResponseWriter, r *http.Request, c *caller) error {
	weeks := 12
	if v := r.URL.Query().Get("weeks"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errs.Field("weeks", "want a whole number of weeks")
		}
		weeks = n
	}
	ex, err := s.cert.Exposure(r.Context(), c.scope, weeks)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ex)
	return nil
}
