package web

import (
	"net/http"
	"net/url"
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
	Sort     string // the list's order as ?sort= names it ("" newest first)
	Statuses []orders.Status
	Items    []orders.Order
	Total    int
	Pager    pager
	Cols     map[string]sortColumn
	CanOrder bool
	Supplier *org.Ref
	Choices  []offerChoice
	Names    map[string]string
	// Form is the order form as the user filled it (shown again after a
	// refusal), or its defaults.
	Form orderForm
}

// orderForm is the form that places an order, as the user filled it.
type orderForm struct {
	Offer        string // "service/level"
	Quantity     string // as typed: a refusal may be about its form
	Requirements string
}

// Tab is the order list's link to one status tab ("" all), keeping the
// organisation asked for and the order.
func (d ordersData) Tab(status string) string {
	return ordersLink(status, d.Org, d.Sort)
}

// AllOrgs is the list's link without the organisation filter.
func (d ordersData) AllOrgs() string { return ordersLink(d.Status, "", d.Sort) }

// ordersLink is /orders with the given filters and order ("" leaves one
// out).
func ordersLink(status, orgRef, sort string) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": status, "org": orgRef, "sort": sort} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/orders"
	}
	return "/orders?" + q.Encode()
}

// orderColumns are the sortable headers of the order list.
var orderColumns = []column{
	{orders.SortID, "orders.col.number"}, {orders.SortMunicipality, "col.municipality"}, {orders.SortUnit, "col.unitname"},
	{orders.SortService, "col.service"}, {orders.SortQuantity, "col.quantity"}, {orders.SortStatus, "col.status"},
	{orders.SortUpdated, "col.time"},
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
	return s.renderOrders(w, r, c, http.StatusOK, orderForm{Quantity: "1"}, nil)
}

// ordersFilter reads the order list's filters (?status=, ?org=) and order
// (?sort=) as the page and its CSV export use them, with the name of the
// organisation asked for.
func (s *Server) ordersFilter(r *http.Request, c *caller) (orders.Filter, string, error) {
	var f orders.Filter
	q := r.URL.Query()
	name := ""
	var err error
	if f.Sort, err = orders.ParseSort("sort", q.Get("sort")); err != nil {
		return f, "", err
	}
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

// renderOrders shows the order list as r's query asks, with the order
// form as form holds it and a problem when given.
func (s *Server) renderOrders(w http.ResponseWriter, r *http.Request, c *caller, status int, form orderForm, problem *Problem) error {
	const limit = 100
	ctx := r.Context()
	off := uiPaging(r)
	d := ordersData{Status: r.URL.Query().Get("status"), Statuses: orders.Statuses(), Org: r.URL.Query().Get("org"), Form: form}
	f, orgName, err := s.ordersFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset, d.OrgName, d.Sort = limit, off, orgName, f.Sort.String()
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
			kept := form.Offer == ""
			for _, o := range offs {
				value := o.ServiceID + "/" + o.LevelID
				kept = kept || value == form.Offer
				d.Choices = append(d.Choices, offerChoice{Value: value,
					Label: names[o.ServiceID] + " – " + levelName(names, o.ServiceID, o.LevelID) + " (" + locale.Kroner(string(langOf(r)), o.Price) + ")"})
			}
			if !kept {
				// What the user chose is no longer offered (the refusal
				// says why): it stays chosen, named as such.
				svc, level, _ := strings.Cut(form.Offer, "/")
				name := names[svc]
				if name == "" {
					name = svc
				}
				d.Choices = append([]offerChoice{{Value: form.Offer,
					Label: langOf(r).T("orders.notoffered", name+" – "+levelName(names, svc, level))}}, d.Choices...)
			}
		}
	}
	v := s.newView(r, "orders", "orders.title")
	v.Err = problem
	d.Cols = sortHeaders(v, "/orders", listQuery(r), f.Sort, orderColumns...)
	d.Pager = s.pagerFor(r, v.Lang, off, limit, d.Total)
	v.Data = d
	s.render(w, r, status, "orders", v)
	return nil
}

// ordersCreate places an order from the form; a refusal shows the list
// again with the form as the user filled it.
func (s *Server) ordersCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	form := orderForm{Offer: r.PostFormValue("offer"), Quantity: r.PostFormValue("quantity"), Requirements: r.PostFormValue("requirements")}
	svc, level, _ := strings.Cut(form.Offer, "/")
	qty, err := strconv.Atoi(strings.TrimSpace(form.Quantity))
	if err != nil {
		p := s.problemFor(r, errs.Field("quantity", "give the quantity as a whole number"))
		return s.renderOrders(w, r, c, p.Status, form, &p)
	}
	o, err := s.ord.Place(r.Context(), c.scope, orders.NewOrder{Service: svc, Level: level, Quantity: qty, Requirements: form.Requirements})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderOrders(w, r, c, p.Status, form, &p)
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
	// Note is the note as the user typed it (shown again after a
	// refusal).
	Note string
}

func (s *Server) orderPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderOrder(w, r, c, http.StatusOK, nil)
}

// renderOrder shows order {id} with a problem when given. After a refused
// step (a POST) the note stays as typed, and a conflict says what the
// order's status is now and, when it moved since the page was loaded
// (the form's "seen"), what it was.
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
	d := orderData{O: o, Name: names[o.Service], Level: levelName(names, o.Service, o.Level), Allowed: orders.Allowed(c.scope, o)}
	if r.Method == http.MethodPost && problem != nil {
		d.Note = r.PostFormValue("note")
		if problem.Code == string(errs.Conflict) {
			l := detailLang(r)
			problem.Detail += " " + l.T("orders.nowstatus", l.T("ostatus."+string(o.Status)))
			if seen := r.PostFormValue("seen"); seen != "" && seen != string(o.Status) {
				if _, err := orders.ParseStatus("seen", seen); err == nil {
					problem.Detail += " " + l.T("orders.seenstatus", l.T("ostatus."+seen))
				}
			}
		}
	}
	v.Err = problem
	v.Data = d
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
