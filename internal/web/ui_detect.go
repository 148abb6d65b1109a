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
	Sort   string // the order asked for ("" is the default)
	Cols   map[string]sortColumn
	Pager  pager
	// Back is the list's query, which the bulk form posts back so that the
	// list shows again as it was.
	Back string
	// MayTriage shows the bulk form and a tick box per alert.
	MayTriage bool
	Resolved  []string
	// Triagers are whom the bulk form may hand the listed alerts to.
	Triagers []detect.Triager
	// Form is the bulk form as the user filled it, shown again after a
	// refusal, with Selected the alerts ticked.
	Form     url.Values
	Selected map[int64]bool
	// Bulk is what a bulk triage just did, built from its result (never
	// from the link).
	Bulk *alertsBulk
}

// alertsBulk is what a bulk triage did: the alerts it changed and those
// already as asked.
type alertsBulk struct {
	Changed   []detect.Alert
	Unchanged []int64
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAlerts(w, r, c, http.StatusOK, nil, nil)
}

// alertsListRequest is r as the alert list reads it: a GET as it is, a
// form posted from the list as the list it came from (its back field,
// the filters and order), so that the list shows again as it was.
func alertsListRequest(r *http.Request) *http.Request {
	if r.Method != http.MethodPost {
		return r
	}
	raw := r.PostFormValue("back")
	back, err := url.ParseQuery(raw)
	if err != nil || len(raw) > 2000 {
		back = url.Values{}
	}
	q := r.Clone(r.Context())
	q.URL = &url.URL{Path: "/alerts", RawQuery: back.Encode()}
	return q
}

// renderAlerts shows the alert list as r asks (a posted form: as it was
// when the form was sent), with a problem or a bulk triage's result when
// given; after a refusal the bulk form keeps what the user chose.
func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem, bulk *alertsBulk) error {
	posted := r.Method == http.MethodPost
	if posted {
		r = alertsListRequest(r)
	}
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.det.Alerts(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	d := alertsData{Alerts: items, Total: total, Filter: f, Names: map[int64]string{0: "—"}, Sort: f.Sort.String(), Back: q.Encode(), Bulk: bulk,
		MayTriage: c.scope.Can(access.TriageAlerts), Resolved: detect.Resolutions}
	for _, a := range items {
		if _, ok := d.Names[a.Tenant]; !ok {
			if o, err := s.orgs.Get(r.Context(), c.scope, fmt.Sprint(a.Tenant)); err == nil {
				d.Names[a.Tenant] = o.Name
			} else {
				d.Names[a.Tenant] = fmt.Sprint(a.Tenant)
			}
		}
	}
	if d.MayTriage {
		ids := make([]int64, len(items))
		for i, a := range items {
			ids[i] = a.ID
		}
		if d.Triagers, err = s.det.Triagers(r.Context(), c.scope, ids); err != nil {
			return err
		}
	}
	if posted && problem != nil {
		d.Form, d.Selected = r.PostForm, map[int64]bool{}
		for _, v := range r.PostForm["id"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				d.Selected[id] = true
			}
		}
	}
	v := s.newView(r, "alerts", "alerts.title")
	d.Cols = sortHeaders(v, "/alerts", r.URL.Query(), f.Sort, column{"level", "alerts.level"}, column{"rule", "alerts.rule"}, column{"org", "alerts.org"},
		column{"count", "alerts.count"}, column{"first", "alerts.first"}, column{"time", "alerts.last"}, column{"status", "alerts.status"},
		column{"assignee", "alerts.assignee"})
	d.Pager = listPager(v.Lang, "/alerts", r.URL.Query(), f.Offset, f.Limit, total)
	v.Data = d
	v.Err = problem
	s.render(w, r, status, "alerts", v)
	return nil
}

type alertData struct {
	A         detect.AlertDetail
	Org       string
	MayTriage bool
	Resolved  []string
	// Triagers are whom the alert may be handed to.
	Triagers []detect.Triager
	// Form is the triage form as the user filled it, shown again after a
	// refusal.
	Form url.Values
}

// colleagues lists the users in the caller's reach (other than the
// caller) whose role works cases, to offer in the case page's owner and
// member fields (as a list to pick from while typing; the case service
// decides).
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
// page's and the list's forms.
func triageForm(r *http.Request) detect.TriageRequest {
	f := r.PostFormValue
	return detect.TriageRequest{Status: f("status"), Resolution: f("resolution"), Assign: strings.TrimSpace(f("assign")), Comment: f("comment")}
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
	d := alertData{A: a, Org: "—", MayTriage: c.scope.Can(access.TriageAlerts), Resolved: detect.Resolutions}
	if d.MayTriage {
		if d.Triagers, err = s.det.Triagers(r.Context(), c.scope, []int64{a.ID}); err != nil {
			return err
		}
	}
	if r.Method == http.MethodPost && problem != nil && r.URL.Path == "/alerts/"+strconv.FormatInt(id, 10)+"/triage" {
		d.Form = r.PostForm
	}
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
// alerts, then shows the list again (as it was filtered and ordered) with
// what the triage did, built from its result: the counts never travel in
// a link, so no link can claim a triage that did not happen.
func (s *Server) alertsTriage(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "cannot read the form: %v", err)
	}
	var ids []int64
	var err error
	for _, v := range r.PostForm["id"] {
		id, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			err = errs.Field("id", "%q is not an alert number", v)
			break
		}
		ids = append(ids, id)
	}
	if err == nil {
		var res detect.BulkResult
		res, err = s.det.TriageMany(r.Context(), c.scope, ids, triageForm(r), time.Now().UTC())
		if err == nil {
			return s.renderAlerts(w, r, c, http.StatusOK, nil, &alertsBulk{Changed: res.Items, Unchanged: res.Unchanged})
		}
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderAlerts(w, r, c, p.Status, &p, nil)
	}
	return err
}

// DefaultOrder is the list as it is filtered, in its default order.
func (d alertsData) DefaultOrder() string { return withoutSort("/alerts", d.Back) }

// withoutSort is path with the query raw (a list's filters) less its
// order.
func withoutSort(path, raw string) string {
	q, _ := url.ParseQuery(raw)
	q.Del("sort")
	q.Del("cursor")
	q.Del("msg")
	if e := q.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// AssignHelp is the message key of the bulk form's assignee help.
func (d alertsData) AssignHelp() string { return "alerts.assign.help.bulk" }

// AssignHelp is the message key of the triage form's assignee help.
func (d alertData) AssignHelp() string { return "alerts.assign.help" }

// Checked reports whether alert id was ticked when the list shows the
// bulk form again.
func (d alertsData) Checked(id int64) bool { return d.Selected[id] }

// TriageValue is what the user chose in field of the triage form when it
// is shown again ("" otherwise).
func (d alertsData) TriageValue(field string) string { return d.Form.Get(field) }

// TriageValue is what the user chose in field of the triage form when it
// is shown again ("" otherwise).
func (d alertData) TriageValue(field string) string { return d.Form.Get(field) }

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
