package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
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
	Kind  string `json:"kind"` // cidr, hostname, token
	Value string `json:"value"`
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
	src, token, err := s.src.Add(r.Context(), c.scope, sources.NewSource{OrgID: o.ID, Name: req.Name, Kind: req.Kind, Value: req.Value})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CreateSourceResponse{Source: src, Token: token})
	return nil
}

// parseEventQuery reads the subset of the query language implemented so
// far: whitespace-separated terms, field:value (exact, ignoring case;
// quotes allowed) and free words (a substring of the message).
func parseEventQuery(q string) ([]eventstore.FieldFilter, string, error) {
	var fields []eventstore.FieldFilter
	var words []string
	i := 0
	for i < len(q) {
		for i < len(q) && q[i] == ' ' {
			i++
		}
		if i >= len(q) {
			break
		}
		start := i
		inQuote := false
		for i < len(q) && (inQuote || q[i] != ' ') {
			if q[i] == '"' {
				inQuote = !inQuote
			}
			i++
		}
		if inQuote {
			return nil, "", errs.Field("q", "unclosed quote starting at position %d", start+1)
		}
		term := q[start:i]
		if k, v, ok := strings.Cut(term, ":"); ok && k != "" && !strings.HasPrefix(term, `"`) {
			if v == "" {
				return nil, "", errs.Field("q", "no value after %q at position %d", k+":", start+1)
			}
			fields = append(fields, eventstore.FieldFilter{Key: k, Value: strings.Trim(v, `"`)})
			continue
		}
		words = append(words, strings.Trim(term, `"`))
	}
	return fields, strings.Join(words, " "), nil
}

func (s *Server) apiSearchEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	// The default window reaches a little into the future: senders' clocks
	// run ahead.
	to := time.Now().Add(5 * time.Minute)
	from := to.Add(-24 * time.Hour)
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Field("from", "want an RFC 3339 time such as 2026-11-29T08:00:00Z, got %q", v)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Field("to", "want an RFC 3339 time such as 2026-11-29T09:00:00Z, got %q", v)
		}
	}
	fields, text, err := parseEventQuery(q.Get("q"))
	if err != nil {
		return err
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		l, _, perr := paging(r)
		if perr != nil {
			return perr
		}
		limit = l
	}
	res, err := s.ev.Search(r.Context(), c.scope, eventstore.Query{From: from, To: to, Fields: fields, Text: text, Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
