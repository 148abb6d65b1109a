package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
)

// CatalogResponse is a catalog version with its publication facts.
type CatalogResponse struct {
	Info    catalog.VersionInfo   `json:"info"`
	Catalog *catalog.Catalog      `json:"catalog"`
	Minimum []catalog.Requirement `json:"minimum"`
}

func (s *Server) apiCatalog(w http.ResponseWriter, r *http.Request, c *caller) error {
	v := r.PathValue("version")
	cat, info, err := s.cat.Get(r.Context(), c.scope, v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CatalogResponse{Info: info, Catalog: cat, Minimum: cat.Minimum()})
	return nil
}

func (s *Server) apiCatalogVersions(w http.ResponseWriter, r *http.Request, c *caller) error {
	vs, err := s.cat.Versions(r.Context(), c.scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(vs, len(vs), len(vs)+1, 0))
	return nil
}

// apiPublishCatalog takes a catalog as YAML (the body) and publishes it.
func (s *Server) apiPublishCatalog(w http.ResponseWriter, r *http.Request, c *caller) error {
	ct := r.Header.Get("Content-Type")
	if !strings.Contains(ct, "yaml") && !strings.HasPrefix(ct, "text/plain") {
		return errs.Field("Content-Type", "send the catalog as application/yaml, not %q", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, catalog.MaxCatalogBytes))
	if err != nil {
		return jsonError(err)
	}
	info, created, err := s.cat.Publish(r.Context(), c.scope, "body", body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/catalog/versions/"+info.Version)
	writeJSON(w, status, info)
	return nil
}

// DiffResponse is what changed between two catalog versions.
type DiffResponse struct {
	From    string           `json:"from"`
	To      string           `json:"to"`
	Summary string           `json:"summary"`
	Changes []catalog.Change `json:"changes"`
}

func (s *Server) apiCatalogDiff(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" || to == "" {
		return errs.Field("from", "give both from and to versions")
	}
	changes, err := s.cat.Compare(r.Context(), c.scope, from, to)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []catalog.Change{}
	}
	writeJSON(w, http.StatusOK, DiffResponse{From: from, To: to, Summary: catalog.Summary(changes), Changes: changes})
	return nil
}

func (s *Server) apiListOfferings(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := catalog.OfferingFilter{Service: q.Get("service"), Status: q.Get("status")}
	if v := q.Get("unit"); v != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, v)
		if err != nil {
			return errs.InField("unit", err)
		}
		f.UnitID = o.ID
	}
	items, err := s.cat.Offerings(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, len(items), len(items)+1, 0))
	return nil
}

// CreateOfferingRequest is the body of POST /api/v1/offerings.
type CreateOfferingRequest struct {
	Unit        string  `json:"unit"` // slug or id; default: the caller's unit
	Service     string  `json:"service"`
	Level       string  `json:"level"`
	ValidFrom   string  `json:"valid_from"`
	PriceDKK    float64 `json:"price_dkk"`
	Delivery    string  `json:"delivery"`
	SubSupplier string  `json:"sub_supplier"`
	Attest      bool    `json:"attest"`
}

func (s *Server) apiCreateOffering(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateOfferingRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	unitID := c.scope.OrgID
	if req.Unit != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, req.Unit)
		if err != nil {
			return errs.InField("unit", err)
		}
		unitID = o.ID
	}
	o, err := s.cat.Offer(r.Context(), c.scope, catalog.NewOffering{UnitID: unitID, Service: req.Service, Level: req.Level,
		ValidFrom: req.ValidFrom, PriceDKK: req.PriceDKK, Delivery: catalog.Delivery(req.Delivery), SubSupplier: req.SubSupplier, Attest: req.Attest})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/offerings/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) apiGetOffering(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.cat.Offering(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// WithdrawRequest is the body of POST /api/v1/offerings/{id}/withdraw.
type WithdrawRequest struct {
	WithdrawnFrom string `json:"withdrawn_from"` // YYYY-MM-DD; empty: today
}

// WithdrawResponse tells how many subscriptions keep running on a withdrawn
// offering.
type WithdrawResponse struct {
	Offering            catalog.Offering `json:"offering"`
	ActiveSubscriptions int              `json:"active_subscriptions"`
	Note                string           `json:"note"`
}

func (s *Server) apiWithdrawOffering(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req WithdrawRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	o, err := s.cat.Withdraw(r.Context(), c.scope, id, req.WithdrawnFrom)
	if err != nil {
		return err
	}
	n, err := s.activeSubscriptions(r, c, o.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WithdrawResponse{Offering: o, ActiveSubscriptions: n,
		Note: strconv.Itoa(n) + " active subscriptions keep running until they are terminated"})
	return nil
}

func (s *Server) apiConformance(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	rep, err := s.cat.Conformance(r.Context(), c.scope, q.Get("day"))
	if err != nil {
		return err
	}
	switch q.Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="conformance-`+rep.Day+`.csv"`)
		return rep.WriteCSV(w)
	default:
		return errs.Field("format", "format must be json or csv, got %q", q.Get("format"))
	}
	return nil
}

// activeSubscriptions counts running subscriptions on an offering that
// the caller sees (all of them for a manager of the offering's unit).
func (s *Server) activeSubscriptions(r *http.Request, c *caller, offeringID int64) (int, error) {
	return s.ord.ActiveOnOffering(r.Context(), c.scope, offeringID)
}
