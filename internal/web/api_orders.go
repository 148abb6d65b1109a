package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
)

func (s *Server) orderFilter(r *http.Request, c *caller) (orders.Filter, error) {
	limit, offset, err := paging(r)
	if err != nil {
		return orders.Filter{}, err
	}
	q := r.URL.Query()
	f := orders.Filter{Service: q.Get("service"), Limit: limit, Offset: offset}
	if f.Sort, err = orders.ParseSort("sort", q.Get("sort")); err != nil {
		return f, err
	}
	if v := q.Get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st, err := orders.ParseStatus("status", part)
			if err != nil {
				return f, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"municipality", &f.Municipality}, {"unit", &f.Unit}} {
		if v := q.Get(p.name); v != "" {
			o, err := s.orgs.Get(r.Context(), c.scope, v)
			if err != nil {
				return f, errs.InField(p.name, err)
			}
			*p.dst = o.ID
		}
	}
	return f, nil
}

func (s *Server) apiListOrders(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.orderFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.ord.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, f.Limit, f.Offset))
	return nil
}

// apiListSubscriptions lists orders that are subscriptions: active and
// termination requested by default, or those with ?status=.
func (s *Server) apiListSubscriptions(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.orderFilter(r, c)
	if err != nil {
		return err
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []orders.Status{orders.Active, orders.TerminationRequested}
	}
	for _, st := range f.Statuses {
		if st != orders.Active && st != orders.TerminationRequested && st != orders.Terminated {
			return errs.Field("status", "a subscription is active, termination_requested or terminated, not %s", st)
		}
	}
	items, total, err := s.ord.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page(items, total, f.Limit, f.Offset))
	return nil
}

// CreateOrderRequest is the body of POST /api/v1/orders.
type CreateOrderRequest struct {
	Service      string `json:"service"`
	Level        string `json:"level"`
	Quantity     int    `json:"quantity"`
	Requirements string `json:"requirements"`
	Municipality string `json:"municipality"` // code; default: the caller's own
	Unit         string `json:"unit"`         // slug; default: the municipality's supplier
}

func (s *Server) apiCreateOrder(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CreateOrderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	n := orders.NewOrder{Service: req.Service, Level: req.Level, Quantity: req.Quantity, Requirements: req.Requirements}
	var err error
	if n.Municipality, err = s.orgRef(r, c, "municipality", req.Municipality); err != nil {
		return err
	}
	if n.Unit, err = s.orgRef(r, c, "unit", req.Unit); err != nil {
		return err
	}
	o, err := s.ord.Place(r.Context(), c.scope, n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orders/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) apiGetOrder(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.ord.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// OrderStatusRequest is the body of POST /api/v1/orders/{id}/status.
type OrderStatusRequest struct {
	Status string `json:"status"`
	Note   string `json:"note"` // required when rejecting: the reason
}

func (s *Server) apiMoveOrder(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req OrderStatusRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	to, err := orders.ParseStatus("status", req.Status)
	if err != nil {
		return err
	}
	o, err := s.ord.Move(r.Context(), c.scope, id, to, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}
