package web

import (
	"net/http"

	"github.com/samdrift/samdrift/internal/org"
)

// CreateOrganizationRequest is the body of POST /api/v1/organizations.
type CreateOrganizationRequest struct {
	Kind   string `json:"kind"`
	Slug   string `json:"slug"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

func (s *Server) apiCreateOrganization(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateOrganizationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.orgs.Create(r.Context(), c.scope, org.NewOrganization{Kind: org.Kind(req.Kind), Slug: req.Slug, Code: req.Code,
		Name: req.Name, Region: req.Region})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organizations/"+o.Slug)
	writeJSON(w, http.StatusCreated, o)
	return nil
}

// SupplierRequest is the body of PUT /api/v1/organizations/{ref}/supplier.
type SupplierRequest struct {
	Unit string `json:"unit"` // slug or id of the unit; "" removes the supplier
}

func (s *Server) apiSetSupplier(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req SupplierRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.orgs.SetSupplier(r.Context(), c.scope, r.PathValue("ref"), req.Unit); err != nil {
		return err
	}
	return s.apiGetOrganization(w, r, c)
}

// OwnersRequest is the body of PUT /api/v1/organizations/{ref}/owners.
type OwnersRequest struct {
	Municipalities []string `json:"municipalities"` // codes (or slugs, ids)
}

func (s *Server) apiSetOwners(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req OwnersRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.orgs.SetOwners(r.Context(), c.scope, r.PathValue("ref"), req.Municipalities); err != nil {
		return err
	}
	return s.apiGetOrganization(w, r, c)
}
