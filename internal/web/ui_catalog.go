package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/org"
)

func (s *Server) catalogRoutes() {
	s.page("GET /catalog", s.catalogPage)
	s.page("GET /catalog/diff", s.catalogDiffPage)
	s.page("GET /offerings", s.offeringsPage)
	s.page("POST /offerings", s.offeringsCreate)
	s.page("GET /offerings/{id}/withdraw", s.offeringsWithdrawForm)
	s.page("POST /offerings/{id}/withdraw", s.offeringsWithdraw)
	s.page("GET /conformance", s.conformancePage)
}

// Tx returns a catalog text in the page's language.
func (v view) Tx(t catalog.Text) string { return t.In(string(v.Lang)) }

// CalendarName is a calendar's name in the page's language.
func (v view) CalendarName(id string) string {
	c, ok := calendar.Lookup(id)
	if !ok {
		return id
	}
	if v.Lang == English {
		return c.Name.En
	}
	return c.Name.Da
}

// Targets writes P1–P4 targets as "1h / 2h / 8h / 16h".
func (v view) Targets(m map[string]catalog.Duration) string {
	parts := make([]string, 0, len(catalog.Priorities))
	for _, p := range catalog.Priorities {
		parts = append(parts, m[p].String())
	}
	return strings.Join(parts, " / ")
}

// Opt writes an optional duration, or a dash.
func (v view) Opt(d *catalog.Duration) string {
	if d == nil {
		return "–"
	}
	return d.String()
}

// DKK writes an amount in kroner: "1.950,00 kr." / "DKK 1,950.00".
func (v view) DKK(x float64) string { return locale.Kroner(string(v.Lang), x) }

// Num writes x with the given decimals and grouping the Danish or
// English way: "1.950,5" / "1,950.5".
func (v view) Num(x float64, decimals int) string { return locale.Number(string(v.Lang), x, decimals) }

// Pct writes a percentage with one decimal, or none when it is whole
// (chart axes): "24,9 %", "20 %" / "24.9%", "20%".
func (v view) Pct(x float64) string {
	if math.Abs(x-math.Round(x)) < 0.05 {
		return locale.Percent(string(v.Lang), x, 0)
	}
	return locale.Percent(string(v.Lang), x, 1)
}

type categoryGroup struct {
	Category string
	Services []catalog.Service
}

type catalogData struct {
	Info     catalog.VersionInfo
	Catalog  *catalog.Catalog
	Groups   []categoryGroup
	Versions []catalog.VersionInfo
	Minimum  int
	Basic    int
}

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	cat, info, err := s.cat.Get(r.Context(), c.scope, r.URL.Query().Get("version"))
	if err != nil {
		return err
	}
	vs, err := s.cat.Versions(r.Context(), c.scope)
	if err != nil {
		return err
	}
	d := catalogData{Info: info, Catalog: cat, Versions: vs, Minimum: len(cat.Minimum())}
	for _, category := range catalog.Categories {
		g := categoryGroup{Category: category}
		for _, svc := range cat.Services {
			if svc.Category == category {
				g.Services = append(g.Services, svc)
				if svc.Mandatory {
					d.Basic++
				}
			}
		}
		if len(g.Services) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	v := s.newView(r, "catalog", "catalog.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "catalog", v)
	return nil
}

type diffData struct {
	From, To string
	Versions []catalog.VersionInfo
	Changes  []catalog.Change
	Summary  string
	Compared bool
}

func (s *Server) catalogDiffPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	vs, err := s.cat.Versions(r.Context(), c.scope)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := diffData{From: q.Get("from"), To: q.Get("to"), Versions: vs}
	if d.From == "" && len(vs) > 1 {
		d.From = vs[1].Version
	}
	if d.To == "" && len(vs) > 0 {
		d.To = vs[0].Version
	}
	if d.From != "" && d.To != "" {
		if d.Changes, err = s.cat.Compare(r.Context(), c.scope, d.From, d.To); err != nil {
			return err
		}
		d.Summary, d.Compared = catalog.Summary(d.Changes), true
	}
	v := s.newView(r, "catalog", "catalog.compare")
	v.Data = d
	s.render(w, r, http.StatusOK, "catalog_diff", v)
	return nil
}

type offerChoice struct {
	Value, Label string
}

type offeringsData struct {
	Unit      string
	Units     []org.Organization
	Items     []catalog.Offering
	Groups    []offeringGroup   // Items by unit
	Names     map[string]string // service id → name
	CanManage bool
	Choices   []offerChoice
	Catalog   *catalog.Catalog
	Today     string
	// Form is the new-offering form as the user filled it (shown again
	// after a refusal), or its defaults.
	Form offeringForm
}

// offeringForm is the form that declares an offering, as the user filled
// it.
type offeringForm struct {
	Offer, ValidFrom, Price, Delivery, SubSupplier string
	Attest                                         bool
}

// offeringGroup is one unit's offerings, a collapsible section of the
// page: open when it is the only one or the caller's own unit.
type offeringGroup struct {
	UnitName, UnitSlug         string
	Items                      []offeringRow
	Active, Planned, Withdrawn int
	Open                       bool
	CanManage                  bool
}

// offeringRow is an offering with the name of what it offers.
type offeringRow struct {
	catalog.Offering
	Label string // "Server – Guld"
}

// offerLabel names an offering's service and level in lang.
func offerLabel(cat *catalog.Catalog, o catalog.Offering, lang string) string {
	svc, ok := cat.Service(o.ServiceID)
	if !ok {
		return o.ServiceID + " – " + o.LevelID
	}
	name := svc.Name.In(lang)
	if lv, ok := svc.Level(o.LevelID); ok {
		return name + " – " + lv.Name.In(lang)
	}
	return name + " – " + o.LevelID
}

func (s *Server) offeringsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderOfferings(w, r, c, http.StatusOK, offeringForm{ValidFrom: catalog.Today(), Delivery: string(catalog.InHouse)}, nil)
}

// renderOfferings shows the offerings as r's query asks, with the
// new-offering form as form holds it and a problem when given.
func (s *Server) renderOfferings(w http.ResponseWriter, r *http.Request, c *caller, status int, form offeringForm, problem *Problem) error {
	ctx := r.Context()
	d := offeringsData{Unit: r.URL.Query().Get("unit"), Names: map[string]string{}, Today: catalog.Today(), Form: form}
	if d.Unit == "" && c.scope.OrgKind == "unit" {
		d.Unit = c.user.OrgSlug
	}
	f := catalog.OfferingFilter{}
	if d.Unit != "" && d.Unit != "all" {
		u, err := s.orgs.Get(ctx, c.scope, d.Unit)
		if err != nil {
			return err
		}
		f.UnitID = u.ID
		d.CanManage = c.scope.Can(access.ManageOfferings) && (c.scope.Role == access.RoleAdmin || c.scope.OrgID == u.ID)
	}
	var err error
	if d.Units, _, err = s.orgs.List(ctx, c.scope, org.Filter{Kind: org.KindUnit, Limit: 100}); err != nil {
		return err
	}
	if d.Items, err = s.cat.Offerings(ctx, c.scope, f); err != nil {
		return err
	}
	cat, _, err := s.cat.Get(ctx, c.scope, "current")
	if err != nil {
		return err
	}
	d.Catalog = cat
	l := langOf(r)
	for _, svc := range cat.Services {
		d.Names[svc.ID] = svc.Name.In(string(l))
		for _, lv := range svc.Levels {
			d.Choices = append(d.Choices, offerChoice{Value: svc.ID + "/" + lv.ID, Label: svc.Name.In(string(l)) + " – " + lv.Name.In(string(l))})
		}
	}
	mayManage := func(unitID int64) bool { return catalog.MayManage(c.scope, unitID) == nil }
	for _, o := range d.Items {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].UnitSlug != o.UnitSlug {
			d.Groups = append(d.Groups, offeringGroup{UnitName: o.UnitName, UnitSlug: o.UnitSlug, CanManage: mayManage(o.UnitID),
				Open: o.UnitID == c.scope.OrgID || (d.Unit != "" && d.Unit != "all")})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Items = append(g.Items, offeringRow{Offering: o, Label: offerLabel(cat, o, string(l))})
		switch o.Status {
		case catalog.StatusActive:
			g.Active++
		case catalog.StatusPlanned:
			g.Planned++
		case catalog.StatusWithdrawn:
			g.Withdrawn++
		}
	}
	if len(d.Groups) == 1 {
		d.Groups[0].Open = true
	}
	v := s.newView(r, "offerings", "offerings.title")
	v.Err = problem
	if msg, err := s.withdrawnFlash(r, c, v.Lang); err != nil {
		return err
	} else if msg != "" {
		v.Flash = msg
	}
	v.Data = d
	s.render(w, r, status, "offerings", v)
	return nil
}

// offeringsCreate declares an offering of the caller's unit; a refusal
// shows the page again with the form as the user filled it.
func (s *Server) offeringsCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	form := offeringForm{Offer: r.PostFormValue("offer"), ValidFrom: r.PostFormValue("valid_from"), Price: r.PostFormValue("price"),
		Delivery: r.PostFormValue("delivery"), SubSupplier: r.PostFormValue("sub_supplier"), Attest: r.PostFormValue("attest") == "1"}
	svc, level, _ := strings.Cut(form.Offer, "/")
	price, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(form.Price), ",", ".", 1), 64)
	if err != nil {
		p := s.problemFor(r, errs.Field("price_dkk", "give the price as a number of kroner, e.g. 450 or 450,50"))
		return s.renderOfferings(w, r, c, p.Status, form, &p)
	}
	_, err = s.cat.Offer(r.Context(), c.scope, catalog.NewOffering{UnitID: c.scope.OrgID, Service: svc, Level: level,
		ValidFrom: form.ValidFrom, PriceDKK: price, Delivery: catalog.Delivery(form.Delivery),
		SubSupplier: form.SubSupplier, Attest: form.Attest})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderOfferings(w, r, c, p.Status, form, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/offerings?msg=offerings.created", http.StatusSeeOther)
	return nil
}

// withdrawnFlash confirms a withdrawal on the offerings page
// (?withdrawn=<offering id>, where offeringsWithdraw sends the browser):
// only while that offering is withdrawn and the caller may manage it, with
// the count of subscriptions that keep running read now; "" otherwise, so
// a crafted link confirms nothing and counts nothing.
func (s *Server) withdrawnFlash(r *http.Request, c *caller, l Lang) (string, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get("withdrawn"), 10, 64)
	if err != nil || id <= 0 {
		return "", nil
	}
	o, err := s.cat.Offering(r.Context(), c.scope, id)
	if code := errs.CodeOf(err); code == errs.NotFound {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if o.WithdrawnFrom == "" || catalog.MayManage(c.scope, o.UnitID) != nil {
		return "", nil
	}
	n, err := s.activeSubscriptions(r, c, o.ID)
	if err != nil {
		return "", err
	}
	return l.T("offerings.withdrawn", n), nil
}

// withdrawData is the confirmation step of a withdrawal: what is
// withdrawn and what it touches.
type withdrawData struct {
	O      offeringRow
	Active int // subscriptions running on it
	Day    string
	Today  string
}

// offeringsWithdrawForm asks before an offering is withdrawn: it names
// the offering and the subscriptions it has, and takes the day.
func (s *Server) offeringsWithdrawForm(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderWithdraw(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderWithdraw(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.cat.Offering(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	// The step shows how many subscriptions run on the offering: only to
	// whom may withdraw it, refused as the withdrawal itself would be.
	if err := catalog.MayManage(c.scope, o.UnitID); err != nil {
		return err
	}
	cat, _, err := s.cat.Get(r.Context(), c.scope, "current")
	if err != nil {
		return err
	}
	n, err := s.activeSubscriptions(r, c, o.ID)
	if err != nil {
		return err
	}
	v := s.newView(r, "offerings", "offerings.title")
	row := offeringRow{Offering: o, Label: offerLabel(cat, o, string(v.Lang))}
	v.Title = v.T("offerings.confirm.title", row.Label)
	v.Err = problem
	d := withdrawData{O: row, Active: n, Day: r.PostFormValue("withdrawn_from"), Today: catalog.Today()}
	if d.Day == "" {
		d.Day = max(d.Today, o.ValidFrom)
	}
	v.Data = d
	s.render(w, r, status, "offering_withdraw", v)
	return nil
}

// offeringsWithdraw withdraws an offering once the confirmation step's
// box is ticked; without it, the step is shown again.
func (s *Server) offeringsWithdraw(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		p := s.problemFor(r, errs.Field("confirm", "tick the box to confirm the withdrawal"))
		return s.renderWithdraw(w, r, c, p.Status, &p)
	}
	o, err := s.cat.Withdraw(r.Context(), c.scope, id, r.PostFormValue("withdrawn_from"))
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderWithdraw(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/offerings?"+url.Values{"unit": {o.UnitSlug}, "withdrawn": {strconv.FormatInt(o.ID, 10)}}.Encode()+"#unit-"+o.UnitSlug, http.StatusSeeOther)
	return nil
}

type conformanceRow struct {
	Service, Level string
	Name           string
	Cells          []catalog.Cell
}

type conformanceData struct {
	Report catalog.Report
	Rows   []conformanceRow
}

func (s *Server) conformancePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	rep, err := s.cat.Conformance(r.Context(), c.scope, r.URL.Query().Get("day"))
	if err != nil {
		return err
	}
	cat, _, err := s.cat.Get(r.Context(), c.scope, rep.CatalogVersion)
	if err != nil {
		return err
	}
	l := string(langOf(r))
	d := conformanceData{Report: rep}
	for i, req := range rep.Minimum {
		svc, _ := cat.Service(req.Service)
		lv, _ := svc.Level(req.Level)
		row := conformanceRow{Service: req.Service, Level: req.Level, Name: svc.Name.In(l) + " – " + lv.Name.In(l)}
		for _, u := range rep.Units {
			row.Cells = append(row.Cells, u.Cells[i])
		}
		d.Rows = append(d.Rows, row)
	}
	v := s.newView(r, "conformance", "conformance.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "conformance", v)
	return nil
}
