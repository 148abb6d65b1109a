package web

import (
	"cmp"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
)

// availabilitySection is the monthly report's service levels: each
// subscription's availability against its target, the month's outages,
// and per service the share of subscriptions that met their target over
// twelve months.
type availabilitySection struct {
	Items []availability.Item
	// Municipalities and Units sum the items per organisation.
	Municipalities, Units []availability.Summary
	Outages               []availability.Outage
	Chart                 chart
	CSV                   string
	Met                   int
}

// Down writes a downtime in seconds shortly ("0" when none).
func (v view) Down(seconds int64) string {
	if seconds == 0 {
		return "0"
	}
	if seconds < 60 {
		return strconv.FormatInt(seconds, 10) + " s"
	}
	return v.Span(time.Duration(seconds) * time.Second)
}

// BudgetLeft writes what is left of an error budget, or by how much it
// is overspent, and whether it runs out before the month ends.
func (v view) BudgetLeft(b availability.Budget) string {
	if b.LeftSeconds < 0 {
		return v.T("avail.overspent", v.Down(-b.LeftSeconds))
	}
	if b.RunsOut {
		return v.T("avail.runsout", v.Down(b.LeftSeconds))
	}
	return v.Down(b.LeftSeconds)
}

// Avail writes an availability (0–1) as a percentage with two decimals,
// enough for every target of the catalog: "99,95 %" (the Met column
// says whether it was reached).
func (v view) Avail(x float64) string { return v.Percent(100*x, 2) }

// availability builds the report's section for the month starting at
// month, narrowed to org (0: everything in reach).
func (s *Server) availability(ctx context.Context, c *caller, v view, month time.Time, org int64, csvLink string) (availabilitySection, error) {
	var sec availabilitySection
	from, to := month, month.AddDate(0, 1, 0)
	var err error
	if sec.Items, err = s.avail.Month(ctx, c.scope, from, to, org); err != nil {
		return sec, err
	}
	for _, it := range sec.Items {
		if it.Met {
			sec.Met++
		}
	}
	sec.Municipalities, sec.Units = availability.Summarize(sec.Items)
	if sec.Outages, err = s.avail.Outages(ctx, c.scope, availability.Filter{From: from, To: to, Org: org}); err != nil {
		return sec, err
	}
	sec.CSV = csvLink
	// Twelve months: per service (the five with most subscriptions), the
	// share of its subscriptions that met their target.
	type counts struct{ met, all []int }
	per := map[string]*counts{}
	var labels []string
	for i := 11; i >= 0; i-- {
		m := from.AddDate(0, -i, 0)
		labels = append(labels, v.Month(m.Format("2006-01")))
		items := sec.Items // the month itself is computed already
		if i > 0 {
			if items, err = s.avail.Month(ctx, c.scope, m, m.AddDate(0, 1, 0), org); err != nil {
				return sec, err
			}
		}
		for _, it := range items {
			cnt := per[it.Service]
			if cnt == nil {
				cnt = &counts{met: make([]int, 12), all: make([]int, 12)}
				per[it.Service] = cnt
			}
			cnt.all[11-i]++
			if it.Met {
				cnt.met[11-i]++
			}
		}
	}
	services := make([]string, 0, len(per))
	for svc := range per {
		services = append(services, svc)
	}
	total := func(svc string) (n int) {
		for _, a := range per[svc].all {
			n += a
		}
		return n
	}
	slices.SortFunc(services, func(a, b string) int { return cmp.Or(total(b)-total(a), cmp.Compare(a, b)) })
	var ss []series
	for i, svc := range services[:min(len(services), len(dashes))] {
		sr := series{Name: svc, Class: "series" + strconv.Itoa(i%3), Dash: dashes[i], Width: 2}
		for k := range 12 {
			val := 100.0 // nothing subscribed: nothing missed
			if n := per[svc].all[k]; n > 0 {
				val = 100 * float64(per[svc].met[k]) / float64(n)
			}
			sr.Values = append(sr.Values, val)
		}
		ss = append(ss, sr)
	}
	if len(ss) > 0 {
		sec.Chart = percentChart(v.T("avail.chart"), v.T("chart.month"), labels, ss, v)
		sec.Chart.ID = "availability"
	}
	return sec, nil
}

// availabilityCSV writes the month's figures per subscription as CSV.
func availabilityCSV(w http.ResponseWriter, month string, items []availability.Item) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="samdrift-availability-`+month+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"month", "subscription", "municipality_code", "municipality", "unit", "service", "level", "calendar", "availability", "target", "met",
		"downtime_seconds", "service_seconds", "maintenance_seconds", "outages", "error_budget_left_seconds", "burn_rate"})
	for _, it := range items {
		_ = cw.Write([]string{month, strconv.FormatInt(it.SubscriptionID, 10), it.MunicipalityCode, it.MunicipalityName, it.UnitName, it.Service, it.Level,
			it.Calendar, strconv.FormatFloat(it.Availability, 'f', 6, 64), strconv.FormatFloat(it.Target, 'f', 4, 64), strconv.FormatBool(it.Met),
			strconv.FormatInt(it.DowntimeSeconds, 10), strconv.FormatInt(it.ServiceSeconds, 10), strconv.FormatInt(it.MaintenanceSeconds, 10),
			strconv.Itoa(it.Outages), strconv.FormatInt(it.Budget.LeftSeconds, 10), strconv.FormatFloat(it.Budget.BurnRate, 'f', 2, 64)})
	}
	cw.Flush()
	return cw.Error()
}

// monthStart is the first instant of t's month in Copenhagen.
func monthStart(t time.Time) time.Time {
	t = t.In(calendar.Copenhagen)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
}

// statusData is a unit's status page.
type statusData struct {
	Unit        string // the unit's name, or empty for every unit in reach
	Outages     []availability.Outage
	Maintenance []availability.Maintenance
	Units       []org.Organization
	Slug        string
	// MayRecord: the caller records its unit's outages (the form and
	// the end buttons), over Subscriptions.
	MayRecord     bool
	Subscriptions []availability.Item
	// Probes are the unit's probes (for MayRecord).
	Probes []availability.Probe
	Now    *time.Time
}

// statusPage shows what is down now and the planned maintenance of the
// next 30 days, for the caller's reach: a municipality sees its own
// subscriptions' outages and the changes that affect it, a unit its
// municipalities'.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderStatus(w, r, c, http.StatusOK, nil)
}

// renderStatus renders the status page, with the problem of a form that
// was refused.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	unit, err := s.orgParam(r, c, "unit")
	if err != nil {
		return err
	}
	v := s.newView(r, "status", "status.title")
	d := statusData{Slug: r.URL.Query().Get("unit")}
	if unit != 0 {
		o, err := s.orgs.Get(r.Context(), c.scope, d.Slug)
		if err != nil {
			return err
		}
		d.Unit = o.Name
	}
	f := availability.Filter{OpenOnly: true, Org: unit}
	if d.Outages, err = s.avail.Outages(r.Context(), c.scope, f); err != nil {
		return err
	}
	now := time.Now()
	if d.Maintenance, err = s.avail.PlannedMaintenance(r.Context(), c.scope, now, now.AddDate(0, 0, 30), unit); err != nil {
		return err
	}
	if d.Units, _, err = s.orgChoices(r, c); err != nil {
		return err
	}
	d.Now = &now
	sc := c.scope
	if d.MayRecord = sc.Role == access.RoleAdmin || (sc.OrgKind == "unit" && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager)); d.MayRecord {
		m := monthStart(now)
		items, err := s.avail.Month(r.Context(), sc, m, m.AddDate(0, 1, 0), cmp.Or(unit, sc.OrgID))
		if err != nil {
			return err
		}
		for _, it := range items {
			if sc.Role == access.RoleAdmin || it.UnitID == sc.OrgID {
				d.Subscriptions = append(d.Subscriptions, it)
			}
		}
		if d.Probes, err = s.avail.Probes(r.Context(), sc, 0); err != nil {
			return err
		}
	}
	v.Data = d
	v.Err = problem
	s.render(w, r, status, "status", v)
	return nil
}

// statusProbe adds a probe (the form on the status page) or pauses or
// resumes one (its button).
func (s *Server) statusProbe(w http.ResponseWriter, r *http.Request, c *caller) error {
	var err error
	if r.PathValue("id") != "" {
		var id int64
		if id, err = pathID(r, "id"); err == nil {
			_, err = s.avail.SetProbeEnabled(r.Context(), c.scope, id, r.PostFormValue("enabled") == "true")
		}
	} else {
		n := availability.NewProbe{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Target: r.PostFormValue("target")}
		n.Subscription, _ = strconv.ParseInt(r.PostFormValue("subscription"), 10, 64)
		if iv, perr := strconv.Atoi(cmp.Or(r.PostFormValue("interval"), "60")); perr == nil {
			n.Interval = time.Duration(iv) * time.Second
		}
		_, err = s.avail.AddProbe(r.Context(), c.scope, n)
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderStatus(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/status#probes", http.StatusSeeOther)
	return nil
}

// statusOutage records an outage (the form on the status page) or ends
// one (its button).
func (s *Server) statusOutage(w http.ResponseWriter, r *http.Request, c *caller) error {
	var err error
	if id := r.PathValue("id"); id != "" {
		var oid int64
		if oid, err = pathID(r, "id"); err == nil {
			_, err = s.avail.End(r.Context(), c.scope, oid, time.Time{})
		}
	} else {
		n := availability.NewOutage{Cause: r.PostFormValue("cause")}
		n.Subscription, _ = strconv.ParseInt(r.PostFormValue("subscription"), 10, 64)
		if n.Impact, err = strconv.ParseFloat(cmp.Or(r.PostFormValue("impact"), "1"), 64); err != nil {
			err = errs.Field("impact", "impact must be 0.01–1 (1: the service is down; less: partly)")
		}
		var start *time.Time
		if err == nil {
			start, err = localTime(r.PostFormValue("started_at"), "started_at")
		}
		if err == nil {
			if start != nil {
				n.Start = *start
			}
			_, err = s.avail.Open(r.Context(), c.scope, n)
		}
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderStatus(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/status", http.StatusSeeOther)
	return nil
}
