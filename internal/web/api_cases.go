package web

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
)

func (s *Server) caseRoutes() {
	s.api("GET /api/v1/cases", s.apiCases)
	s.api("POST /api/v1/cases", s.apiCreateCase)
	s.api("GET /api/v1/cases/{id}", s.apiCase)
	s.api("PATCH /api/v1/cases/{id}", s.apiUpdateCase)
	s.api("POST /api/v1/cases/{id}/notes", s.apiCaseNote)
	s.api("POST /api/v1/cases/{id}/alerts", s.apiCaseAlerts)
	s.api("POST /api/v1/cases/{id}/observables", s.apiCaseObservable)
	s.api("POST /api/v1/cases/{id}/tasks", s.apiCaseTask)
	s.api("PATCH /api/v1/cases/{id}/tasks/{task}", s.apiCaseUpdateTask)
	s.api("POST /api/v1/cases/{id}/members", s.apiCaseMember)
	s.api("POST /api/v1/cases/{id}/files", s.apiCaseAttach)
	s.api("GET /api/v1/cases/{id}/files/{file}", s.apiCaseFile)
	s.api("POST /api/v1/cases/{id}/merge", s.apiCaseMerge)
	s.api("POST /api/v1/cases/{id}/tickets", s.apiCaseTicket)
	s.api("GET /api/v1/cases/{id}/similar", s.apiCaseSimilar)
	s.api("GET /api/v1/cases/{id}/reporting", s.apiCaseReporting)
	s.api("PUT /api/v1/cases/{id}/reporting", s.apiSetCaseReporting)
	s.api("POST /api/v1/cases/{id}/reports", s.apiCaseSubmit)
	s.api("GET /api/v1/cases/{id}/reports/draft", s.apiCaseDraft)
}

// sortParam reads the order a list is asked for (?sort=key or -key) as
// one of keys; anything else is an Invalid error naming what is
// accepted. A value longer than any key is cut before it is quoted back.
func sortParam(q url.Values, keys ...string) (store.Sort, error) {
	raw := q.Get("sort")
	if len(raw) > 40 {
		raw = raw[:40]
	}
	return store.ParseSort("sort", raw, keys...)
}

// caseFilter reads the listing filters of /api/v1/cases and /cases.
func (s *Server) caseFilter(r *http.Request, c *caller) (soc.Filter, error) {
	q := r.URL.Query()
	f := soc.Filter{Status: q.Get("status"), Severity: q.Get("severity"), Owner: q.Get("owner"), Text: q.Get("q")}
	var err error
	if f.Sort, err = sortParam(q, soc.Sorts...); err != nil {
		return f, err
	}
	if ref := q.Get("org"); ref != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, ref)
		if err != nil {
			return f, errs.InField("org", err)
		}
		f.Org = o.ID
	}
	f.Limit, f.Offset, err = paging(r)
	return f, err
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.caseFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.cases.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, f.Limit, f.Offset))
	return nil
}

func (s *Server) apiCreateCase(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req soc.NewCase
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	out, err := s.cases.Create(r.Context(), c.scope, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(out.ID, 10))
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// withCase parses the case id of the path and runs fn with it.
func withCase(fn func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error) func(http.ResponseWriter, *http.Request, *caller) error {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		return fn(w, r, c, id)
	}
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		d, err := s.cases.Detail(r.Context(), c.scope, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	})(w, r, c)
}

func (s *Server) apiUpdateCase(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req soc.Update
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.Update(r.Context(), c.scope, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

// CaseNoteRequest is the body of POST /api/v1/cases/{id}/notes.
type CaseNoteRequest struct {
	Body string `json:"body"`
}

func (s *Server) apiCaseNote(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req CaseNoteRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.Note(r.Context(), c.scope, id, req.Body)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	})(w, r, c)
}

// CaseAlertsRequest is the body of POST /api/v1/cases/{id}/alerts.
type CaseAlertsRequest struct {
	IDs []int64 `json:"ids"`
}

func (s *Server) apiCaseAlerts(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req CaseAlertsRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.LinkAlerts(r.Context(), c.scope, id, req.IDs)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

// ObservableRequest is the body of POST /api/v1/cases/{id}/observables.
type ObservableRequest struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

func (s *Server) apiCaseObservable(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req ObservableRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.AddObservable(r.Context(), c.scope, id, req.Kind, req.Value, req.Note)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseTask(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req soc.NewTask
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.AddTask(r.Context(), c.scope, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseUpdateTask(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		tid, err := pathID(r, "task")
		if err != nil {
			return err
		}
		var req soc.TaskUpdate
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.UpdateTask(r.Context(), c.scope, id, tid, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

// CaseMemberRequest is the body of POST /api/v1/cases/{id}/members.
type CaseMemberRequest struct {
	Username string `json:"username"`
}

func (s *Server) apiCaseMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req CaseMemberRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		if err := s.cases.AddMember(r.Context(), c.scope, id, req.Username); err != nil {
			return err
		}
		out, err := s.cases.Detail(r.Context(), c.scope, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

// apiCaseAttach takes an evidence file as the request body (?name=).
func (s *Server) apiCaseAttach(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, soc.MaxFile+1))
		if err != nil {
			return errs.Field("file", "at most %d MiB per file", soc.MaxFile>>20)
		}
		f, err := s.cases.Attach(r.Context(), c.scope, id, r.URL.Query().Get("name"), r.Header.Get("Content-Type"), data)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, f)
		return nil
	})(w, r, c)
}

// apiCaseFile sends evidence as a download (never rendered in
// samdrift's origin), with its SHA-256.
func (s *Server) apiCaseFile(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		fid, err := pathID(r, "file")
		if err != nil {
			return err
		}
		f, err := s.cases.File(r.Context(), c.scope, id, fid)
		if err != nil {
			return err
		}
		download(w, f.Name, f.SHA256, f.Data)
		return nil
	})(w, r, c)
}

// CaseMergeRequest is the body of POST /api/v1/cases/{id}/merge.
type CaseMergeRequest struct {
	Cases []int64 `json:"cases"`
}

func (s *Server) apiCaseMerge(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req CaseMergeRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.Merge(r.Context(), c.scope, id, req.Cases)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseTicket(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req soc.TicketRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.RaiseTicket(r.Context(), c.scope, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseSimilar(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		limit, err := intParam(r.URL.Query().Get("limit"), 10, 1, 50, "limit")
		if err != nil {
			return err
		}
		items, err := s.cases.Similar(r.Context(), c.scope, id, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page(items, len(items), limit, 0))
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseReporting(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		out, err := s.cases.Reporting(r.Context(), c.scope, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiSetCaseReporting(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req soc.ReportingRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.SetReporting(r.Context(), c.scope, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})(w, r, c)
}

func (s *Server) apiCaseSubmit(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		var req soc.NewSubmission
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		out, err := s.cases.Submit(r.Context(), c.scope, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	})(w, r, c)
}

// apiCaseDraft drafts a report from the case: JSON by default, a PDF in
// the caller's language with ?format=pdf.
func (s *Server) apiCaseDraft(w http.ResponseWriter, r *http.Request, c *caller) error {
	return withCase(func(w http.ResponseWriter, r *http.Request, c *caller, id int64) error {
		d, err := s.cases.Draft(r.Context(), c.scope, id, r.URL.Query().Get("kind"))
		if err != nil {
			return err
		}
		switch r.URL.Query().Get("format") {
		case "", "json":
			w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": draftName(d) + ".json"}))
			writeJSON(w, http.StatusOK, d)
			return nil
		case "pdf":
			b, err := draftPDF(d, langOf(r))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": draftName(d) + ".pdf"}))
			_, _ = w.Write(b)
			return nil
		}
		return errs.Field("format", "format is json or pdf")
	})(w, r, c)
}

func draftName(d soc.Draft) string {
	return "samdrift-case-" + strconv.FormatInt(d.CaseID, 10) + "-" + d.Kind + "-" + d.GeneratedAt.Format("20060102T1504")
}
