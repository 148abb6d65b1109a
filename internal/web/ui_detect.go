package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
)

type alertsData struct {
	Alerts []detect.Alert
	Total  int
	Filter detect.Filter
	Names  map[int64]string
	// MayTriage shows the bulk form and a tick box per alert.
	MayTriage  bool
	Resolved   []string
	Colleagues []string
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAlerts(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.det.Alerts(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	d := alertsData{Alerts: items, Total: total, Filter: f, Names: map[int64]string{0: "—"},
		MayTriage: c.scope.Can(access.TriageAlerts), Resolved: detect.Resolutions, Colleagues: s.colleagues(r, c)}
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
	v.Err = problem
	if q := r.URL.Query(); q.Get("msg") == "alerts.bulk.saved" {
		changed, _ := strconv.Atoi(q.Get("changed"))
		unchanged, _ := strconv.Atoi(q.Get("unchanged"))
		v.Flash = v.T("alerts.bulk.saved", changed, unchanged)
	}
	s.render(w, r, status, "alerts", v)
	return nil
}

type alertData struct {
	A          detect.AlertDetail
	Org        string
	MayTriage  bool
	Resolved   []string
	Colleagues []string
}

// colleagues lists the users in the caller's reach (other than the
// caller) whose role triages alerts, to offer in the triage form's
// assignee field. Anyone else who may triage an alert can be typed in;
// Triage decides.
func (s *Server) colleagues(r *http.Request, c *caller) []string {
	if !c.scope.Can(access.TriageAlerts) {
		return nil
	}
	users, _, err := s.acc.ListUsers(r.Context(), c.scope, access.UserFilter{Limit: 500})
	if err != nil {
		return nil // the field still takes a typed name
	}
	var out []string
	for _, u := range users {
		if u.ID != c.scope.UserID && !u.Disabled && access.ScopeOf(u).Can(access.TriageAlerts) {
			out = append(out, u.Username)
		}
	}
	return out
}

// triageForm reads the triage fields (templates/triage.html) of the alert
// page's and the list's forms; a typed colleague's name goes over the
// select's choice of assignee.
func triageForm(r *http.Request) detect.TriageRequest {
	f := r.PostFormValue
	assign := f("assign")
	if name := strings.TrimSpace(f("assign_to")); name != "" {
		assign = name
	}
	return detect.TriageRequest{Status: f("status"), Resolution: f("resolution"), Assign: assign, Comment: f("comment")}
}

// EventLink is the log search for one of the alert's events, over the
// alert's time span.
func (d alertData) EventLink(id string) string {
	q := url.Values{"q": {"id:" + id}, "from": {d.A.FirstSeen.Add(-time.Hour).Format(time.RFC3339)},
		"to": {d.A.LastSeen.Add(time.Hour).Format(time.RFC3339)}}
	return "/events?" + q.Encode()
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAlert(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderAlert(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.det.Alert(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	d := alertData{A: a, Org: "—", MayTriage: c.scope.Can(access.TriageAlerts), Resolved: detect.Resolutions, Colleagues: s.colleagues(r, c)}
	if a.Tenant != 0 {
		if o, err := s.orgs.Get(r.Context(), c.scope, fmt.Sprint(a.Tenant)); err == nil {
			d.Org = o.Name
		}
	}
	v := s.newView(r, "alerts", "alerts.title")
	v.Title = a.Title
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "alert", v)
	return nil
}

// alertTriage applies the triage form of the alert page.
func (s *Server) alertTriage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.det.Triage(r.Context(), c.scope, id, triageForm(r), time.Now().UTC())
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderAlert(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/alerts/"+strconv.FormatInt(id, 10)+"?msg=alerts.saved", http.StatusSeeOther)
	return nil
}

// alertsTriage applies the bulk form of the alert list to the ticked
// alerts, then shows the list again with what happened.
func (s *Server) alertsTriage(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "cannot read the form: %v", err)
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.Field("id", "%q is not an alert number", v)
		}
		ids = append(ids, id)
	}
	res, err := s.det.TriageMany(r.Context(), c.scope, ids, triageForm(r), time.Now().UTC())
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderAlerts(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	q := url.Values{"msg": {"alerts.bulk.saved"}, "changed": {strconv.Itoa(len(res.Items))}, "unchanged": {strconv.Itoa(len(res.Unchanged))}}
	http.Redirect(w, r, "/alerts?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// LevelName is an alert or rule level in the page's language.
func (v view) LevelName(l string) string {
	if l == "" {
		return "—"
	}
	return v.T("level." + l)
}

// AlertStatuses are the statuses an alert moves through.
func (v view) AlertStatuses() []string {
	return []string{detect.StatusNew, detect.StatusAcknowledged, detect.StatusClosed}
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
