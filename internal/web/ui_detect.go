package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/detect"
)

type alertsData struct {
	Alerts []detect.Alert
	Total  int
	Filter detect.Filter
	Names  map[int64]string
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.det.Alerts(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	d := alertsData{Alerts: items, Total: total, Filter: f, Names: map[int64]string{0: "—"}}
	for _, a := range items {
		if _, ok := d.Names[a.Tenant]; !ok {
			if o, err := s.orgs.Get(r.Context(), c.scope, fmt.Sprint(a.Tenant)); err == nil {
				d.Names[a.Tenant] = o.Name
			} else {
				d.Names[a.Tenant] = fmt.Sprint(a.Tenant)
			}
		}
	}
	v := s.newView(r, "alerts", "alerts.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "alerts", v)
	return nil
}

// LevelName is an alert or rule level in the page's language.
func (v view) LevelName(l string) string {
	if l == "" {
		return "—"
	}
	return v.T("level." + l)
}

// Levels are the alert levels, most severe first.
func (v view) Levels() []string {
	return []string{"critical", "high", "medium", "low", "informational"}
}

// RuleState says whether a rule runs, everywhere or for the viewer's
// organisation.
func (v view) RuleState(r detect.RuleInfo) string {
	switch {
	case !r.Enabled:
		return v.T("rules.off")
	case r.OrgEnabled != nil && !*r.OrgEnabled:
		return v.T("rules.offhere")
	}
	return v.T("rules.on")
}

type rulesData struct {
	Rules   []detect.RuleInfo
	CanTune bool
}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	items, err := s.det.Library().List(r.Context(), c.scope, time.Now())
	if err != nil {
		return err
	}
	v := s.newView(r, "rules", "rules.title")
	v.Data = rulesData{Rules: items}
	s.render(w, r, http.StatusOK, "detection_rules", v)
	return nil
}

// Sparkline draws a rule's daily hits as a small SVG bar chart with a
// text alternative (the total and the busiest day).
func (v view) Sparkline(hits []int64) template.HTML {
	var peak, total int64
	for _, h := range hits {
		total += h
		peak = max(peak, h)
	}
	const w, h = 90, 18
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, w, h,
		template.HTMLEscapeString(v.T("rules.sparkline", total, peak)))
	if peak > 0 {
		bw := float64(w) / float64(len(hits))
		for i, n := range hits {
			if n == 0 {
				continue
			}
			bh := float64(h) * float64(n) / float64(peak)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"></rect>`, float64(i)*bw, float64(h)-bh, bw*0.8, bh)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
