package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/transition"
)

func (s *Server) orderRoutes() {
	s.page("GET /orders", s.ordersPage)
	s.page("GET /orders.csv", s.ordersCSV)
	s.page("POST /orders", s.ordersCreate)
	s.page("GET /orders/{id}", s.orderPage)
	s.page("POST /orders/{id}/status", s.orderMove)
	s.page("GET /transition", s.transitionPage)
	s.page("GET /transition/{municipality}", s.transitionPlanPage)
	s.page("POST /transition/{municipality}/{service}", s.transitionSet)
}

type ordersData struct {
	Status   string
	Org      string // the organisation asked for (?org=), and its name
	OrgName  string
	Statuses []orders.Status
	Items    []orders.Order
	Total    int
	Pager    pager
	CanOrder bool
	Supplier *org.Ref
	Choices  []offerChoice
	Names    map[string]string
}

// serviceNames maps the current catalog's service ids, and "service/level"
// pairs, to names in the caller's language.
func (s *Server) serviceNames(r *http.Request, c *caller) (map[string]string, *catalog.Catalog, error) {
	cat, _, err := s.cat.Get(r.Context(), c.scope, "current")
	if err != nil {
		return nil, nil, err
	}
	l := string(langOf(r))
	names := map[string]string{}
	for _, svc := range cat.Services {
		names[svc.ID] = svc.Name.In(l)
		for _, lv := range svc.Levels {
			names[svc.ID+"/"+lv.ID] = lv.Name.In(l)
		}
	}
	return names, cat, nil
}

// LevelName is the name of level of service in names, or the level id.
func levelName(names map[string]string, service, level string) string {
	if n, ok := names[service+"/"+level]; ok {
		return n
	}
	return level
}

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderOrders(w, r, c, http.StatusOK, nil)
}

// ordersFilter reads the order list's filters (?status=, ?org=) as the
// page and its CSV export use them, with the name of the organisation
// asked for.
func (s *Server) ordersFilter(r *http.Request, c *caller) (orders.Filter, string, error) {
	var f orders.Filter
	q := r.URL.Query()
	name := ""
	if ref := q.Get("org"); ref != "" {
		o, err := s.orgs.Get(r.Context(), c.scope, ref)
		if err != nil {
			return f, "", errs.InField("org", err)
		}
		if o.Kind == org.KindUnit {
			f.Unit = o.ID
		} else {
			f.Municipality = o.ID
		}
		name = o.Name
	}
	switch st := q.Get("status"); st {
	case "":
	case "subscriptions":
		f.Statuses = []orders.Status{orders.Active, orders.TerminationRequested}
	case "inprogress":
		f.Statuses = []orders.Status{orders.Requested, orders.Accepted, orders.InDelivery, orders.TerminationRequested}
	default:
		one, err := orders.ParseStatus("status", st)
		if err != nil {
			return f, "", err
		}
		f.Statuses = []orders.Status{one}
	}
	return f, name, nil
}

func (s *Server) renderOrders(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	const limit = 100
	ctx := r.Context()
	off := uiPaging(r)
	d := ordersData{Status: r.URL.Query().Get("status"), Statuses: orders.Statuses(), Org: r.URL.Query().Get("org")}
	f, orgName, err := s.ordersFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset, d.OrgName = limit, off, orgName
	if d.Items, d.Total, err = s.ord.List(ctx, c.scope, f); err != nil {
		return err
	}
	names, _, err := s.serviceNames(r, c)
	if err != nil {
		return err
	}
	d.Names = names
	if c.scope.Can(access.Order) && c.scope.OrgKind == "municipality" {
		me, err := s.orgs.Get(ctx, c.scope, strconv.FormatInt(c.scope.OrgID, 10))
		if err != nil {
			return err
		}
		d.Supplier, d.CanOrder = me.Supplier, true
		if me.Supplier != nil {
			offs, err := s.cat.Offerings(ctx, c.scope, catalog.OfferingFilter{UnitID: me.Supplier.ID, Status: catalog.StatusActive})
			if err != nil {
				return err
			}
			for _, o := range offs {
				d.Choices = append(d.Choices, offerChoice{Value: o.ServiceID + "/" + o.LevelID,
					Label: names[o.ServiceID] + " – " + levelName(names, o.ServiceID, o.LevelID) + " (" + locale.Kroner(string(langOf(r)), o.Price) + ")"})
			}
		}
	}
	v := s.newView(r, "orders", "orders.title")
	v.Err = problem
	d.Pager = s.pagerFor(r, v.Lang, off, limit, d.Total)
	v.Data = d
	s.render(w, r, status, "orders", v)
	return nil
}

func (s *Server) ordersCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	svc, level, _ := strings.Cut(r.PostFormValue("offer"), "/")
	qty, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if err != nil {
		p := s.problemFor(r, errs.Field("quantity", "give the quantity as a whole number"))
		return s.renderOrders(w, r, c, p.Status, &p)
	}
	o, err := s.ord.Place(r.Context(), c.scope, orders.NewOrder{Service: svc, Level: level, Quantity: qty, Requirements: r.PostFormValue("requirements")})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderOrders(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/orders/"+strconv.FormatInt(o.ID, 10)+"?msg=orders.placed", http.StatusSeeOther)
	return nil
}

type orderData struct {
	O       orders.Order
	Name    string
	Level   string
	Allowed []orders.Status
}

func (s *Server) orderPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderOrder(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.ord.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	names, _, err := s.serviceNames(r, c)
	if err != nil {
		return err
	}
	v := s.newView(r, "orders", "orders.title")
	v.Title = v.T("orders.order", o.ID)
	v.Err = problem
	v.Data = orderData{O: o, Name: names[o.Service], Level: levelName(names, o.Service, o.Level), Allowed: orders.Allowed(c.scope, o)}
	s.render(w, r, status, "order", v)
	return nil
}

func (s *Server) orderMove(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	to, err := orders.ParseStatus("status", r.PostFormValue("status"))
	if err != nil {
		return err
	}
	if _, err := s.ord.Move(r.Context(), c.scope, id, to, r.PostFormValue("note")); err != nil {
		if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
			p := s.problemFor(r, err)
			return s.renderOrder(w, r, c, p.Status, &p)
		}
		return err
	}
	http.Redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"?msg=orders.moved", http.StatusSeeOther)
	return nil
}

type transitionData struct {
	Overview transition.Overview
	Chart    chart
}

func (s *Server) transitionPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	if c.scope.OrgKind == "municipality" {
		http.Redirect(w, r, "/transition/"+strconv.FormatInt(c.scope.OrgID, 10), http.StatusSeeOther)
		return nil
	}
	ov, err := s.plan.Overview(r.Context(), c.scope, 12)
	if err != nil {
		return err
	}
	v := s.newView(r, "transition", "transition.title")
	v.Data = transitionData{Overview: ov, Chart: consolidationChart(ov, v)}
	s.render(w, r, http.StatusOK, "transition", v)
	return nil
}

type planData struct {
	Org      org.Organization
	Entries  []transition.Entry
	Names    map[string]string
	CanEdit  bool
	Sources  []transition.Source
	Statuses []transition.Status
}

func (s *Server) transitionPlanPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderPlan(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	m, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("municipality"))
	if err != nil {
		return err
	}
	entries, err := s.plan.Plan(r.Context(), c.scope, m.ID)
	if err != nil {
		return err
	}
	names, _, err := s.serviceNames(r, c)
	if err != nil {
		return err
	}
	v := s.newView(r, "transition", "transition.title")
	v.Title = v.T("transition.plan", m.Name)
	v.Err = problem
	v.Data = planData{Org: m, Entries: entries, Names: names, Sources: transition.Sources, Statuses: transition.Statuses,
		CanEdit: c.scope.Can(access.PlanTransition) && (c.scope.OrgID == m.ID || c.scope.Role == access.RoleAdmin)}
	s.render(w, r, status, "plan", v)
	return nil
}

func (s *Server) transitionSet(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, err := s.orgs.Get(r.Context(), c.scope, r.PathValue("municipality"))
	if err != nil {
		return err
	}
	_, err = s.plan.Set(r.Context(), c.scope, m.ID, r.PathValue("service"), transition.Change{
		Source: transition.Source(r.PostFormValue("source")), Supplier: r.PostFormValue("supplier"),
		PlannedDate: r.PostFormValue("planned_date"), Status: transition.Status(r.PostFormValue("status")), Note: r.PostFormValue("note")})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderPlan(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/transition/"+m.Code+"?msg=transition.saved#svc-"+r.PathValue("service"), http.StatusSeeOther)
	return nil
}
