package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/timing"
)

// pivotRow is one organisation's open alerts or cases per level.
type pivotRow struct {
	Name   string
	Counts map[string]int
	Total  int
}

type dashboardData struct {
	D              Dashboard
	Alerts, Cases  []pivotRow
	AlertLevels    []string
	CaseSeverities []string
	OpenAlerts     int
	Urgent         int // open critical and high alerts
	OpenCases      int
	Overdue        int
	Gaps           int // organisations missing required sources or with silent ones
	AlertChart     chart
	CaseChart      chart
	HasAlertTimes  bool
	HasCaseTimes   bool
}

func pivot(rows []pivotRow, idx map[string]int, name, level string, n int) []pivotRow {
	i, ok := idx[name]
	if !ok {
		i = len(rows)
		idx[name] = i
		rows = append(rows, pivotRow{Name: name, Counts: map[string]int{}})
	}
	rows[i].Counts[level] += n
	rows[i].Total += n
	return rows
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	d, err := s.dashboard(r, c)
	if err != nil {
		return err
	}
	v := s.newView(r, "soc", "soc.title")
	data := dashboardData{D: d, AlertLevels: []string{"critical", "high", "medium", "low", "informational"}, CaseSeverities: []string{"critical", "high", "medium", "low"}}
	idx := map[string]int{}
	for _, o := range d.Alerts.Open {
		name := o.OrgName
		if o.Tenant == 0 {
			name = v.T("soc.quarantine")
		}
		data.Alerts = pivot(data.Alerts, idx, name, o.Level, o.N)
		data.OpenAlerts += o.N
		if o.Level == "critical" || o.Level == "high" {
			data.Urgent += o.N
		}
	}
	idx = map[string]int{}
	for _, o := range d.Cases.Open {
		data.Cases = pivot(data.Cases, idx, o.OrgName, o.Severity, o.N)
		data.OpenCases += o.N
	}
	byTotal := func(a, b pivotRow) int { return b.Total - a.Total }
	slices.SortStableFunc(data.Alerts, byTotal)
	slices.SortStableFunc(data.Cases, byTotal)
	for _, dr := range d.Cases.Due {
		if dr.Deadline.State == "overdue" {
			data.Overdue++
		}
	}
	slices.SortStableFunc(d.Coverage, func(a, b sources.OrgCoverage) int { return (b.Missing + b.Silent) - (a.Missing + a.Silent) })
	for _, o := range d.Coverage {
		if o.Missing > 0 || o.Silent > 0 {
			data.Gaps++
		}
	}
	data.AlertChart, data.HasAlertTimes = timesChart(v.T("soc.alerttimes"), "alert-times", d.Since, d.Alerts.Ack, d.Alerts.Resolve, v)
	data.CaseChart, data.HasCaseTimes = timesChart(v.T("soc.casetimes"), "case-times", d.Since, d.Cases.Ack, d.Cases.Resolve, v)
	data.D = d
	v.Data = data
	s.render(w, r, http.StatusOK, "soc", v)
	return nil
}

// timesChart draws the median and 90th percentile of the times to take
// and to resolve, in hours, per month since since.
func timesChart(title, id string, since time.Time, ack, resolve []timing.Percentiles, v view) (chart, bool) {
	var labels, names []string // the months as the timings key them; as shown
	for m := since.In(copenhagen); !m.After(time.Now()); m = m.AddDate(0, 1, 0) {
		labels = append(labels, m.Format("2006-01"))
		names = append(names, v.Month(m.Format("2006-01")))
	}
	hours := func(ps []timing.Percentiles, p90 bool) []float64 {
		out := make([]float64, len(labels))
		for _, p := range ps {
			if i := slices.Index(labels, p.Month); i >= 0 {
				sec := p.P50
				if p90 {
					sec = p.P90
				}
				out[i] = float64(sec) / 3600
			}
		}
		return out
	}
	ss := []series{
		{Name: v.T("soc.ack50"), Class: "series0", Width: 3, Values: hours(ack, false)},
		{Name: v.T("soc.ack90"), Class: "series0", Dash: dashes[0], Width: 2, Values: hours(ack, true)},
		{Name: v.T("soc.res50"), Class: "series1", Width: 3, Values: hours(resolve, false)},
		{Name: v.T("soc.res90"), Class: "series1", Dash: dashes[1], Width: 2, Values: hours(resolve, true)},
	}
	top := 1.0
	for _, sr := range ss {
		for _, x := range sr.Values {
			top = max(top, x)
		}
	}
	top = float64(int(top*1.1) + 1)
	c := lineChart(title, v.T("chart.month"), names, ss, top, func(h float64) string { return v.Num(h, 1) + " " + v.T("soc.hours") }, v)
	c.ID = id
	return c, len(ack)+len(resolve) > 0
}

// Share writes a fraction (0–1) as a percentage with one decimal.
func (v view) Share(x float64) string { return v.Pct1(x * 100) }
