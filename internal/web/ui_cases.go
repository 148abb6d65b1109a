package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/soc"
)

func (s *Server) casePages() {
	s.page("GET /cases", s.casesPage)
	s.page("GET /cases.csv", s.casesCSV)
	s.page("POST /cases", s.createCasePage)
	s.page("GET /cases/{id}", s.casePage)
	s.page("POST /cases/{id}/update", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		f := r.PostFormValue
		u := soc.Update{Comment: f("comment")}
		if v, err := strconv.Atoi(f("version")); err == nil {
			u.Version = v
		}
		for field, dst := range map[string]**string{"severity": &u.Severity, "status": &u.Status, "owner": &u.Owner} {
			if v := f(field); v != "" {
				*dst = &v
			}
		}
		if v := f("resolution"); v != "" && f("status") == "closed" {
			u.Resolution = &v
		}
		_, err := s.cases.Update(r.Context(), c.scope, id, u)
		return err
	}))
	s.page("POST /cases/{id}/note", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		_, err := s.cases.Note(r.Context(), c.scope, id, r.PostFormValue("body"))
		return err
	}))
	s.page("POST /cases/{id}/observable", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		_, err := s.cases.AddObservable(r.Context(), c.scope, id, r.PostFormValue("kind"), r.PostFormValue("value"), r.PostFormValue("note"))
		return err
	}))
	s.page("POST /cases/{id}/task", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		n := soc.NewTask{Title: r.PostFormValue("title"), Owner: r.PostFormValue("owner")}
		if v := r.PostFormValue("due"); v != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", v, copenhagen)
			if err != nil {
				return errs.Field("due", "give the due time as a date and time")
			}
			n.Due = &t
		}
		_, err := s.cases.AddTask(r.Context(), c.scope, id, n)
		return err
	}))
	s.page("POST /cases/{id}/tasks/{task}", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		tid, err := pathID(r, "task")
		if err != nil {
			return err
		}
		st := r.PostFormValue("status")
		_, err = s.cases.UpdateTask(r.Context(), c.scope, id, tid, soc.TaskUpdate{Status: &st})
		return err
	}))
	s.page("POST /cases/{id}/alerts", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		ids, err := formIDs(r, "alerts")
		if err != nil {
			return err
		}
		_, err = s.cases.LinkAlerts(r.Context(), c.scope, id, ids)
		return err
	}))
	s.page("POST /cases/{id}/ticket", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		_, err := s.cases.RaiseTicket(r.Context(), c.scope, id, soc.TicketRequest{To: r.PostFormValue("to"), Title: r.PostFormValue("title"),
			Description: r.PostFormValue("description")})
		return err
	}))
	s.page("POST /cases/{id}/member", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		return s.cases.AddMember(r.Context(), c.scope, id, r.PostFormValue("username"))
	}))
	s.page("POST /cases/{id}/merge", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		ids, err := formIDs(r, "cases")
		if err != nil {
			return err
		}
		_, err = s.cases.Merge(r.Context(), c.scope, id, ids)
		return err
	}))
	s.page("POST /cases/{id}/reporting", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		f := r.PostFormValue
		req := soc.ReportingRequest{NIS2Significant: f("nis2") == "on", PersonalDataBreach: f("gdpr") == "on", Malicious: f("malicious"),
			CrossBorder: f("cross_border"), Impact: f("impact"), Mitigations: f("mitigations"), NIS2Criteria: r.PostForm["criteria"]}
		if !req.NIS2Significant {
			req.NIS2Criteria = nil
		}
		var err error
		if req.AwareAt, err = localTime(f("aware_at"), "aware_at"); err != nil {
			return err
		}
		if req.IntermediateDue, err = localTime(f("intermediate_due"), "intermediate_due"); err != nil {
			return err
		}
		_, err = s.cases.SetReporting(r.Context(), c.scope, id, req)
		return err
	}))
	s.page("POST /cases/{id}/report", s.caseStep(func(r *http.Request, c *caller, id int64) error {
		f := r.PostFormValue
		at, err := localTime(f("submitted_at"), "submitted_at")
		if err != nil {
			return err
		}
		_, err = s.cases.Submit(r.Context(), c.scope, id, soc.NewSubmission{Kind: f("kind"), SubmittedAt: at, Reference: f("reference"), LateReason: f("late_reason")})
		return err
	}))
	s.pageWith("POST /cases/{id}/file", soc.MaxFile+64<<10, s.caseStep(func(r *http.Request, c *caller, id int64) error {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return errs.Field("file", "choose a file of at most %d MiB", soc.MaxFile>>20)
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			return errs.Field("file", "cannot read the file")
		}
		_, err = s.cases.Attach(r.Context(), c.scope, id, hdr.Filename, hdr.Header.Get("Content-Type"), data)
		return err
	}))
	s.page("GET /cases/{id}/files/{file}", s.apiCaseFile)
	s.page("GET /cases/{id}/draft", s.apiCaseDraft)
	s.page("POST /alerts/case", s.alertsToCase)
}

// localTime reads a datetime-local field (Copenhagen time); empty is nil.
func localTime(v, field string) (*time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, copenhagen)
	if err != nil {
		return nil, errs.Field(field, "give a date and time (Danish time)")
	}
	t = t.UTC()
	return &t, nil
}

// formIDs reads the numbers of a form field, given as repeated fields or
// one field of numbers separated by commas or spaces.
func formIDs(r *http.Request, field string) ([]int64, error) {
	if err := r.ParseForm(); err != nil {
		return nil, errs.E(errs.Invalid, "cannot read the form: %v", err)
	}
	var ids []int64
	for _, v := range r.PostForm[field] {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '#' }) {
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil || id < 1 {
				return nil, errs.Field(field, "%q is not a number", part)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

type casesData struct {
	Cases   []soc.Case
	Total   int
	Filter  soc.Filter
	Sort    string // the order asked for ("" is the default)
	Query   string // the list's query (filters and order)
	Cols    map[string]sortColumn
	MayWork bool
	Pager   pager
	// Form is the new-case form, as the user filled it when it is shown
	// again after a refusal.
	Form caseNewForm
}

// DefaultOrder is the list as it is filtered, in its default order.
func (d casesData) DefaultOrder() string { return withoutSort("/cases", d.Query) }

// caseNewForm is the form that opens a case.
type caseNewForm struct {
	Org, Title, Kind, Severity, Description string
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderCases(w, r, c, http.StatusOK, caseNewForm{Kind: "other", Severity: "medium"}, nil)
}

func (s *Server) renderCases(w http.ResponseWriter, r *http.Request, c *caller, status int, form caseNewForm, problem *Problem) error {
	f, err := s.casesListFilter(r, c)
	if err != nil {
		return err
	}
	items, total, err := s.cases.List(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	v := s.newView(r, "cases", "cases.title")
	v.Err = problem
	q := r.URL.Query()
	d := casesData{Cases: items, Total: total, Filter: f, Sort: f.Sort.String(), Query: q.Encode(), MayWork: c.scope.Can(access.WorkCases), Form: form,
		Cols: sortHeaders(v, "/cases", q, f.Sort, column{"id", "cases.number"}, column{"opened", "cases.opened"}, column{"severity", "cases.severity"},
			column{"org", "col.org"}, column{"status", "col.status"}, column{"owner", "cases.owner"}, column{"updated", "cases.updated"})}
	d.Pager = listPager(v.Lang, "/cases", q, f.Offset, f.Limit, total)
	v.Data = d
	s.render(w, r, status, "cases", v)
	return nil
}

// listPager is the pager of a list at path with query q (its filters and
// order, which the links keep; not a flash message), showing limit rows
// from offset of total.
func listPager(l Lang, path string, q url.Values, offset, limit, total int) pager {
	p := pager{PrevLabel: l.T("page.prev"), NextLabel: l.T("page.next")}
	keep := url.Values{}
	for k, vs := range q {
		if k != "cursor" && k != "msg" {
			keep[k] = vs
		}
	}
	if offset > 0 {
		keep.Set("cursor", strconv.Itoa(max(0, offset-limit)))
		p.Prev = path + "?" + keep.Encode()
	}
	if offset+limit < total {
		keep.Set("cursor", strconv.Itoa(offset+limit))
		p.Next = path + "?" + keep.Encode()
	}
	return p
}

// casesListFilter is caseFilter as the case list reads it: the open
// cases unless a status, or all, is asked for.
func (s *Server) casesListFilter(r *http.Request, c *caller) (soc.Filter, error) {
	if !c.scope.Can(access.ReadCases) {
		return soc.Filter{}, errs.E(errs.Forbidden, "your role does not work security cases; the SOC, the CERT and CISOs do")
	}
	f, err := s.caseFilter(r, c)
	if err != nil {
		return f, err
	}
	if r.URL.Query().Get("status") == "" && r.URL.Query().Get("all") == "" {
		f.Status = "open"
	}
	return f, nil
}

// createCasePage opens a case from the list's form; a refusal shows the
// list again with the reason and the form as the user filled it.
func (s *Server) createCasePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	form := caseNewForm{Org: f("org"), Title: f("title"), Kind: f("kind"), Severity: f("severity"), Description: f("description")}
	out, err := s.cases.Create(r.Context(), c.scope, soc.NewCase{Org: form.Org, Title: form.Title, Description: form.Description, Kind: form.Kind, Severity: form.Severity})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.NotFound || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderCases(w, r, c, p.Status, form, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(out.ID, 10)+"?msg=cases.created", http.StatusSeeOther)
	return nil
}

// alertsToCase opens a case from the alerts ticked on the alert list or
// the alert page ("open case"), or adds them to a case ("add to case").
func (s *Server) alertsToCase(w http.ResponseWriter, r *http.Request, c *caller) error {
	ids, err := formIDs(r, "id")
	if err != nil {
		return err
	}
	f := r.PostFormValue
	var id int64
	if ref := strings.TrimPrefix(strings.TrimSpace(f("case")), "#"); ref != "" && f("case_action") != "new" {
		if id, err = strconv.ParseInt(ref, 10, 64); err != nil {
			err = errs.Field("case", "%q is not a case number", ref)
		} else {
			_, err = s.cases.LinkAlerts(r.Context(), c.scope, id, ids)
		}
	} else {
		org := ""
		if len(ids) > 0 {
			if a, aerr := s.det.Alert(r.Context(), c.scope, ids[0]); aerr == nil {
				org = strconv.FormatInt(a.Tenant, 10)
				if f("title") == "" {
					r.PostForm.Set("title", a.Title)
				}
			}
		}
		var out soc.Case
		out, err = s.cases.Create(r.Context(), c.scope, soc.NewCase{Org: org, Title: f("title"), Severity: f("severity"), Kind: f("kind"), Alerts: ids})
		id = out.ID
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.NotFound || code == errs.Conflict {
		p := s.problemFor(r, err)
		if len(ids) == 1 && r.URL.Query().Get("from") == "alert" {
			r.SetPathValue("id", strconv.FormatInt(ids[0], 10))
			return s.renderAlert(w, r, c, p.Status, &p)
		}
		return s.renderAlerts(w, r, c, p.Status, &p, nil)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?msg=cases.saved", http.StatusSeeOther)
	return nil
}

type caseData struct {
	C          soc.Detail
	Similar    []soc.Similar
	MayWork    bool
	Colleagues []string
	Now        time.Time
	// Seen is what the page shows of the case, posted back by every form
	// (seenOfCase), so that a conflict can show what changed since.
	Seen string
	// Form is the form shown again after a refusal, with the user's input.
	Form caseForm
	// Conflict says the step was refused because of the case's state (a
	// 409): the page says what the case is now. Changes and Since are
	// what changed between loading the page and posting the form.
	Conflict bool
	Changes  []fieldChange
	Since    []soc.Entry
}

// caseForm is one form of the case page as the user filled it: the step
// it posts to (the last part of its path) and its fields.
type caseForm struct {
	Step   string
	Values url.Values
}

// In returns what the user typed in field of the form for step, when the
// page shows that form again; "" otherwise.
func (d caseData) In(step, field string) string {
	if d.Form.Step != step {
		return ""
	}
	return d.Form.Values.Get(field)
}

// Pick is In with a default: the value the form starts with.
func (d caseData) Pick(step, field, def string) string {
	if d.Form.Step != step {
		return def
	}
	return d.Form.Values.Get(field)
}

// Tick is whether a checkbox of the form for step is ticked: as the user
// left it when the form shows again, else def.
func (d caseData) Tick(step, field string, def bool) bool {
	if d.Form.Step != step {
		return def
	}
	return d.Form.Values.Get(field) == "on"
}

// PickList is Pick for a field of several values (ticked boxes).
func (d caseData) PickList(step, field string, def []string) []string {
	if d.Form.Step != step {
		return def
	}
	return d.Form.Values[field]
}

// Open reports whether the page shows the form for step again (its
// disclosure then starts open).
func (d caseData) Open(step string) bool { return d.Form.Step == step }

// seenOfCase is what a form remembers of case d: the fields a conflict
// compares and the last timeline entry the user could see.
func seenOfCase(d soc.Detail) string {
	v := url.Values{"version": {strconv.Itoa(d.Version)}, "status": {d.Status}, "severity": {d.Severity}, "owner": {d.Owner}, "resolution": {d.Resolution}}
	var last int64
	for _, e := range d.Timeline {
		last = max(last, e.ID)
	}
	v.Set("entry", strconv.FormatInt(last, 10))
	return v.Encode()
}

// caseChangesSince compares what the user saw (seen, from seenOfCase)
// with case d now. Values that are not what seenOfCase writes are left
// out: the field comes from the browser.
func caseChangesSince(l Lang, seen string, d soc.Detail) ([]fieldChange, []soc.Entry) {
	if len(seen) > 1000 {
		return nil, nil
	}
	v, err := url.ParseQuery(seen)
	if err != nil || v.Get("version") == "" || v.Get("version") == strconv.Itoa(d.Version) {
		return nil, nil
	}
	var out []fieldChange
	if st := v.Get("status"); st != d.Status && slices.Contains(soc.Statuses, st) {
		out = append(out, fieldChange{l.T("col.status"), l.T("casestatus." + st), l.T("casestatus." + d.Status)})
	}
	if sev := v.Get("severity"); sev != d.Severity && slices.Contains(soc.Severities, sev) {
		out = append(out, fieldChange{l.T("cases.severity"), l.T("severity." + sev), l.T("severity." + d.Severity)})
	}
	if res := v.Get("resolution"); res != d.Resolution && (res == "" || slices.Contains(soc.Resolutions, res)) {
		before, after := "–", "–"
		if res != "" {
			before = l.T("caseres." + res)
		}
		if d.Resolution != "" {
			after = l.T("caseres." + d.Resolution)
		}
		out = append(out, fieldChange{l.T("cases.resolution"), before, after})
	}
	if o := v.Get("owner"); o != d.Owner && len(o) <= 100 {
		before, after := o, d.Owner
		if before == "" {
			before = "–"
		}
		if after == "" {
			after = "–"
		}
		out = append(out, fieldChange{l.T("cases.owner"), before, after})
	}
	var since []soc.Entry
	if last, err := strconv.ParseInt(v.Get("entry"), 10, 64); err == nil {
		for _, e := range d.Timeline {
			if e.ID > last {
				since = append(since, e)
			}
		}
		if len(since) > 10 {
			since = since[len(since)-10:]
		}
	}
	return out, since
}

// EventsLink is the log search for the events behind the case's alerts.
func (d caseData) EventsLink() string {
	ids := d.C.EventIDs()
	if len(ids) == 0 {
		return ""
	}
	if len(ids) > 50 {
		ids = ids[:50]
	}
	from, to := d.C.CreatedAt, d.C.CreatedAt
	for _, a := range d.C.AlertList {
		if a.FirstSeen.Before(from) {
			from = a.FirstSeen
		}
		if a.LastSeen.After(to) {
			to = a.LastSeen
		}
	}
	q := url.Values{"q": {"id:(" + strings.Join(ids, " OR ") + ")"}, "from": {from.Add(-time.Hour).Format(time.RFC3339)},
		"to": {to.Add(time.Hour).Format(time.RFC3339)}}
	return "/events?" + q.Encode()
}

// ObservableSearch is the log search for an observable over the 30 days
// before the case was opened and since.
func (d caseData) ObservableSearch(o soc.Observable) string {
	v := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(o.Value)
	q := map[string]string{"ip": `source.ip:"%s" OR destination.ip:"%s" OR client.ip:"%s"`, "host": `host.name:"%s"`, "user": `user.name:"%s"`}[o.Kind]
	if q == "" {
		q = `"%s"`
	}
	q = strings.ReplaceAll(q, "%s", v)
	vals := url.Values{"q": {q}, "from": {d.C.CreatedAt.AddDate(0, 0, -30).Format(time.RFC3339)}, "to": {time.Now().Add(time.Hour).Format(time.RFC3339)}}
	return "/events?" + vals.Encode()
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderCase(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.cases.Detail(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	sim, err := s.cases.Similar(r.Context(), c.scope, id, 10)
	if err != nil {
		return err
	}
	s.withEvents(r, c, &d)
	v := s.newView(r, "cases", "cases.title")
	v.Title = fmt.Sprintf("#%d %s", d.ID, d.Title)
	v.Err = problem
	data := caseData{C: d, Similar: sim, MayWork: c.scope.Can(access.WorkCases), Now: time.Now(), Seen: seenOfCase(d)}
	if data.MayWork {
		data.Colleagues = s.colleagues(r, c)
	}
	if r.Method == http.MethodPost && problem != nil {
		data.Form = caseForm{Step: stepOf(r), Values: r.PostForm}
		data.Conflict = problem.Status == http.StatusConflict
		data.Changes, data.Since = caseChangesSince(v.Lang, r.PostFormValue("seen"), d)
	}
	v.Data = data
	s.render(w, r, status, "case", v)
	return nil
}

// withEvents puts the events behind the case's alerts (the first ones
// each alert kept, at most 50) on its timeline, as the reader may see
// them in the log search. A search that fails leaves the timeline as it
// is: the link to the search stays.
func (s *Server) withEvents(r *http.Request, c *caller, d *soc.Detail) {
	ids := d.EventIDs()
	if len(ids) == 0 {
		return
	}
	if len(ids) > 50 {
		ids = ids[:50]
	}
	from, to := d.CreatedAt, d.CreatedAt
	for _, a := range d.AlertList {
		if a.FirstSeen.Before(from) {
			from = a.FirstSeen
		}
		if a.LastSeen.After(to) {
			to = a.LastSeen
		}
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(id) + `"`
	}
	res, err := s.ev.Search(r.Context(), c.scope, eventstore.Query{From: from.Add(-time.Hour), To: to.Add(time.Hour), Q: "id:(" + strings.Join(quoted, " OR ") + ")", Limit: 50})
	if err != nil {
		s.log.Warn("cannot read the events of a case", "case", d.ID, "err", err)
		return
	}
	for _, ev := range res.Items {
		who := ev.Host
		if who == "" {
			who = ev.SourceIP
		}
		msg := ev.Message
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		d.Timeline = append(d.Timeline, soc.Entry{At: ev.Time.UTC(), Actor: who, Kind: "event", Body: msg, Detail: map[string]any{"event": ev.ID}})
	}
	slices.SortStableFunc(d.Timeline, func(x, y soc.Entry) int { return x.At.Compare(y.At) })
}

// caseStep runs one form of the case page: on a mistake, a conflict or a
// refusal the page shows again with the reason, every field as the user
// left it and (on a conflict) what the case is now and what changed
// since the page was loaded; otherwise it reloads.
func (s *Server) caseStep(fn func(r *http.Request, c *caller, id int64) error) func(http.ResponseWriter, *http.Request, *caller) error {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if r.MultipartForm == nil {
			_ = r.ParseForm()
		}
		err = fn(r, c, id)
		if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
			p := s.problemFor(r, err)
			return s.renderCase(w, r, c, p.Status, &p)
		} else if err != nil {
			return err
		}
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?msg=cases.saved", http.StatusSeeOther)
		return nil
	}
}

// CaseStatuses, CaseSeverities, CaseKinds, CaseResolutions,
// ObservableKinds, ReportKinds and NIS2Criteria are the choices of the
// case forms.
func (v view) CaseStatuses() []string   { return soc.Statuses }
func (v view) CaseSeverities() []string { return soc.Severities }
func (v view) CaseKinds() []string      { return soc.Kinds }
func (v view) CaseResolutions() []string {
	return []string{"resolved", "false-positive", "duplicate", "no-action"}
}
func (v view) ObservableKinds() []string { return soc.ObservableKinds }
func (v view) ReportKinds() []string     { return soc.ReportKinds }
func (v view) NIS2Criteria() []string    { return soc.NIS2Criteria }

// TaskTitle shows a case task in the page's language.
func (v view) TaskTitle(t soc.Task) string { return taskTitle(v.Lang, t) }

// LocalInput formats t for a datetime-local field in Danish time.
func (v view) LocalInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(copenhagen).Format("2006-01-02T15:04")
}

// Has reports whether list holds s (for ticked boxes).
func (v view) Has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CanReadCases says whether the menu shows the security cases.
func (v view) CanReadCases() bool { return v.Scope.Can(access.ReadCases) }

// CanWorkCases says whether the caller may open and work cases.
func (v view) CanWorkCases() bool { return v.Scope.Can(access.WorkCases) }
