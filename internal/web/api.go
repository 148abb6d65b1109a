package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
)

// api registers an API route that needs an authenticated caller.
func (s *Server) api(pattern string, h func(http.ResponseWriter, *http.Request, *caller) error) {
	s.apiRoutes = append(s.apiRoutes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		switch {
		case c.authErr != nil:
			s.apiError(w, r, c.authErr)
			return
		case c.session != nil && c.session.MFAPending:
			s.apiError(w, r, errs.E(errs.Unauthorized, "complete the second factor at /totp first"))
			return
		case !c.authenticated():
			w.Header().Set("WWW-Authenticate", `Bearer realm="samdrift"`)
			s.apiError(w, r, errs.E(errs.Unauthorized, "log in, or send Authorization: Bearer <token> (create one with `samdrift token create`)"))
			return
		}
		if err := h(w, r, c); err != nil {
			s.apiError(w, r, err)
		}
	})
}

func notFoundRoute(r *http.Request) error {
	return errs.E(errs.NotFound, "no API endpoint %s %s; see /api/v1/openapi.json", r.Method, r.URL.Path)
}

// Page is the shape of every list response.
type Page[T any] struct {
	Items []T     `json:"items"`
	Total int     `json:"total"`
	Next  *string `json:"next"`
}

// paging reads limit and cursor (an offset) from the query.
func paging(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit = 50
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, errs.Field("limit", "want a whole number from 1 to 500, got %q", v)
		}
	}
	if v := q.Get("cursor"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, errs.Field("cursor", "not a cursor from a previous page: %q", v)
		}
	}
	return limit, offset, nil
}

func page[T any](items []T, total, limit, offset int) Page[T] {
	if items == nil {
		items = []T{}
	}
	p := Page[T]{Items: items, Total: total}
	if offset+len(items) < total && len(items) == limit {
		n := strconv.Itoa(offset + limit)
		p.Next = &n
	}
	return p
}

func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, errs.Field(name, "want a positive whole number, got %q", v)
	}
	return id, nil
}

// Me is what GET /api/v1/me answers.
type Me struct {
	User        access.User `json:"user"`
	Reach       string      `json:"reach"`
	Permissions []string    `json:"permissions"`
	Auth        string      `json:"auth"` // "session" or "token"
}

func reachName(r access.Reach) string {
	return [...]string{"none", "own", "supplied", "all"}[r]
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	m := Me{User: c.user, Reach: reachName(c.scope.Reach), Auth: "session", Permissions: []string{}}
	if c.viaToken {
		m.Auth = "token"
	}
	for _, p := range []access.Permission{access.ReadUsers, access.ManageUsers, access.ManageOrganizations, access.ReadAudit} {
		if c.scope.Can(p) {
			m.Permissions = append(m.Permissions, string(p))
		}
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) apiListOrganizations(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, total, err := s.orgs.List(r.Context(), c.scope, org.Filter{Kind: org.Kind(q.Get("kind")), Region: q.Get("region"),
		Query: q.Get("q"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

func (s *Server) apiGetOrganization(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("ref"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := access.UserFilter{Query: q.Get("q"), Limit: limit, Offset: offset}
	if f.Sort, err = access.ParseUserSort("sort", q.Get("sort")); err != nil {
		return err
	}
	if v := q.Get("role"); v != "" {
		if f.Role, err = access.ParseRole("role", v); err != nil {
			return err
		}
	}
	if v := q.Get("org"); v != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, v)
		if err != nil {
			return errs.InField("org", err)
		}
		f.OrgID = o.ID
	}
	items, total, err := s.acc.ListUsers(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, limit, offset))
	return nil
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Org         string `json:"org"` // municipality code, slug or id
	Role        string `json:"role"`
	Password    string `json:"password"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Org == "" {
		return errs.Field("org", "give the organisation: a municipality code, a slug or an id")
	}
	o, err := s.orgs.Get(r.Context(), c.scope, req.Org)
	if err != nil {
		return errs.InField("org", err)
	}
	u, err := s.acc.CreateUser(r.Context(), c.scope, access.NewUser{Username: req.Username, DisplayName: req.DisplayName,
		Email: req.Email, OrgID: o.ID, Role: access.Role(req.Role), Password: req.Password})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.acc.GetUser(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// UpdateUserRequest is the body of PATCH /api/v1/users/{id}; absent fields
// stay as they are.
type UpdateUserRequest struct {
	Role        *string `json:"role"`
	Disabled    *bool   `json:"disabled"`
	DisplayName *string `json:"display_name"`
	Email       *string `json:"email"`
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req UpdateUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ch := access.UserChange{Disabled: req.Disabled, DisplayName: req.DisplayName, Email: req.Email}
	if req.Role != nil {
		role, err := access.ParseRole("role", *req.Role)
		if err != nil {
			return err
		}
		ch.Role = &role
	}
	u, err := s.acc.UpdateUser(r.Context(), c.scope, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	all := r.URL.Query().Get("all") == "true"
	items, err := s.acc.ListTokens(r.Context(), c.scope, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// CreateTokenRequest is the body of POST /api/v1/tokens.
type CreateTokenRequest struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"` // 0: 90 days
	User          string `json:"user"`            // username; empty: yourself
}

// CreateTokenResponse carries the new token, shown this once.
type CreateTokenResponse struct {
	Token string       `json:"token"`
	Info  access.Token `json:"info"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateTokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ExpiresInDays < 0 || req.ExpiresInDays > 366 {
		return errs.Field("expires_in_days", "want 1 to 366 days (0: 90 days), got %d", req.ExpiresInDays)
	}
	uid := c.scope.UserID
	if req.User != "" && !strings.EqualFold(req.User, c.user.Username) {
		u, err := s.acc.UserByName(r.Context(), c.scope, req.User)
		if err != nil {
			return errs.InField("user", err)
		}
		uid = u.ID
	}
	plain, t, err := s.acc.CreateToken(r.Context(), c.scope, uid, req.Name, time.Duration(req.ExpiresInDays)*24*time.Hour)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CreateTokenResponse{Token: plain, Info: t})
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.acc.RevokeToken(r.Context(), c.scope, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiListAudit lists the audit trail newest first, where the cursor is
// the last sequence number of the previous page, or sorted by ?sort=,
// where it is the number of records already read.
func (s *Server) apiListAudit(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Actor: q.Get("actor"), Limit: 50}
	var err error
	if f.Sort, err = audit.ParseSort("sort", q.Get("sort")); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errs.Field("limit", "want a whole number from 1 to 500, got %q", v)
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return errs.Field("cursor", "not a cursor from a previous page: %q", v)
		}
		if f.Sort.Key != "" {
			f.Offset = int(n)
		} else {
			f.Before = n
		}
	}
	if v := q.Get("org"); v != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, v)
		if err != nil {
			return errs.InField("org", err)
		}
		f.OrgID = o.ID
	}
	items, total, err := audit.List(r.Context(), s.db.Reader(), c.scope, f)
	if err != nil {
		return err
	}
	if f.Sort.Key != "" {
		writeJSON(w, http.StatusOK, page(items, total, f.Limit, f.Offset))
		return nil
	}
	p := Page[audit.Record]{Items: items, Total: total}
	if p.Items == nil {
		p.Items = []audit.Record{}
	}
	if len(items) == f.Limit && items[len(items)-1].Seq > 1 {
		n := strconv.FormatInt(items[len(items)-1].Seq, 10)
		p.Next = &n
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
