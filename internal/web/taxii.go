package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel"
)

// taxiiMedia is the TAXII 2.1 media type of every response.
const taxiiMedia = "application/taxii+json;version=2.1"

// taxiiRoutes serves TAXII 2.1 (OASIS): discovery, one API root, the
// collections (one per TLP audience), their objects with added_after
// paging, manifests, single objects, adding objects and status. Callers
// authenticate with an API token (Bearer, or HTTP Basic with the token as
// the password); every object is read through the caller's TLP reach.
func (s *Server) taxiiRoutes() {
	s.taxii("GET /taxii2/{$}", s.taxiiDiscovery)
	s.taxii("GET /taxii2/api/{$}", s.taxiiRoot)
	s.taxii("GET /taxii2/api/collections/{$}", s.taxiiCollections)
	s.taxii("GET /taxii2/api/collections/{id}/{$}", s.taxiiCollection)
	s.taxii("GET /taxii2/api/collections/{id}/objects/{$}", s.taxiiObjects)
	s.taxii("POST /taxii2/api/collections/{id}/objects/{$}", s.taxiiAdd)
	s.taxii("GET /taxii2/api/collections/{id}/objects/{object}/{$}", s.taxiiObject)
	s.taxii("GET /taxii2/api/collections/{id}/manifest/{$}", s.taxiiManifest)
	s.taxii("GET /taxii2/api/status/{status}/{$}", s.taxiiStatus)
}

// taxii registers a TAXII route: an authenticated caller, the TAXII media
// type, and errors as TAXII error messages.
func (s *Server) taxii(pattern string, h func(http.ResponseWriter, *http.Request, *caller) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		if acc := r.Header.Get("Accept"); acc != "" && !strings.Contains(acc, "application/taxii+json") && !strings.Contains(acc, "*/*") &&
			!strings.Contains(acc, "application/json") {
			taxiiError(w, errs.E(errs.Invalid, "send Accept: %s", taxiiMedia), http.StatusNotAcceptable)
			return
		}
		switch {
		case c.authErr != nil:
			w.Header().Set("WWW-Authenticate", `Basic realm="samdrift TAXII"`)
			taxiiError(w, c.authErr, 0)
			return
		case !c.authenticated():
			w.Header().Set("WWW-Authenticate", `Basic realm="samdrift TAXII"`)
			taxiiError(w, errs.E(errs.Unauthorized, "authenticate with an API token (Bearer, or Basic with your user name and the token as password)"), 0)
			return
		}
		if err := h(w, r, c); err != nil {
			taxiiError(w, err, 0)
		}
	})
}

// taxiiErrorBody is a TAXII 2.1 error message.
type taxiiErrorBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

func taxiiError(w http.ResponseWriter, err error, status int) {
	e := errs.As(err)
	title, desc := "internal error", ""
	if e != nil && e.Code != errs.Internal {
		title, desc = e.Message, e.Field
	} else {
		slog.Error("TAXII: internal error", "err", err)
	}
	if status == 0 {
		if status = statusOf[errs.CodeOf(err)]; status == 0 {
			status = http.StatusInternalServerError
		}
	}
	writeTAXII(w, status, taxiiErrorBody{Title: title, Description: desc, HTTPStatus: strconv.Itoa(status)})
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// TAXIIDiscovery is the TAXII 2.1 discovery resource.
type TAXIIDiscovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Default     string   `json:"default"`
	APIRoots    []string `json:"api_roots"`
}

func (s *Server) taxiiDiscovery(w http.ResponseWriter, r *http.Request, c *caller) error {
	writeTAXII(w, http.StatusOK, TAXIIDiscovery{Title: "samdrift CERT", Description: "Threat intelligence shared by the municipalities' common CERT, by TLP audience",
		Default: "/taxii2/api/", APIRoots: []string{"/taxii2/api/"}})
	return nil
}

// taxiiMaxContent bounds what a client may POST.
const taxiiMaxContent = 64 << 20

func (s *Server) taxiiRoot(w http.ResponseWriter, r *http.Request, c *caller) error {
	writeTAXII(w, http.StatusOK, map[string]any{"title": "samdrift CERT", "description": "Collections per TLP 2.0 audience",
		"versions": []string{taxiiMedia}, "max_content_length": taxiiMaxContent})
	return nil
}

func (s *Server) taxiiCollections(w http.ResponseWriter, r *http.Request, c *caller) error {
	cs, err := s.intel.Collections(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, map[string]any{"collections": collectionsJSON(cs)})
	return nil
}

func collectionsJSON(cs []intel.Collection) []map[string]any {
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		out[i] = collectionJSON(c)
	}
	return out
}

func collectionJSON(c intel.Collection) map[string]any {
	return map[string]any{"id": c.ID, "title": c.Title, "description": c.Description, "alias": c.Alias, "can_read": c.CanRead, "can_write": c.CanWrite,
		"media_types": []string{"application/stix+json;version=2.1"}}
}

func (s *Server) taxiiCollection(w http.ResponseWriter, r *http.Request, c *caller) error {
	col, err := s.intel.CollectionByID(r.Context(), c.scope, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, collectionJSON(col))
	return nil
}

// taxiiQuery reads added_after, next, limit and match[type]/match[id].
func taxiiQuery(r *http.Request) (intel.Query, error) {
	v := r.URL.Query()
	q := intel.Query{Limit: 1000}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return q, errs.Field("limit", "want a whole number of at least 1, got %q", l)
		}
		q.Limit = min(n, 10000)
	}
	if a := v.Get("added_after"); a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			return q, errs.Field("added_after", "want a timestamp like 2026-12-01T10:00:00.000000Z, got %q", a)
		}
		q.After = intel.AddedAfter(t)
	}
	if n := v.Get("next"); n != "" {
		cur, err := intel.ParseCursor(n)
		if err != nil {
			return q, err
		}
		q.After = cur
	}
	if t := v.Get("match[type]"); t != "" {
		q.Types = map[string]bool{}
		for _, x := range strings.Split(t, ",") {
			q.Types[strings.TrimSpace(x)] = true
		}
	}
	if ids := v.Get("match[id]"); ids != "" {
		for _, x := range strings.Split(ids, ",") {
			q.IDs = append(q.IDs, strings.TrimSpace(x))
		}
	}
	return q, nil
}

func (s *Server) taxiiPage(w http.ResponseWriter, r *http.Request, c *caller, q intel.Query) (intel.Page, error) {
	col, err := s.intel.CollectionByID(r.Context(), c.scope, r.PathValue("id"))
	if err != nil {
		return intel.Page{}, err
	}
	if !col.CanRead {
		return intel.Page{}, errs.E(errs.Forbidden, "your role may not read collection %s", col.Alias)
	}
	p, err := s.intel.Objects(r.Context(), c.scope, col, q)
	if err != nil {
		return p, err
	}
	if len(p.Entries) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", taxiiTime(p.Entries[0].DateAdded))
		w.Header().Set("X-TAXII-Date-Added-Last", taxiiTime(p.Entries[len(p.Entries)-1].DateAdded))
	}
	return p, nil
}

func taxiiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (s *Server) taxiiObjects(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := taxiiQuery(r)
	if err != nil {
		return err
	}
	p, err := s.taxiiPage(w, r, c, q)
	if err != nil {
		return err
	}
	writeEnvelope(w, p)
	return nil
}

// writeEnvelope writes a TAXII envelope of raw STIX objects without
// decoding them again.
func writeEnvelope(w http.ResponseWriter, p intel.Page) {
	var b strings.Builder
	b.Grow(len(p.Entries) * 600)
	b.WriteString(`{"more":`)
	b.WriteString(strconv.FormatBool(p.More))
	if p.More {
		b.WriteString(`,"next":"` + p.Next.String() + `"`)
	}
	b.WriteString(`,"objects":[`)
	for i, e := range p.Entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e.Object.Raw)
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", taxiiMedia)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) taxiiObject(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := taxiiQuery(r)
	if err != nil {
		return err
	}
	q.IDs = []string{r.PathValue("object")}
	p, err := s.taxiiPage(w, r, c, q)
	if err != nil {
		return err
	}
	if len(p.Entries) == 0 {
		return errs.E(errs.NotFound, "no object %s in this collection", r.PathValue("object"))
	}
	writeEnvelope(w, p)
	return nil
}

func (s *Server) taxiiManifest(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := taxiiQuery(r)
	if err != nil {
		return err
	}
	p, err := s.taxiiPage(w, r, c, q)
	if err != nil {
		return err
	}
	type record struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	}
	out := struct {
		More    bool     `json:"more"`
		Next    string   `json:"next,omitempty"`
		Objects []record `json:"objects"`
	}{More: p.More, Objects: []record{}}
	if p.More {
		out.Next = p.Next.String()
	}
	for _, e := range p.Entries {
		v := e.Object.Modified
		if v.IsZero() {
			v = e.Object.Created
		}
		out.Objects = append(out.Objects, record{ID: e.Object.ID, DateAdded: taxiiTime(e.DateAdded), Version: v.UTC().Format("2006-01-02T15:04:05.000Z"),
			MediaType: "application/stix+json;version=2.1"})
	}
	writeTAXII(w, http.StatusOK, out)
	return nil
}

func (s *Server) taxiiAdd(w http.ResponseWriter, r *http.Request, c *caller) error {
	col, err := s.intel.CollectionByID(r.Context(), c.scope, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !col.CanWrite {
		return errs.E(errs.Forbidden, "your role may not add objects to collection %s", col.Alias)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/taxii+json") && !strings.HasPrefix(ct, "application/json") {
		return errs.Field("Content-Type", "send %s", taxiiMedia)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, taxiiMaxContent))
	if err != nil {
		return errs.E(errs.Invalid, "the envelope is larger than %d bytes (max_content_length)", taxiiMaxContent)
	}
	st, err := s.intel.AddObjects(r.Context(), c.scope, col, data)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusAccepted, st)
	return nil
}

func (s *Server) taxiiStatus(w http.ResponseWriter, r *http.Request, c *caller) error {
	st, err := s.intel.Status(r.Context(), c.scope, r.PathValue("status"))
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, st)
	return nil
}
