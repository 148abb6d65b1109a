package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/errs"
)

func (s *Server) complianceRoutes() {
	s.api("GET /api/v1/frameworks", s.apiFrameworks)
	s.api("POST /api/v1/frameworks/import", s.apiImportFrameworks)
	s.api("DELETE /api/v1/compliance/libraries/{urn}", s.apiRemoveLibrary)
	s.api("GET /api/v1/frameworks/{id}", s.apiFramework)
	s.api("GET /api/v1/frameworks/{id}/requirements", s.apiRequirements)
	s.api("GET /api/v1/assessments", s.apiAssessments)
	s.api("GET /api/v1/assessments/{org}/{framework}", s.apiAssessment)
	s.api("PATCH /api/v1/assessments/{org}/{framework}/requirements/{requirement}", s.apiSetAnswer)
	s.api("GET /api/v1/assessments/{org}/{framework}/soa.csv", s.apiSoA)
	s.api("POST /api/v1/assessments/{org}/{framework}/import", s.apiImportAnswers)
	s.api("GET /api/v1/compliance/heatmap", s.apiHeatmap)
	s.api("GET /api/v1/compliance/checks", s.apiChecks)
	s.api("GET /api/v1/compliance/trends", s.apiTrends)
	s.api("POST /api/v1/compliance/evaluate", s.apiEvaluate)
	s.api("GET /api/v1/evidence", s.apiEvidence)
	s.api("POST /api/v1/evidence", s.apiAddEvidence)
	s.api("GET /api/v1/evidence/{id}/file", s.apiEvidenceFile)
	s.api("DELETE /api/v1/evidence/{id}", s.apiDeleteEvidence)
	s.api("GET /api/v1/standards", s.apiStandards)
	s.api("POST /api/v1/standards", s.apiAddStandard)
	s.api("GET /api/v1/standards/{id}", s.apiStandard)
	s.api("PATCH /api/v1/standards/{id}", s.apiChangeStandard)
	s.api("GET /api/v1/standards/{id}/acks", s.apiAcks)
	s.api("PUT /api/v1/standards/{id}/acks", s.apiAcknowledge)
}

// apiLang is the language of texts in API answers: ?lang=en|da, else the
// caller's UI language (Danish by default).
func apiLang(r *http.Request) (string, error) {
	switch l := r.URL.Query().Get("lang"); l {
	case "":
		return string(langOf(r)), nil
	case "da", "en":
		return l, nil
	default:
		return "", errs.Field("lang", "lang is da or en")
	}
}

func (s *Server) apiFrameworks(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	fws, err := s.comp.Frameworks(r.Context(), c.scope, lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(fws, len(fws), len(fws), 0))
	return nil
}

func (s *Server) apiFramework(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	f, err := s.comp.FrameworkByID(r.Context(), c.scope, r.PathValue("id"), lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

// libraryFiles reads uploaded library files: the parts named "file" of a
// multipart form, or the body itself (named by ?name=).
func libraryFiles(w http.ResponseWriter, r *http.Request) ([]string, [][]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*compliance.MaxLibraryBytes)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, nil, errs.Field("file", "not a multipart form: %v", err)
		}
		var names []string
		var data [][]byte
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, errs.Field("file", "cannot read the upload: %v", err)
			}
			if p.FormName() != "file" {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p, compliance.MaxLibraryBytes+1))
			if err != nil {
				return nil, nil, errs.Field("file", "cannot read the upload: %v", err)
			}
			if len(b) == 0 {
				continue
			}
			names, data = append(names, p.FileName()), append(data, b)
		}
		if len(names) == 0 {
			return nil, nil, errs.Field("file", "choose one or more library files (.yaml)")
		}
		return names, data, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, errs.Field("file", "at most %d MiB in all", 2*compliance.MaxLibraryBytes>>20)
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "library.yaml"
	}
	return []string{name}, [][]byte{b}, nil
}

// ImportedLibraries is what POST /api/v1/frameworks/import did.
type ImportedLibraries struct {
	Items []compliance.InstallResult `json:"items"`
}

func (s *Server) apiImportFrameworks(w http.ResponseWriter, r *http.Request, c *caller) error {
	names, data, err := libraryFiles(w, r)
	if err != nil {
		return err
	}
	res, err := s.comp.ImportLibraries(r.Context(), c.scope, names, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ImportedLibraries{Items: res})
	return nil
}

func (s *Server) apiRequirements(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := compliance.RequirementFilter{Section: q.Get("section"), Query: q.Get("q")}
	if v := q.Get("assessable"); v != "" {
		if f.Assessable, err = strconv.ParseBool(v); err != nil {
			return errs.Field("assessable", "true or false")
		}
	}
	reqs, err := s.comp.Requirements(r.Context(), c.scope, r.PathValue("id"), lang, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(reqs, len(reqs), len(reqs), 0))
	return nil
}

func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	org := r.URL.Query().Get("org")
	if org == "" {
		org = strconv.FormatInt(c.scope.OrgID, 10)
	}
	list, err := s.comp.Assessments(r.Context(), c.scope, org, lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(list, len(list), len(list), 0))
	return nil
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	a, err := s.comp.Assessment(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiSetAnswer(w http.ResponseWriter, r *http.Request, c *caller) error {
	var ch compliance.AnswerChange
	if err := decodeJSON(w, r, &ch); err != nil {
		return err
	}
	a, err := s.comp.SetAnswer(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), r.PathValue("requirement"), ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiHeatmap(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	h, err := s.comp.Heatmap(r.Context(), c.scope, lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// LiveCheck describes one of compliance's live checks.
type LiveCheck struct {
	Name         string   `json:"name"`
	Title        string   `json:"title"`
	TitleDA      string   `json:"title_da"`
	Requirements []string `json:"requirements"` // URNs
}

func (s *Server) apiChecks(w http.ResponseWriter, r *http.Request, c *caller) error {
	out := []LiveCheck{}
	for _, ch := range s.comp.Checks() {
		out = append(out, LiveCheck{Name: ch.Name, Title: ch.Title, TitleDA: ch.TitleDA, Requirements: ch.Requirements})
	}
	writeJSON(w, http.StatusOK, page(out, len(out), len(out), 0))
	return nil
}

// Evaluated is what POST /api/v1/compliance/evaluate did.
type Evaluated struct {
	Results int `json:"results"`
}

func (s *Server) apiEvaluate(w http.ResponseWriter, r *http.Request, c *caller) error {
	if !c.scope.IsSystem() && c.scope.Role != "admin" && c.scope.Role != "governance" {
		return errs.E(errs.Forbidden, "governance or an administrator runs the live checks on demand")
	}
	n, err := s.comp.Evaluate(r.Context(), true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Evaluated{Results: n})
	return nil
}

func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request, c *caller) error {
	org := r.URL.Query().Get("org")
	if org == "" {
		org = strconv.FormatInt(c.scope.OrgID, 10)
	}
	list, err := s.comp.EvidenceList(r.Context(), c.scope, org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(list, len(list), len(list), 0))
	return nil
}

// parseRefs reads "framework:ref" pairs, one a line or comma-separated.
func parseRefs(s string) ([]compliance.RequirementRef, error) {
	var out []compliance.RequirementRef
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		fw, ref, ok := strings.Cut(f, ":")
		if !ok {
			return nil, errs.Field("requirements", "%q: write framework:requirement, e.g. iso27001-2022:A.8.15", f)
		}
		out = append(out, compliance.RequirementRef{Framework: strings.TrimSpace(fw), RefID: strings.TrimSpace(ref)})
	}
	return out, nil
}

func (s *Server) apiAddEvidence(w http.ResponseWriter, r *http.Request, c *caller) error {
	org := r.URL.Query().Get("org")
	if org == "" {
		org = strconv.FormatInt(c.scope.OrgID, 10)
	}
	var n compliance.NewEvidence
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, compliance.MaxEvidenceBytes+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return errs.Field("file", "the upload is too large or not a form (at most %d MiB)", compliance.MaxEvidenceBytes>>20)
		}
		n.Title, n.Owner, n.URL = r.FormValue("title"), r.FormValue("owner"), r.FormValue("url")
		n.ValidFrom, n.ExpiresAt = r.FormValue("valid_from"), r.FormValue("expires_at")
		refs, err := parseRefs(r.FormValue("requirements"))
		if err != nil {
			return err
		}
		n.Requirements = refs
		if f, h, err := r.FormFile("file"); err == nil {
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, compliance.MaxEvidenceBytes+1))
			if err != nil {
				return errs.Field("file", "cannot read the upload")
			}
			n.Data, n.FileName, n.ContentType = data, h.Filename, h.Header.Get("Content-Type")
		}
	} else if err := decodeJSON(w, r, &n); err != nil {
		return err
	}
	e, err := s.comp.AddEvidence(r.Context(), c.scope, org, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) apiEvidenceFile(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, data, err := s.comp.EvidenceFile(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", e.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Write(data)
	return nil
}

func (s *Server) apiDeleteEvidence(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.comp.DeleteEvidence(r.Context(), c.scope, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiStandards(w http.ResponseWriter, r *http.Request, c *caller) error {
	list, err := s.comp.Standards(r.Context(), c.scope, compliance.StandardFilter{Status: r.URL.Query().Get("status"), Query: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(list, len(list), len(list), 0))
	return nil
}

func (s *Server) apiAddStandard(w http.ResponseWriter, r *http.Request, c *caller) error {
	var n compliance.NewStandard
	if err := decodeJSON(w, r, &n); err != nil {
		return err
	}
	st, err := s.comp.AddStandard(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) apiStandard(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.comp.StandardByID(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiChangeStandard(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ch compliance.StandardChange
	if err := decodeJSON(w, r, &ch); err != nil {
		return err
	}
	st, err := s.comp.ChangeStandard(r.Context(), c.scope, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiAcks(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acks, err := s.comp.Acks(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(acks, len(acks), len(acks), 0))
	return nil
}

func (s *Server) apiAcknowledge(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ch compliance.AckChange
	if err := decodeJSON(w, r, &ch); err != nil {
		return err
	}
	a, err := s.comp.Acknowledge(r.Context(), c.scope, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// apiSoA writes an assessment as a statement of applicability (CSV).
func (s *Server) apiSoA(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	a, err := s.comp.Assessment(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), lang)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "soa-" + a.Framework.ID + "-" + strconv.FormatInt(a.OrgID, 10) + ".csv"}))
	return compliance.WriteSoA(w, a)
}

// ImportedAnswers is what an import of answers stored.
type ImportedAnswers struct {
	Answers int `json:"answers"`
}

// apiImportAnswers imports answers from CSV (a statement of
// applicability as soa.csv writes it).
func (s *Server) apiImportAnswers(w http.ResponseWriter, r *http.Request, c *caller) error {
	rows, err := compliance.ReadAnswersCSV(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		return err
	}
	n, err := s.comp.ImportAnswers(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), rows)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ImportedAnswers{Answers: n})
	return nil
}

// apiTrends answers each framework's score quarter by quarter: of ?org=,
// or over every organisation in reach.
func (s *Server) apiTrends(w http.ResponseWriter, r *http.Request, c *caller) error {
	lang, err := apiLang(r)
	if err != nil {
		return err
	}
	ts, err := s.comp.Trends(r.Context(), c.scope, r.URL.Query().Get("org"), lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(ts, len(ts), len(ts), 0))
	return nil
}

func (s *Server) apiRemoveLibrary(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.comp.RemoveLibrary(r.Context(), c.scope, r.PathValue("urn")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
