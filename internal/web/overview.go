package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

// Label is a text in both UI languages.
type Label struct {
	Da string `json:"da"`
	En string `json:"en"`
}

// labelOf is message key's text in both languages.
func labelOf(key string, args ...any) Label {
	return Label{Da: Danish.T(key, args...), En: English.T(key, args...)}
}

// In is the label in l.
func (lb Label) In(l Lang) string {
	if l == English {
		return lb.En
	}
	return lb.Da
}

// Figure is one number of a start page or an organisation's overview:
// what it counts, its value, and the list behind it.
type Figure struct {
	Key   string  `json:"key"`
	Group string  `json:"group"` // the key of the heading it is shown under
	Label Label   `json:"label"`
	Value float64 `json:"value"`
	// Unit is "percent" for a percentage, "" for a count.
	Unit string `json:"unit,omitempty"`
	Href string `json:"href"`
	// Attention marks a figure that needs someone to act (a breach, a
	// reporting deadline, a silent source) when it is not zero.
	Attention bool `json:"attention"`
}

// figures collects figures, skipping those the caller's role may not read.
type figures struct {
	list []Figure
}

func (f *figures) add(group, key string, value float64, unit, href string, attention bool) {
	label := "fig." + key
	if _, ok := messages[label+".one"]; ok && value == 1 {
		label += ".one" // "1 åben sag", not "1 åbne sager"
	}
	f.list = append(f.list, Figure{Key: key, Group: group, Label: labelOf(label), Value: value, Unit: unit, Href: href,
		Attention: attention && value > 0})
}

// allowed turns a refusal into "not shown": a start page offers what the
// role may read and leaves the rest out; other errors stand.
func allowed(err error) (bool, error) {
	switch errs.CodeOf(err) {
	case "":
		return true, nil
	case errs.Forbidden, errs.NotFound:
		return false, nil
	}
	return false, err
}

// Overview is the content of a start page: who it is for and the figures
// of their work.
type Overview struct {
	Role    access.Role `json:"role"`
	Org     org.Ref     `json:"org"`
	Figures []Figure    `json:"figures"`
	// Units is the cross-unit picture, for governance and administrators.
	Units []UnitRow `json:"units,omitempty"`
}

// roleGroups are the figure groups each role's start page shows, in order.
var roleGroups = map[access.Role][]string{
	access.RoleSPOC:        {"tickets", "changes", "orders"},
	access.RoleKommuneIT:   {"tickets", "changes", "orders", "transition", "security", "compliance"},
	access.RoleCISO:        {"security", "vulns", "compliance", "tickets"},
	access.RoleServiceDesk: {"queue", "changes", "orders"},
	access.RoleUnitManager: {"sla", "queue", "orders", "conformance"},
	access.RoleSOCAnalyst:  {"alerts", "cases", "sources"},
	access.RoleCERT:        {"vulns", "alerts", "cases"},
	access.RoleGovernance:  {"conformance", "transition", "sla", "sources", "cases", "compliance"},
	access.RoleAdmin:       {"admin", "queue", "alerts", "sources"},
}

// overview computes the caller's start page.
func (s *Server) overview(ctx context.Context, sc access.Scope) (Overview, error) {
	o, err := s.orgs.Get(ctx, sc, strconv.FormatInt(sc.OrgID, 10))
	if err != nil {
		return Overview{}, err
	}
	out := Overview{Role: sc.Role, Org: org.Ref{ID: o.ID, Slug: o.Slug, Name: o.Name, Code: o.Code}}
	var f figures
	for _, g := range roleGroups[sc.Role] {
		if err := s.figureGroup(ctx, sc, &f, g, target{}); err != nil {
			return out, err
		}
	}
	out.Figures = f.list
	if out.Figures == nil {
		out.Figures = []Figure{}
	}
	if out.Units, err = s.unitRows(ctx, sc); err != nil {
		return out, err
	}
	return out, nil
}

// target is what a group of figures counts over: everything in the
// caller's reach (ID 0), or one organisation.
type target struct {
	ID   int64
	Kind org.Kind
	Slug string
	Code string
}

// href is path with the query parameters kv (key, value, …), leaving out
// those without a value.
func href(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// figureGroup adds group's figures to f, over tg; each figure's href opens
// the list it counts, filtered the same way.
func (s *Server) figureGroup(ctx context.Context, sc access.Scope, f *figures, group string, tg target) error {
	now := time.Now()
	only := tg.ID
	var muni, unit string // the list filters for the target, by its kind
	switch tg.Kind {
	case org.KindMunicipality:
		muni = tg.Slug
	case org.KindUnit:
		unit = tg.Slug
	}
	switch group {
	case "tickets", "queue":
		d, err := s.sd.Figures(ctx, sc, servicedesk.FigureFilter{Org: only})
		if ok, err := allowed(err); !ok {
			return err
		}
		f.add(group, "tickets.open", float64(d.Open), "", href("/tickets", "org", tg.Slug), false)
		f.add(group, "tickets.breached", float64(d.Breached), "", href("/tickets", "due", "breached", "org", tg.Slug), true)
		f.add(group, "tickets.duesoon", float64(d.DueSoon), "", href("/tickets", "due", "soon", "org", tg.Slug), true)
		if group == "tickets" {
			f.add(group, "tickets.pending", float64(d.Pending), "", href("/tickets", "status", "pending", "org", tg.Slug), true)
			f.add(group, "tickets.escalated", float64(d.Escalated), "", href("/tickets", "status", "escalated", "org", tg.Slug), false)
		} else {
			f.add(group, "tickets.mine", float64(d.Mine), "", href("/tickets", "assignee", "me", "org", tg.Slug), false)
			f.add(group, "tickets.unassigned", float64(d.Unassigned), "", href("/tickets", "assignee", "none", "org", tg.Slug), true)
			f.add(group, "visits.today", float64(d.VisitsToday), "", href("/tickets", "visits", "today", "org", tg.Slug), false)
		}
	case "changes":
		d, err := s.sd.Figures(ctx, sc, servicedesk.FigureFilter{Org: only})
		if ok, err := allowed(err); !ok {
			return err
		}
		if sc.OrgKind == "municipality" || tg.Kind == org.KindMunicipality {
			week := ""
			if !d.FirstAck.IsZero() {
				week = d.FirstAck.In(locale.Copenhagen).Format(time.DateOnly)
			}
			f.add(group, "changes.acks", float64(d.AcksDue), "", href("/changes", "week", week, "municipality", muni), true)
		}
		f.add(group, "changes.week", float64(d.ChangesWeek), "", href("/changes", "municipality", muni, "unit", unit), false)
	case "orders":
		of := orders.Filter{Limit: 1}
		if tg.Kind == org.KindUnit {
			of.Unit = only
		} else {
			of.Municipality = only
		}
		of.Statuses = []orders.Status{orders.Requested, orders.Accepted, orders.InDelivery, orders.TerminationRequested}
		key, status := "orders.inprogress", "inprogress"
		if sc.Can(access.DecideOrders) && only == 0 {
			of.Statuses, key, status = []orders.Status{orders.Requested}, "orders.todecide", "requested"
		}
		_, n, err := s.ord.List(ctx, sc, of)
		if ok, err := allowed(err); !ok {
			return err
		}
		f.add(group, key, float64(n), "", href("/orders", "status", status, "org", tg.Slug), key == "orders.todecide")
		if only != 0 {
			of.Statuses = []orders.Status{orders.Active, orders.TerminationRequested}
			_, n, err := s.ord.List(ctx, sc, of)
			if ok, err := allowed(err); !ok {
				return err
			}
			f.add(group, "orders.active", float64(n), "", href("/orders", "status", "subscriptions", "org", tg.Slug), false)
		}
	case "transition":
		ov, err := s.plan.Overview(ctx, sc, 1)
		if ok, err := allowed(err); !ok {
			return err
		}
		share, link := ov.Total, "/transition"
		code := tg.Code
		if code == "" && sc.Reach == access.ReachOwn {
			o, err := s.orgs.Get(ctx, sc, strconv.FormatInt(sc.OrgID, 10))
			if err != nil {
				return err
			}
			code = o.Code
		}
		if code != "" {
			for _, m := range ov.Municipalities {
				if m.Key == code {
					share = m
				}
			}
		}
		if tg.Kind == org.KindMunicipality {
			link = "/transition/" + url.PathEscape(tg.Slug)
		}
		f.add(group, "transition.share", round1(share.Percent), "percent", link, false)
	case "sla":
		rf := servicedesk.ReportFilter{Month: now}
		if tg.Kind == org.KindUnit {
			rf.Unit = only
		} else {
			rf.Municipality = only
		}
		rep, err := s.sd.Report(ctx, sc, rf)
		if ok, err := allowed(err); !ok {
			return err
		}
		link := href("/reports", "municipality", muni, "unit", unit)
		if rep.Resolution.Measured > 0 {
			f.add(group, "sla.resolution", round1(rep.Resolution.Percent), "percent", link, false)
		}
		if rep.Response.Measured > 0 {
			f.add(group, "sla.response", round1(rep.Response.Percent), "percent", link, false)
		}
		f.add(group, "sla.breaches", float64(len(rep.Breaches)), "", link, true)
	case "conformance":
		rep, err := s.cat.Conformance(ctx, sc, "")
		if ok, err := allowed(err); !ok {
			return err
		}
		meets, units := 0, 0
		for _, u := range rep.Units {
			if sc.Reach == access.ReachSupplied && u.UnitID != sc.OrgID {
				continue
			}
			units++
			if u.MeetsMinimum {
				meets++
			}
			if sc.Reach == access.ReachSupplied {
				f.add(group, "conformance.missing", float64(u.Missing), "", "/conformance", true)
			}
		}
		if sc.Reach != access.ReachSupplied {
			f.add(group, "conformance.units", float64(meets), "", "/conformance", false)
			f.add(group, "conformance.short", float64(units-meets), "", "/conformance", true)
		}
	case "security", "alerts":
		st, err := s.det.Stats(ctx, sc, now)
		if ok, err := allowed(err); !ok {
			return err
		}
		by := map[string]int{}
		for _, c := range st.Open {
			if only == 0 || c.Tenant == only {
				by[c.Level] += c.N
			}
		}
		for _, lvl := range []string{"critical", "high", "medium", "low"} {
			if group == "security" && (lvl == "medium" || lvl == "low") {
				continue
			}
			f.add(group, "alerts."+lvl, float64(by[lvl]), "", href("/alerts", "status", "open", "level", lvl, "org", tg.Slug), lvl == "critical" || lvl == "high")
		}
		if group == "security" {
			if err := s.figureGroup(ctx, sc, f, "coverage", tg); err != nil {
				return err
			}
		}
	case "cases":
		if !sc.Can(access.ReadCases) {
			return nil // the list would refuse them
		}
		st, err := s.cases.Stats(ctx, sc, now)
		if ok, err := allowed(err); !ok {
			return err
		}
		open := 0
		for _, c := range st.Open {
			if only == 0 || c.OrgID == only {
				open += c.N
			}
		}
		name := ""
		if only != 0 {
			o, err := s.orgs.Get(ctx, sc, strconv.FormatInt(only, 10))
			if err != nil {
				return err
			}
			name = o.Name
		}
		due := 0
		for _, d := range st.Due {
			if only == 0 || d.OrgName == name {
				due++
			}
		}
		f.add(group, "cases.open", float64(open), "", href("/cases", "org", tg.Slug), false)
		f.add(group, "cases.reportsdue", float64(due), "", href("/cases", "org", tg.Slug), true)
	case "sources", "coverage":
		cov, err := s.src.Overview(ctx, sc, now)
		if ok, err := allowed(err); !ok {
			return err
		}
		required, sending, silent, full, orgs := 0, 0, 0, 0, 0
		for _, c := range cov {
			if only != 0 && c.OrgID != only {
				continue
			}
			if c.Kind != "municipality" && c.Kind != "unit" {
				continue
			}
			orgs++
			required += c.Required
			sending += c.Sending
			silent += c.Silent
			if c.Required > 0 && c.Sending == c.Required {
				full++
			}
		}
		link := href("/coverage", "org", tg.Slug)
		if required > 0 {
			f.add(group, "coverage.share", round1(float64(sending)/float64(required)*100), "percent", link, false)
		}
		f.add(group, "coverage.silent", float64(silent), "", link, true)
		if group == "sources" && orgs > 1 {
			f.add(group, "coverage.full", float64(full), "", link, false)
		}
	case "vulns":
		_, open, err := s.cert.Vulnerabilities(ctx, sc, cert.VulnFilter{Org: only, Status: "open", Limit: 1})
		if ok, err := allowed(err); !ok {
			return err
		}
		f.add(group, "vulns.open", float64(open), "", href("/vulnerabilities", "status", "open", "org", tg.Slug), true)
		if only == 0 { // advisories are matched to the caller's reach, not to one organisation
			_, affected, err := s.cert.Advisories(ctx, sc, cert.AdvisoryFilter{Affected: true, Limit: 1})
			if ok, err := allowed(err); !ok {
				return err
			}
			f.add(group, "advisories.affected", float64(affected), "", "/advisories", false)
		}
	case "compliance":
		ref := strconv.FormatInt(only, 10)
		if only == 0 {
			if sc.OrgKind != "municipality" && sc.OrgKind != "unit" {
				// The cross-organisation picture: the heatmap's lowest scores.
				hm, err := s.comp.Heatmap(ctx, sc, "da")
				if ok, err := allowed(err); !ok {
					return err
				}
				low := 0
				for _, r := range hm.Rows {
					for _, c := range r.Frameworks {
						if c.Counts.Score != nil && *c.Counts.Score < 50 {
							low++
							break
						}
					}
				}
				f.add(group, "compliance.low", float64(low), "", "/compliance", true)
				return nil
			}
			ref = strconv.FormatInt(sc.OrgID, 10)
		}
		sums, err := s.comp.Assessments(ctx, sc, ref, "da")
		if ok, err := allowed(err); !ok {
			return err
		}
		for _, sm := range sums {
			if sm.Counts.Score == nil {
				continue
			}
			f.list = append(f.list, Figure{Key: "compliance." + sm.Framework, Group: group,
				Label: labelOf("fig.compliance.score", sm.Name), Value: round1(*sm.Counts.Score), Unit: "percent",
				Href: "/compliance/" + url.PathEscape(ref) + "/" + url.PathEscape(sm.Framework)})
		}
	case "admin":
		_, n, err := s.acc.ListUsers(ctx, sc, access.UserFilter{NeedsMFASetup: true, Limit: 1})
		if ok, err := allowed(err); !ok {
			return err
		}
		f.add(group, "admin.needmfa", float64(n), "", "/users", true)
		_, failed, err := audit.List(ctx, s.db.Reader(), sc, audit.Filter{Action: "login.fail", Since: time.Now().Add(-24 * time.Hour), Limit: 1})
		if ok, err := allowed(err); !ok {
			return err
		}
		f.add(group, "admin.failedlogins", float64(failed), "", "/audit?action=login.fail", true)
	}
	return nil
}

// round1 rounds x to one decimal.
func round1(x float64) float64 {
	return float64(int64(x*10+0.5)) / 10
}

// OrgOverview is everything about one organisation (a municipality
// above all) that the caller may see: its supplier, subscriptions and
// transition plan, and the figures of its tickets, changes, service
// levels, logging, alerts, vulnerabilities, cases and compliance.
type OrgOverview struct {
	Org org.Organization `json:"org"`
	// Contacts are the supplying unit's service desk and managers.
	Contacts      []access.Contact  `json:"contacts"`
	Figures       []Figure          `json:"figures"`
	Subscriptions []orders.Order    `json:"subscriptions"`
	Transition    []transitionEntry `json:"transition"`
}

// transitionEntry is one service of a municipality's transition plan.
type transitionEntry struct {
	Service     string `json:"service"`
	Source      string `json:"source"`
	Status      string `json:"status"`
	PlannedDate string `json:"planned_date,omitempty"`
	Supplier    string `json:"supplier,omitempty"`
}

// orgOverview computes the overview of the organisation ref names, for its
// own staff, its supplying unit, governance and the shared SOC and CERT;
// anyone else is answered as if it did not exist.
func (s *Server) orgOverview(ctx context.Context, sc access.Scope, ref string) (OrgOverview, error) {
	var out OrgOverview
	id, err := org.InReach(ctx, s.db.Reader(), sc, ref)
	ordinary := err == nil
	if err != nil {
		e := errs.As(err)
		if e == nil || (e.Code != errs.NotFound && e.Code != errs.Invalid) {
			return out, err
		}
		// Out of reach answers like unknown: a path names no input field.
		nf := *e
		nf.Code, nf.Field = errs.NotFound, ""
		err = &nf
		if !sc.SeesAllSecurity() {
			return out, err
		}
		// The shared SOC and CERT see every tenant's security picture.
		o, gerr := s.orgs.Get(ctx, sc, ref)
		if gerr != nil {
			return out, err
		}
		id = o.ID
	}
	if out.Org, err = s.orgs.Get(ctx, sc, strconv.FormatInt(id, 10)); err != nil {
		return out, err
	}
	groups := []string{"security", "vulns", "cases"}
	if ordinary {
		groups = []string{"tickets", "changes", "sla", "orders", "transition", "security", "vulns", "cases", "compliance"}
	}
	var f figures
	for _, g := range groups {
		if g == "transition" && out.Org.Kind != org.KindMunicipality {
			continue
		}
		if err := s.figureGroup(ctx, sc, &f, g, target{ID: id, Kind: out.Org.Kind, Slug: out.Org.Slug, Code: out.Org.Code}); err != nil {
			return out, err
		}
	}
	out.Figures = f.list
	if out.Figures == nil {
		out.Figures = []Figure{}
	}
	out.Subscriptions, out.Transition, out.Contacts = []orders.Order{}, []transitionEntry{}, []access.Contact{}
	if !ordinary || out.Org.Kind != org.KindMunicipality {
		return out, nil
	}
	if out.Contacts, err = s.acc.Contacts(ctx, sc, id); err != nil {
		return out, err
	}
	subs, _, err := s.ord.List(ctx, sc, orders.Filter{Municipality: id, Statuses: []orders.Status{orders.Active, orders.TerminationRequested}, Limit: 200})
	if ok, err := allowed(err); !ok {
		if err != nil {
			return out, err
		}
	} else {
		out.Subscriptions = subs
	}
	plan, err := s.plan.Plan(ctx, sc, id)
	if ok, err := allowed(err); !ok {
		if err != nil {
			return out, err
		}
	} else {
		for _, e := range plan {
			out.Transition = append(out.Transition, transitionEntry{Service: e.Service, Source: string(e.Source), Status: string(e.Status),
				PlannedDate: e.PlannedDate, Supplier: e.Supplier})
		}
	}
	return out, nil
}

// figGroup is one heading of figures on a page.
type figGroup struct {
	Key   string
	Items []Figure
}

// figureBlock is what the "figures" partial gets.
type figureBlock struct {
	V      view
	Groups []figGroup
}

// FigureBlock groups figs under their headings, in order of first use.
func (v view) FigureBlock(figs []Figure) figureBlock {
	b := figureBlock{V: v}
	at := map[string]int{}
	for _, f := range figs {
		i, ok := at[f.Group]
		if !ok {
			i = len(b.Groups)
			at[f.Group] = i
			b.Groups = append(b.Groups, figGroup{Key: f.Group})
		}
		b.Groups[i].Items = append(b.Groups[i].Items, f)
	}
	return b
}

// FigureValue writes a figure's value the way the page's language does.
func (v view) FigureValue(f Figure) string {
	if f.Unit == "percent" {
		return v.Pct(f.Value)
	}
	return v.Num(f.Value, 0)
}

// LabelIn is lb in the page's language.
func (v view) LabelIn(lb Label) string { return lb.In(v.Lang) }

// myOrgPage sends the user to their own organisation's page.
func (s *Server) myOrgPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.orgs.Get(r.Context(), c.scope, strconv.FormatInt(c.scope.OrgID, 10))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/organizations/"+url.PathEscape(o.Slug), http.StatusSeeOther)
	return nil
}

// overviewRoutes registers the start page's and the organisation
// overview's API.
func (s *Server) overviewRoutes() {
	s.api("GET /api/v1/me/overview", func(w http.ResponseWriter, r *http.Request, c *caller) error {
		ov, err := s.overview(r.Context(), c.scope)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ov)
		return nil
	})
	s.api("GET /api/v1/organizations/{ref}/overview", func(w http.ResponseWriter, r *http.Request, c *caller) error {
		ov, err := s.orgOverview(r.Context(), c.scope, r.PathValue("ref"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ov)
		return nil
	})
}

// UnitRow is one unit in governance's cross-unit picture: conformance
// with the minimum, the share of its municipalities' basic services
// bought from it, and this month's service levels.
type UnitRow struct {
	Unit         org.Ref  `json:"unit"`
	MeetsMinimum bool     `json:"meets_minimum"`
	Missing      int      `json:"missing"`    // mandatory services it does not offer
	Transition   float64  `json:"transition"` // per cent of basic services bought from it
	Resolution   *float64 `json:"resolution"` // per cent resolved in time this month; nil: none measured
	Response     *float64 `json:"response"`
	Breaches     int      `json:"breaches"`
	Open         int      `json:"open"` // open tickets with the unit
}

// unitRows computes the cross-unit picture for callers who see every unit
// (governance and administrators); others get none.
func (s *Server) unitRows(ctx context.Context, sc access.Scope) ([]UnitRow, error) {
	if sc.Reach != access.ReachAll {
		return nil, nil
	}
	units, _, err := s.orgs.List(ctx, sc, org.Filter{Kind: org.KindUnit, Limit: 100})
	if err != nil {
		return nil, err
	}
	conf, err := s.cat.Conformance(ctx, sc, "")
	if ok, err := allowed(err); !ok && err != nil {
		return nil, err
	}
	plan, err := s.plan.Overview(ctx, sc, 1)
	if ok, err := allowed(err); !ok && err != nil {
		return nil, err
	}
	share := map[string]transitionShare{} // by municipality code
	for _, m := range plan.Municipalities {
		share[m.Key] = transitionShare{m.FromUnit, m.Basic}
	}
	now := time.Now()
	var out []UnitRow
	for _, u := range units {
		full, err := s.orgs.Get(ctx, sc, u.Slug)
		if err != nil {
			return nil, err
		}
		row := UnitRow{Unit: org.Ref{ID: u.ID, Slug: u.Slug, Name: u.Name, Code: u.Code}}
		for _, c := range conf.Units {
			if c.UnitID == u.ID {
				row.MeetsMinimum, row.Missing = c.MeetsMinimum, c.Missing
			}
		}
		var from, basic int
		for _, m := range full.Supplies {
			from += share[m.Code].from
			basic += share[m.Code].basic
		}
		if basic > 0 {
			row.Transition = round1(float64(from) / float64(basic) * 100)
		}
		rep, err := s.sd.Report(ctx, sc, servicedesk.ReportFilter{Month: now, Unit: u.ID})
		if err != nil {
			return nil, err
		}
		if rep.Resolution.Measured > 0 {
			v := round1(rep.Resolution.Percent)
			row.Resolution = &v
		}
		if rep.Response.Measured > 0 {
			v := round1(rep.Response.Percent)
			row.Response = &v
		}
		row.Breaches = len(rep.Breaches)
		fig, err := s.sd.Figures(ctx, sc, servicedesk.FigureFilter{Unit: u.ID})
		if err != nil {
			return nil, err
		}
		row.Open = fig.Open
		out = append(out, row)
	}
	return out, nil
}

type transitionShare struct{ from, basic int }

// ServiceName is the catalog's name for a service or "service/level" key,
// or the key itself when the catalog has none.
func (v view) ServiceName(names map[string]string, key string) string {
	if n := names[key]; n != "" {
		return n
	}
	return key
}
