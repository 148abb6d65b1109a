package web

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) reportRoutes() {
	s.api("GET /api/v1/reports", s.apiReport)
	s.page("GET /reports", s.reportsPage)
}

// reportFilter reads month (2026-11; default this month), unit and
// municipality.
func (s *Server) reportFilter(r *http.Request, c *caller) (servicedesk.ReportFilter, error) {
	f := servicedesk.ReportFilter{Month: time.Now()}
	if v := r.URL.Query().Get("month"); v != "" {
		t, err := time.ParseInLocation("2006-01", v, calendar.Copenhagen)
		if err != nil {
			return f, errs.Field("month", "want a month such as 2026-11, got %q", v)
		}
		f.Month = t
	}
	var err error
	if f.Unit, err = s.orgParam(r, c, "unit"); err != nil {
		return f, err
	}
	f.Municipality, err = s.orgParam(r, c, "municipality")
	return f, err
}

// apiReport answers the month's report and the twelve months up to it;
// with format=csv, the twelve months as CSV.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.reportFilter(r, c)
	if err != nil {
		return err
	}
	trend, err := s.sd.Trend(r.Context(), c.scope, f, 12)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, map[string]any{"report": trend[len(trend)-1], "trend": trend})
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="samdrift-servicedesk-`+trend[len(trend)-1].Month+`.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"month", "opened", "incidents", "requests", "problems", "changes", "p1", "p2", "p3", "p4", "escalated", "resolved",
			"first_line_met_pct", "response_met_pct", "resolution_met_pct", "breaches", "backlog", "satisfaction_avg", "satisfaction_answers", "visits"})
		pct := func(sh servicedesk.Share) string {
			if sh.Measured == 0 {
				return ""
			}
			return strconv.FormatFloat(sh.Percent, 'f', 1, 64)
		}
		for _, m := range trend {
			_ = cw.Write([]string{m.Month, strconv.Itoa(m.Opened), strconv.Itoa(m.ByKind["incident"]), strconv.Itoa(m.ByKind["request"]),
				strconv.Itoa(m.ByKind["problem"]), strconv.Itoa(m.ByKind["change"]), strconv.Itoa(m.ByPriority["P1"]), strconv.Itoa(m.ByPriority["P2"]),
				strconv.Itoa(m.ByPriority["P3"]), strconv.Itoa(m.ByPriority["P4"]), strconv.Itoa(m.Escalated), strconv.Itoa(m.Resolved),
				pct(m.FirstLine), pct(m.Response), pct(m.Resolution), strconv.Itoa(len(m.Breaches)), strconv.Itoa(m.Backlog),
				strconv.FormatFloat(m.Satisfaction.Average, 'f', 2, 64), strconv.Itoa(m.Satisfaction.Answers), strconv.Itoa(m.Visits)})
		}
		cw.Flush()
		return cw.Error()
	default:
		return errs.Field("format", "want json or csv")
	}
	return nil
}

type reportsData struct {
	Report         servicedesk.Report
	Trend          []servicedesk.Report
	Chart          chart
	Month          string
	Prev, Next     string
	CSV            string
	Units          []org.Organization
	Municipalities []org.Organization
	Unit           string
	Municipality   string
	Avail          availabilitySection
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.reportFilter(r, c)
	if err != nil {
		return err
	}
	trend, err := s.sd.Trend(r.Context(), c.scope, f, 12)
	if err != nil {
		return err
	}
	v := s.newView(r, "reports", "reports.title")
	q := r.URL.Query()
	d := reportsData{Report: trend[len(trend)-1], Trend: trend, Unit: q.Get("unit"), Municipality: q.Get("municipality")}
	d.Month = d.Report.Month
	link := func(month time.Time, format string) string {
		qq := r.URL.Query()
		qq.Set("month", month.Format("2006-01"))
		if format != "" {
			qq.Set("format", format)
			return "/api/v1/reports?" + qq.Encode()
		}
		return "/reports?" + qq.Encode()
	}
	m, _ := time.ParseInLocation("2006-01", d.Month, calendar.Copenhagen)
	d.Prev, d.Next, d.CSV = link(m.AddDate(0, -1, 0), ""), link(m.AddDate(0, 1, 0), ""), link(m, "csv")
	var labels []string
	ss := []series{{Name: v.T("clock.first_line"), Class: "series0", Dash: dashes[0], Width: 2},
		{Name: v.T("clock.response"), Class: "series1", Dash: dashes[1], Width: 2},
		{Name: v.T("clock.resolution"), Class: "total", Width: 4}}
	for _, t := range trend {
		labels = append(labels, v.Month(t.Month))
		for i, sh := range []servicedesk.Share{t.FirstLine, t.Response, t.Resolution} {
			val := sh.Percent
			if sh.Measured == 0 {
				val = 100 // nothing measured: nothing missed
			}
			ss[i].Values = append(ss[i].Values, val)
		}
	}
	d.Chart = percentChart(v.T("reports.chart"), v.T("chart.month"), labels, ss, v)
	if d.Units, d.Municipalities, err = s.orgChoices(r, c); err != nil {
		return err
	}
	org := f.Municipality
	if org == 0 {
		org = f.Unit
	}
	aq := url.Values{"month": {d.Month}, "format": {"csv"}}
	if ref := cmp.Or(q.Get("municipality"), q.Get("unit")); ref != "" {
		aq.Set("org", ref)
	}
	if d.Avail, err = s.availability(r.Context(), c, v, monthStart(m), org, "/api/v1/availability?"+aq.Encode()); err != nil {
		return err
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "reports", v)
	return nil
}

// Pct1 writes a percentage with one decimal: "87,5 %" / "87.5%".
func (v view) Pct1(x float64) string { return v.Percent(x, 1) }
