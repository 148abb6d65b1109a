package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/needs"
)

// needsRoutes registers the needs and feedback channel: its API and its
// pages.
func (s *Server) needsRoutes() {
	s.api("GET /api/v1/needs", s.apiNeeds)
	s.api("POST /api/v1/needs", s.apiAddNeed)
	s.api("GET /api/v1/needs/{id}", s.apiNeed)
	s.api("POST /api/v1/needs/{id}/status", s.apiNeedStatus)
	s.api("POST /api/v1/needs/{id}/duplicate", s.apiNeedDuplicate)
	s.api("POST /api/v1/needs/{id}/comments", s.apiNeedComment)
	s.api("PUT /api/v1/needs/{id}/vote", s.apiNeedVote)
	s.api("DELETE /api/v1/needs/{id}/vote", s.apiNeedVote)
	s.api("PUT /api/v1/needs/{id}/follow", s.apiNeedFollow)
	s.api("DELETE /api/v1/needs/{id}/follow", s.apiNeedFollow)
	s.needsPages()
}

// needFilter reads a list's filters from the query: status (one or
// several, comma-separated; "all" or none for every status), kind, org
// (a code, slug or id), q, sort and following.
func (s *Server) needFilter(r *http.Request, c *caller) (needs.Filter, error) {
	q := r.URL.Query()
	f := needs.Filter{Kind: q.Get("kind"), Query: q.Get("q"), Sort: q.Get("sort")}
	if v := q.Get("status"); v != "" && v != "all" {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Statuses = append(f.Statuses, st)
			}
		}
	}
	if v := q.Get("org"); v != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, v)
		if err != nil {
			return f, errs.InField("org", err)
		}
		f.OrgID = o.ID
	}
	if v := q.Get("following"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, errs.Field("following", "true or false")
		}
		f.Following = b
	}
	return f, nil
}

func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	f, err := s.needFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	list, total, err := s.cfg.Needs.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(list, total, limit, offset))
	return nil
}

func (s *Server) apiAddNeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	var n needs.NewNeed
	if err := decodeJSON(w, r, &n); err != nil {
		return err
	}
	d, err := s.cfg.Needs.Create(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/needs/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) apiNeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.cfg.Needs.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiNeedStatus(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ch needs.StatusChange
	if err := decodeJSON(w, r, &ch); err != nil {
		return err
	}
	d, err := s.cfg.Needs.SetStatus(r.Context(), c.scope, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiNeedDuplicate(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ch needs.DuplicateChange
	if err := decodeJSON(w, r, &ch); err != nil {
		return err
	}
	d, err := s.cfg.Needs.MarkDuplicate(r.Context(), c.scope, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiNeedComment(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var n needs.NewComment
	if err := decodeJSON(w, r, &n); err != nil {
		return err
	}
	cm, err := s.cfg.Needs.AddComment(r.Context(), c.scope, id, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cm)
	return nil
}

// VoteRequest is the (optional) body of PUT /api/v1/needs/{id}/vote: the
// municipality that needs it too, the caller's own when empty.
type VoteRequest struct {
	Org string `json:"org"`
}

// apiNeedVote votes (PUT, body {"org"} optional) or takes a vote back
// (DELETE, ?org= optional).
func (s *Server) apiNeedVote(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var d needs.Detail
	if r.Method == http.MethodDelete {
		d, err = s.cfg.Needs.Unvote(r.Context(), c.scope, id, r.URL.Query().Get("org"))
	} else {
		var v VoteRequest
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &v); err != nil {
				return err
			}
		}
		d, err = s.cfg.Needs.Vote(r.Context(), c.scope, id, v.Org)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// apiNeedFollow follows (PUT) or stops following (DELETE) a need.
func (s *Server) apiNeedFollow(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var d needs.Detail
	if r.Method == http.MethodDelete {
		d, err = s.cfg.Needs.Unfollow(r.Context(), c.scope, id)
	} else {
		d, err = s.cfg.Needs.Follow(r.Context(), c.scope, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
