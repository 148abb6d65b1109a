package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/org"
)

func (s *Server) compliancePages() {
	s.page("GET /compliance", s.compliancePage)
	s.page("GET /compliance/report", s.reportPage)
	s.page("GET /compliance/report.pdf", s.reportPDFPage)
	s.page("GET /compliance/{org}/{framework}", s.assessmentPage)
	s.page("GET /compliance/{org}/{framework}/soa.pdf", s.soaPDFPage)
	s.pageWith("POST /compliance/{org}/{framework}/import", 8<<20, s.importAnswersPage)
	s.page("GET /compliance/{org}/{framework}/{req}", s.requirementPage)
	s.page("POST /compliance/{org}/{framework}/{req}", s.answerPage)
	s.page("GET /evidence", s.evidencePage)
	s.pageWith("POST /evidence", compliance.MaxEvidenceBytes+1<<20, s.addEvidencePage)
	s.page("POST /evidence/{id}/delete", s.deleteEvidencePage)
	s.page("GET /standards", s.standardsPage)
	s.page("POST /standards", s.addStandardPage)
	s.page("GET /standards/{id}", s.standardPage)
	s.page("POST /standards/{id}", s.changeStandardPage)
	s.page("POST /standards/{id}/ack", s.ackPage)
}

// heatClass buckets a score for the heatmap's colours (the number is
// always written too).
func heatClass(score *float64) string {
	switch {
	case score == nil:
		return "heat-none"
	case *score >= 85:
		return "heat-4"
	case *score >= 65:
		return "heat-3"
	case *score >= 45:
		return "heat-2"
	case *score >= 25:
		return "heat-1"
	}
	return "heat-0"
}

// Heat is a heatmap cell's colour class.
func (v view) Heat(score *float64) string { return heatClass(score) }

// Score writes a score in per cent, or a dash while nothing is assessed.
func (v view) Score(score *float64) string {
	if score == nil {
		return "–"
	}
	return locale.Percent(string(v.Lang), *score, 0)
}

// CheckTitle is a live check's title in the page's language.
func (v view) CheckTitle(e compliance.Evidence) string {
	if v.Lang == Danish && e.TitleDA != "" {
		return e.TitleDA
	}
	return e.Title
}

// CheckDetail is a live check's detail in the page's language.
func (v view) CheckDetail(e compliance.Evidence) string {
	if v.Lang == Danish && e.DetailDA != "" {
		return e.DetailDA
	}
	return e.Detail
}

// MaturityLevels are the maturity choices.
func (v view) MaturityLevels() []int { return []int{0, 1, 2, 3, 4, 5} }

// AnswerStatuses are the answer choices.
func (v view) AnswerStatuses() []string { return compliance.Statuses }

// IntP writes an optional whole number, "" for none.
func (v view) IntP(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// DateP writes an optional date as YYYY-MM-DD (for date inputs).
func (v view) DateP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// AckStatuses are the acknowledgement choices.
func (v view) AckStatuses() []string { return compliance.AckStatuses }

// StatusOf is the status an answer's history records, "" for none.
func (v view) StatusOf(m map[string]any) string {
	if st, ok := m["status"].(string); ok {
		return st
	}
	return ""
}

// ShowFilters are the assessment page's views.
func (v view) ShowFilters() []string { return []string{"all", "gaps", "open", "derived"} }

// PathEsc escapes a path segment (requirement refs hold spaces).
func (v view) PathEsc(s string) string { return url.PathEscape(s) }

// trendChart draws each framework's score quarter by quarter (from the
// second quarter on); a quarter without figures repeats the one before.
func trendChart(ts []compliance.Trend, v view) *chart {
	labels := trendPeriods(ts)
	if len(labels) < 2 {
		return nil // one quarter is no trend; the table has its figures
	}
	var ss []series
	for i, t := range ts {
		sr := series{Name: t.Framework, Class: fmt.Sprintf("series%d", i%5), Dash: dashes[i%len(dashes)], Width: 2}
		at := map[string]float64{}
		for _, p := range t.Points {
			if p.Score != nil {
				at[p.Period] = *p.Score
			}
		}
		last := 0.0
		for _, l := range labels {
			if x, ok := at[l]; ok {
				last = x
			}
			sr.Values = append(sr.Values, last)
		}
		ss = append(ss, sr)
	}
	c := lineChart(v.T("compliance.trendtitle"), v.T("chart.quarter"), labels, ss, 100, v.Pct, v)
	c.ID = "trend"
	return &c
}

// show renders page with data, a problem and a note of what was done.
func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, page string, v view, p *Problem, note string, data any) {
	v.Err, v.Data = p, data
	if note != "" {
		v.Flash = note
	}
	s.render(w, r, status, page, v)
}

// trendPeriods are the quarters any of ts has, in order.
func trendPeriods(ts []compliance.Trend) []string {
	seen := map[string]bool{}
	var labels []string
	for _, t := range ts {
		for _, p := range t.Points {
			if !seen[p.Period] {
				seen[p.Period] = true
				labels = append(labels, p.Period)
			}
		}
	}
	sort.Strings(labels)
	return labels
}

type complianceData struct {
	Trend     *chart
	Org       org.Organization
	Orgs      []org.Organization // to choose among, when more than one
	Summaries []compliance.Summary
	Live      []compliance.Evidence
	Heat      *compliance.Heatmap
	HeatFW    int // the framework whose sections the heatmap shows
	HeatID    string
	MayAssess bool
	MayReport bool // governance's monthly report
}

// reachable lists the municipalities and units whose compliance sc
// reaches: its own, a unit's municipalities, every one for governance and
// administrators.
func (s *Server) reachable(r *http.Request, c *caller) ([]org.Organization, error) {
	var out []org.Organization
	for _, k := range []org.Kind{"unit", "municipality"} {
		list, _, err := s.orgs.List(r.Context(), c.scope, org.Filter{Kind: k, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			switch {
			case c.scope.Reach == access.ReachAll, o.ID == c.scope.OrgID,
				c.scope.Reach == access.ReachSupplied && o.Supplier != nil && o.Supplier.ID == c.scope.OrgID:
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// chosenOrg is the organisation a compliance page is about: ?org=, else
// the caller's own.
func (s *Server) chosenOrg(r *http.Request, c *caller, ref string) (org.Organization, error) {
	if ref == "" {
		ref = strconv.FormatInt(c.scope.OrgID, 10)
	}
	return s.orgs.Get(r.Context(), c.scope, ref)
}

func mayAssessUI(sc access.Scope) bool {
	switch sc.Role {
	case access.RoleCISO, access.RoleUnitManager, access.RoleGovernance, access.RoleAdmin:
		return true
	}
	return false
}

func (s *Server) compliancePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	orgs, err := s.reachable(r, c)
	if err != nil {
		return err
	}
	ref := r.URL.Query().Get("org")
	if ref == "" && len(orgs) > 0 && !slices.ContainsFunc(orgs, func(o org.Organization) bool { return o.ID == c.scope.OrgID }) {
		ref = orgs[0].Slug // governance's own secretariat is assessed by no framework
	}
	o, err := s.chosenOrg(r, c, ref)
	if err != nil {
		return err
	}
	d := complianceData{Org: o, Orgs: orgs, MayAssess: mayAssessUI(c.scope), MayReport: mayKeepUI(c.scope)}
	if d.Summaries, err = s.comp.Assessments(ctx, c.scope, strconv.FormatInt(o.ID, 10), string(langOf(r))); err != nil {
		return err
	}
	ev, err := s.comp.EvidenceList(ctx, c.scope, strconv.FormatInt(o.ID, 10))
	if err != nil {
		return err
	}
	for _, e := range ev {
		if e.Live {
			d.Live = append(d.Live, e)
		}
	}
	v := s.newView(r, "compliance", "compliance.title")
	trends, err := s.comp.Trends(ctx, c.scope, strconv.FormatInt(o.ID, 10), string(langOf(r)))
	if err != nil {
		return err
	}
	d.Trend = trendChart(trends, v)
	if len(d.Orgs) > 1 {
		h, err := s.comp.Heatmap(ctx, c.scope, string(langOf(r)))
		if err != nil {
			return err
		}
		d.Heat = &h
		d.HeatID = r.URL.Query().Get("fw")
		for i, f := range h.Frameworks {
			if f.ID == d.HeatID || d.HeatID == "" && strings.HasPrefix(f.ID, "iso27001") {
				d.HeatFW, d.HeatID = i, f.ID
			}
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "compliance", v)
	return nil
}

type assessmentData struct {
	A         compliance.Assessment
	OrgRef    string
	MayAssess bool
	Filter    string // all, gaps, open, derived
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAssessment(w, r, c, http.StatusOK, nil, "")
}

func (s *Server) renderAssessment(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, note string) error {
	a, err := s.comp.Assessment(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), string(langOf(r)))
	if err != nil {
		return err
	}
	f := r.URL.Query().Get("show")
	if f == "gaps" || f == "open" || f == "derived" {
		items := a.Items[:0:0]
		for _, x := range a.Items {
			keep := !x.Assessable && x.Depth == 1
			switch f {
			case "gaps":
				keep = keep || x.Assessable && (x.Status == compliance.NotMet || x.Status == compliance.Partial)
			case "open":
				keep = keep || x.Assessable && x.Status == compliance.NotAssessed
			case "derived":
				keep = keep || x.Derived != nil
			}
			if keep {
				items = append(items, x)
			}
		}
		a.Items = items
	} else {
		f = "all"
	}
	v := s.newView(r, "compliance", "compliance.title")
	v.Title = a.Framework.Name + " – " + a.OrgName
	v.Err = p
	if note != "" {
		v.Flash = note
	}
	v.Data = assessmentData{A: a, OrgRef: r.PathValue("org"), MayAssess: mayAssessUI(c.scope), Filter: f}
	s.render(w, r, status, "compliance_assessment", v)
	return nil
}

func (s *Server) importAnswersPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	file, _, err := r.FormFile("file")
	if err != nil {
		p := s.problemFor(r, errs.Field("file", "choose the CSV file to import"))
		return s.renderAssessment(w, r, c, p.Status, &p, "")
	}
	defer file.Close()
	rows, err := compliance.ReadAnswersCSV(file)
	n := 0
	if err == nil {
		n, err = s.comp.ImportAnswers(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), rows)
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderAssessment(w, r, c, p.Status, &p, "")
	} else if err != nil {
		return err
	}
	return s.renderAssessment(w, r, c, http.StatusOK, nil, langOf(r).T("compliance.imported", n))
}

type requirementData struct {
	A         compliance.Assessment
	X         compliance.Answer
	OrgRef    string
	Evidence  []compliance.Evidence
	Checks    []compliance.Check
	History   []compliance.Change
	MayAssess bool
	// Form holds what the user sent when it could not be stored, so that
	// nothing typed is lost.
	Form url.Values
}

// Val is the form's value of name when the form came back, else def.
func (d requirementData) Val(name, def string) string {
	if d.Form != nil {
		return d.Form.Get(name)
	}
	return def
}

func (s *Server) requirementPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderRequirement(w, r, c, http.StatusOK, nil, "", nil)
}

func (s *Server) renderRequirement(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, note string, form url.Values) error {
	ctx := r.Context()
	a, err := s.comp.Assessment(ctx, c.scope, r.PathValue("org"), r.PathValue("framework"), string(langOf(r)))
	if err != nil {
		return err
	}
	ref := r.PathValue("req")
	d := requirementData{A: a, OrgRef: r.PathValue("org"), Checks: s.comp.Checks(), MayAssess: mayAssessUI(c.scope), Form: form}
	found := false
	for _, x := range a.Items {
		if strconv.FormatInt(x.ID, 10) == ref || x.RefID == ref {
			d.X, found = x, true
		}
	}
	if !found {
		return errs.E(errs.NotFound, "no requirement %q in %s", ref, a.Framework.Name)
	}
	if d.History, err = s.comp.History(ctx, c.scope, strconv.FormatInt(a.OrgID, 10), a.Framework.ID, strconv.FormatInt(d.X.ID, 10)); err != nil {
		return err
	}
	ev, err := s.comp.EvidenceList(ctx, c.scope, strconv.FormatInt(a.OrgID, 10))
	if err != nil {
		return err
	}
	for _, e := range ev {
		for _, rr := range e.Requirements {
			if rr.Framework == a.Framework.ID && rr.RefID == d.X.RefID {
				d.Evidence = append(d.Evidence, e)
				break
			}
		}
	}
	v := s.newView(r, "compliance", "compliance.title")
	v.Title = d.X.RefID + " " + d.X.Name
	s.show(w, r, status, "compliance_requirement", v, p, note, d)
	return nil
}

func (s *Server) answerPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	version, _ := strconv.Atoi(f("version"))
	ch := compliance.AnswerChange{Version: version}
	for _, p := range []struct {
		name string
		dst  **string
	}{{"status", &ch.Status}, {"owner", &ch.Owner}, {"due", &ch.Due}, {"applied_controls", &ch.Controls}, {"notes", &ch.Notes}, {"reason", &ch.Reason}, {"live_check", &ch.LiveCheck}} {
		v := f(p.name)
		*p.dst = &v
	}
	m := -1
	if v := f("maturity"); v != "" {
		m, _ = strconv.Atoi(v)
	}
	ch.Maturity = &m
	_, err := s.comp.SetAnswer(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), r.PathValue("req"), ch)
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderRequirement(w, r, c, p.Status, &p, "", r.PostForm)
	} else if err != nil {
		return err
	}
	return s.renderRequirement(w, r, c, http.StatusOK, nil, langOf(r).T("compliance.saved"), nil)
}

type evidenceData struct {
	Org       org.Organization
	Orgs      []org.Organization
	Items     []compliance.Evidence
	MayAssess bool
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderEvidence(w, r, c, http.StatusOK, nil, "")
}

func (s *Server) renderEvidence(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, note string) error {
	o, err := s.chosenOrg(r, c, r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	d := evidenceData{Org: o, MayAssess: mayAssessUI(c.scope)}
	if d.Items, err = s.comp.EvidenceList(r.Context(), c.scope, strconv.FormatInt(o.ID, 10)); err != nil {
		return err
	}
	if d.Orgs, err = s.reachable(r, c); err != nil {
		return err
	}
	v := s.newView(r, "compliance", "evidence.title")
	s.show(w, r, status, "compliance_evidence", v, p, note, d)
	return nil
}

func (s *Server) addEvidencePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	n := compliance.NewEvidence{Title: f("title"), Owner: f("owner"), URL: strings.TrimSpace(f("url")), ValidFrom: f("valid_from"), ExpiresAt: f("expires_at")}
	refs, err := parseRefs(f("requirements"))
	if err == nil {
		n.Requirements = refs
		if file, h, ferr := r.FormFile("file"); ferr == nil {
			defer file.Close()
			var buf bytes.Buffer
			if _, err = io.Copy(&buf, io.LimitReader(file, compliance.MaxEvidenceBytes+1)); err == nil {
				n.Data, n.FileName, n.ContentType = buf.Bytes(), h.Filename, h.Header.Get("Content-Type")
			}
		}
	}
	if err == nil {
		_, err = s.comp.AddEvidence(r.Context(), c.scope, r.URL.Query().Get("org"), n)
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderEvidence(w, r, c, p.Status, &p, "")
	} else if err != nil {
		return err
	}
	return s.renderEvidence(w, r, c, http.StatusOK, nil, langOf(r).T("evidence.added"))
}

func (s *Server) deleteEvidencePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.comp.DeleteEvidence(r.Context(), c.scope, id); err != nil {
		return err
	}
	return s.renderEvidence(w, r, c, http.StatusOK, nil, langOf(r).T("evidence.deleted"))
}

type standardsData struct {
	Items   []compliance.Standard
	MayKeep bool
	Kinds   []string
	Form    url.Values
}

// Val is the create form's value of name when it came back.
func (d standardsData) Val(name string) string { return d.Form.Get(name) }

func mayKeepUI(sc access.Scope) bool {
	return sc.Role == access.RoleGovernance || sc.Role == access.RoleAdmin
}

func (s *Server) standardsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderStandards(w, r, c, http.StatusOK, nil, nil)
}

func (s *Server) renderStandards(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, form url.Values) error {
	list, err := s.comp.Standards(r.Context(), c.scope, compliance.StandardFilter{Status: r.URL.Query().Get("status")})
	if err != nil {
		return err
	}
	v := s.newView(r, "standards", "standards.title")
	v.Err = p
	v.Data = standardsData{Items: list, MayKeep: mayKeepUI(c.scope), Kinds: compliance.StandardKinds, Form: form}
	s.render(w, r, status, "standards", v)
	return nil
}

func (s *Server) addStandardPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	refs, err := parseRefs(f("requirements"))
	var st compliance.Standard
	if err == nil {
		st, err = s.comp.AddStandard(r.Context(), c.scope, compliance.NewStandard{Ref: f("ref"), Title: f("title"), Summary: f("summary"), Kind: f("kind"),
			Owner: f("owner"), Version: f("version"), URL: f("url"), ReviewDue: f("review_due"), Requirements: refs})
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderStandards(w, r, c, p.Status, &p, r.PostForm)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/standards/"+strconv.FormatInt(st.ID, 10)+"?msg=standards.created", http.StatusSeeOther)
	return nil
}

type standardData struct {
	S       compliance.Standard
	Acks    []compliance.Ack
	MayKeep bool
	MayAck  bool
	Next    []string // the statuses it may move to
}

func (s *Server) standardPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderStandard(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderStandard(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.comp.StandardByID(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	acks, err := s.comp.Acks(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	d := standardData{S: st, Acks: acks, MayKeep: mayKeepUI(c.scope),
		MayAck: st.Status == compliance.Approved && (c.scope.Role == access.RoleUnitManager || c.scope.Role == access.RoleCISO)}
	switch st.Status {
	case compliance.Draft:
		d.Next = []string{compliance.Consultation, compliance.Approved}
	case compliance.Consultation:
		d.Next = []string{compliance.Approved, compliance.Draft}
	case compliance.Approved:
		d.Next = []string{compliance.Retired, compliance.Draft}
	}
	v := s.newView(r, "standards", "standards.title")
	v.Title = st.Ref + " " + st.Title
	v.Err = p
	v.Data = d
	s.render(w, r, status, "standard", v)
	return nil
}

func (s *Server) changeStandardPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostFormValue
	rev, _ := strconv.Atoi(f("revision"))
	ch := compliance.StandardChange{Revision: rev}
	for _, p := range []struct {
		name string
		dst  **string
	}{{"status", &ch.Status}, {"consultation_until", &ch.ConsultationUntil}, {"approval_record", &ch.ApprovalRecord}, {"version", &ch.Version}} {
		if v, ok := r.PostForm[p.name]; ok && v[0] != "" {
			x := v[0]
			*p.dst = &x
		}
	}
	_, err = s.comp.ChangeStandard(r.Context(), c.scope, id, ch)
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderStandard(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/standards/"+strconv.FormatInt(id, 10)+"?msg=standards.saved", http.StatusSeeOther)
	return nil
}

func (s *Server) ackPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.comp.Acknowledge(r.Context(), c.scope, id, compliance.AckChange{Status: r.PostFormValue("status"), Note: r.PostFormValue("note")})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderStandard(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/standards/"+strconv.FormatInt(id, 10)+"?msg=standards.acked", http.StatusSeeOther)
	return nil
}

type reportData struct {
	R     compliance.Report
	Month string
	Trend *chart
}

// reportMonth is ?month= (YYYY-MM), else this month in Copenhagen.
func reportMonth(r *http.Request) (string, error) {
	m := r.URL.Query().Get("month")
	if m == "" {
		return time.Now().In(copenhagen).Format("2006-01"), nil
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		return "", errs.Field("month", "%q is not a month (YYYY-MM)", m)
	}
	return m, nil
}

// reportPage is the monthly governance report as a page (print it, or
// take the PDF).
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	month, err := reportMonth(r)
	if err != nil {
		return err
	}
	rep, err := s.comp.Report(r.Context(), c.scope, string(langOf(r)))
	if err != nil {
		return err
	}
	v := s.newView(r, "compliance", "report.compliance.title")
	v.Title = langOf(r).T("report.compliance.title") + " " + month
	v.Data = reportData{R: rep, Month: month, Trend: trendChart(rep.Trend, v)}
	s.render(w, r, http.StatusOK, "compliance_report", v)
	return nil
}

// reportPDFPage is the monthly governance report as a PDF.
func (s *Server) reportPDFPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	month, err := reportMonth(r)
	if err != nil {
		return err
	}
	rep, err := s.comp.Report(r.Context(), c.scope, string(langOf(r)))
	if err != nil {
		return err
	}
	pdf, err := reportPDF(rep, month, langOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="styringsrapport-`+month+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

// soaPDFPage writes an assessment as a statement of applicability (PDF).
func (s *Server) soaPDFPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	a, err := s.comp.Assessment(r.Context(), c.scope, r.PathValue("org"), r.PathValue("framework"), string(langOf(r)))
	if err != nil {
		return err
	}
	pdf, err := soaPDF(a, langOf(r), time.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="soa-`+a.Framework.ID+`-`+strconv.FormatInt(a.OrgID, 10)+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}
