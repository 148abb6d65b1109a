package soc

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// The report kinds and their clocks. NIS2 Art. 23(4) (and the Danish NIS
// 2-lov): an early warning within 24 hours of becoming aware of a
// significant incident, an incident notification within 72 hours, an
// intermediate report when the CSIRT asks, and a final report within one
// month of the notification — or a progress report then if the incident
// is still being handled, and the final report within one month of its
// handling. GDPR Art. 33(1): the supervisory authority within 72 hours of
// becoming aware of a personal data breach, with the reasons when later.
// All clocks run in real time, not business hours.
const (
	NIS2EarlyWarning  = "nis2-early-warning"
	NIS2Notification  = "nis2-notification"
	NIS2Intermediate  = "nis2-intermediate-report"
	NIS2FinalReport   = "nis2-final-report"
	NIS2Progress      = "nis2-progress-report"
	GDPRNotification  = "gdpr-notification"
	earlyWarningAfter = 24 * time.Hour
	notificationAfter = 72 * time.Hour
)

// ReportKinds lists every report kind.
var ReportKinds = []string{NIS2EarlyWarning, NIS2Notification, NIS2Intermediate, NIS2FinalReport, NIS2Progress, GDPRNotification}

// NIS2Criteria are the grounds of NIS2 Art. 23(3) on which an incident is
// significant: severe operational disruption of services, financial loss,
// or considerable damage to other persons.
var NIS2Criteria = []string{"severe-disruption", "financial-loss", "harm-to-others"}

// Deadline is one reporting clock of a case.
type Deadline struct {
	Kind string `json:"kind"`
	// Due is null while it cannot be known yet (the final report's, until
	// the notification is recorded).
	Due    *time.Time `json:"due"`
	WarnAt *time.Time `json:"warn_at,omitempty"`
	// State: waiting (due unknown), pending, due-soon (past the warning),
	// overdue, submitted, submitted-late.
	State       string     `json:"state"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Reference   string     `json:"reference,omitempty"`
}

// Submission is a report as it was submitted to the authority.
type Submission struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	SubmittedAt time.Time       `json:"submitted_at"`
	SubmittedBy string          `json:"submitted_by"`
	Reference   string          `json:"reference,omitempty"`
	LateReason  string          `json:"late_reason,omitempty"`
	Content     json.RawMessage `json:"content"`
	RecordedAt  time.Time       `json:"recorded_at"`
}

// Reporting is a case's reporting marks, clocks and submissions.
type Reporting struct {
	NIS2Significant    bool         `json:"nis2_significant"`
	NIS2Criteria       []string     `json:"nis2_criteria"`
	PersonalDataBreach bool         `json:"personal_data_breach"`
	AwareAt            *time.Time   `json:"aware_at"`
	IntermediateDue    *time.Time   `json:"intermediate_due,omitempty"`
	Malicious          string       `json:"malicious"`    // yes, no, unknown
	CrossBorder        string       `json:"cross_border"` // yes, no, unknown
	Impact             string       `json:"impact"`
	Mitigations        string       `json:"mitigations"`
	Deadlines          []Deadline   `json:"deadlines"`
	Submissions        []Submission `json:"submissions"`
}

// warnBefore is how long before each deadline its warning goes out.
func warnBefore(kind string) time.Duration {
	switch kind {
	case NIS2EarlyWarning:
		return 6 * time.Hour
	case NIS2FinalReport, NIS2Progress:
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// addMonth is one calendar month later in Copenhagen time (NIS2's "one
// month" is a calendar month where the organisation is).
func addMonth(t time.Time) time.Time {
	return t.In(locale.Copenhagen).AddDate(0, 1, 0).UTC()
}

// deadlines computes case c's clocks at now from its first submission of
// each kind (subs).
func deadlines(c Case, subs []Submission, now time.Time) []Deadline {
	out := []Deadline{}
	if c.AwareAt == nil || c.MergedInto != 0 {
		return out
	}
	first := map[string]*Submission{}
	for i := range subs {
		if first[subs[i].Kind] == nil {
			first[subs[i].Kind] = &subs[i]
		}
	}
	add := func(kind string, due *time.Time) {
		d := Deadline{Kind: kind, Due: due, State: "waiting"}
		if due != nil {
			w := due.Add(-warnBefore(kind))
			d.WarnAt = &w
			switch {
			case first[kind] != nil:
			case !now.Before(*due):
				d.State = "overdue"
			case !now.Before(w):
				d.State = "due-soon"
			default:
				d.State = "pending"
			}
		}
		if s := first[kind]; s != nil {
			at := s.SubmittedAt
			d.SubmittedAt, d.Reference, d.State = &at, s.Reference, "submitted"
			if due != nil && at.After(*due) {
				d.State = "submitted-late"
			}
		}
		out = append(out, d)
	}
	aware := *c.AwareAt
	if c.NIS2Significant {
		ew, nt := aware.Add(earlyWarningAfter), aware.Add(notificationAfter)
		add(NIS2EarlyWarning, &ew)
		add(NIS2Notification, &nt)
		if c.reporting.intermediateDue != nil {
			add(NIS2Intermediate, c.reporting.intermediateDue)
		}
		if n := first[NIS2Notification]; n == nil {
			add(NIS2FinalReport, nil)
		} else {
			month := addMonth(n.SubmittedAt)
			handled := c.ClosedAt
			switch {
			case handled != nil && !handled.After(month):
				add(NIS2FinalReport, &month)
			case handled != nil:
				add(NIS2Progress, &month)
				final := addMonth(*handled)
				add(NIS2FinalReport, &final)
			case now.Before(month) && first[NIS2FinalReport] == nil:
				add(NIS2FinalReport, &month)
			default:
				add(NIS2Progress, &month)
				add(NIS2FinalReport, nil)
			}
		}
	}
	if c.PersonalDataBreach {
		g := aware.Add(notificationAfter)
		add(GDPRNotification, &g)
	}
	return out
}

// nextDeadline is the earliest deadline of c not yet met, given its
// submissions subs.
func nextDeadline(c Case, subs []Submission) *Deadline {
	var best *Deadline
	for _, d := range deadlines(c, subs, time.Now()) {
		if d.Due == nil || d.State == "submitted" || d.State == "submitted-late" {
			continue
		}
		if best == nil || d.Due.Before(*best.Due) {
			d := d
			best = &d
		}
	}
	return best
}

func submissions(ctx context.Context, q store.Querier, id int64) ([]Submission, error) {
	m, err := submissionsOf(ctx, q, []Case{{ID: id}})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return []Submission{}, nil
	}
	return m[id], nil
}

// submissionsOf reads the submissions of cases in one query, by case.
func submissionsOf(ctx context.Context, q store.Querier, cases []Case) (map[int64][]Submission, error) {
	out := map[int64][]Submission{}
	if len(cases) == 0 {
		return out, nil
	}
	var a store.Args
	ps := make([]string, len(cases))
	for i, c := range cases {
		ps[i] = a.Add(c.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT case_id, id, kind, submitted_at, submitted_by, reference, late_reason, content, recorded_at
		FROM case_reports WHERE case_id IN (`+strings.Join(ps, ", ")+`) ORDER BY submitted_at, id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read reports")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s Submission
		var content string
		if err := rows.Scan(&id, &s.ID, &s.Kind, &s.SubmittedAt, &s.SubmittedBy, &s.Reference, &s.LateReason, &content, &s.RecordedAt); err != nil {
			return nil, errs.Wrap(err, "cannot read a report")
		}
		s.SubmittedAt, s.RecordedAt, s.Content = s.SubmittedAt.UTC(), s.RecordedAt.UTC(), json.RawMessage(content)
		out[id] = append(out[id], s)
	}
	return out, errs.Wrap(rows.Err(), "cannot read reports")
}

func reportingOf(c Case, subs []Submission, now time.Time) Reporting {
	r := Reporting{NIS2Significant: c.NIS2Significant, NIS2Criteria: strings.Fields(c.reporting.criteria), PersonalDataBreach: c.PersonalDataBreach,
		AwareAt: c.AwareAt, IntermediateDue: c.reporting.intermediateDue, Malicious: c.reporting.malicious, CrossBorder: c.reporting.crossBorder,
		Impact: c.reporting.impact, Mitigations: c.reporting.mitigations, Deadlines: deadlines(c, subs, now), Submissions: subs}
	if r.NIS2Criteria == nil {
		r.NIS2Criteria = []string{}
	}
	return r
}

// Reporting returns case id's reporting marks, clocks and submissions.
func (s *Service) Reporting(ctx context.Context, sc access.Scope, id int64) (Reporting, error) {
	q := s.db.Reader()
	c, err := get(ctx, q, sc, id)
	if err != nil {
		return Reporting{}, err
	}
	subs, err := submissions(ctx, q, id)
	if err != nil {
		return Reporting{}, err
	}
	return reportingOf(c, subs, s.now()), nil
}

// ReportingRequest marks a case reportable (or not) and says what the
// reports need to say.
type ReportingRequest struct {
	NIS2Significant    bool       `json:"nis2_significant"`
	NIS2Criteria       []string   `json:"nis2_criteria,omitempty"`
	PersonalDataBreach bool       `json:"personal_data_breach"`
	AwareAt            *time.Time `json:"aware_at"`
	IntermediateDue    *time.Time `json:"intermediate_due,omitempty"`
	Malicious          string     `json:"malicious,omitempty"`
	CrossBorder        string     `json:"cross_border,omitempty"`
	Impact             string     `json:"impact,omitempty"`
	Mitigations        string     `json:"mitigations,omitempty"`
}

// SetReporting sets case id's reporting marks, as the CISO or the SOC
// decides, and returns the clocks that now run.
func (s *Service) SetReporting(ctx context.Context, sc access.Scope, id int64, r ReportingRequest) (Reporting, error) {
	if err := mayWork(sc); err != nil {
		return Reporting{}, err
	}
	if r.Malicious == "" {
		r.Malicious = "unknown"
	}
	if r.CrossBorder == "" {
		r.CrossBorder = "unknown"
	}
	var err error
	switch {
	case errs.OneOf("malicious", r.Malicious, []string{"yes", "no", "unknown"}) != nil:
		return Reporting{}, errs.OneOf("malicious", r.Malicious, []string{"yes", "no", "unknown"})
	case errs.OneOf("cross_border", r.CrossBorder, []string{"yes", "no", "unknown"}) != nil:
		return Reporting{}, errs.OneOf("cross_border", r.CrossBorder, []string{"yes", "no", "unknown"})
	case (r.NIS2Significant || r.PersonalDataBreach) && r.AwareAt == nil:
		return Reporting{}, errs.Field("aware_at", "say when the organisation became aware of the incident: the clocks run from then")
	case r.NIS2Significant && len(r.NIS2Criteria) == 0:
		return Reporting{}, errs.Field("nis2_criteria", "say why the incident is significant: %s", strings.Join(NIS2Criteria, ", "))
	case !r.NIS2Significant && len(r.NIS2Criteria) > 0:
		return Reporting{}, errs.Field("nis2_criteria", "criteria go with nis2_significant")
	case !r.NIS2Significant && r.IntermediateDue != nil:
		return Reporting{}, errs.Field("intermediate_due", "an intermediate report is asked for a significant incident only")
	}
	for _, cr := range r.NIS2Criteria {
		if err := errs.OneOf("nis2_criteria", cr, NIS2Criteria); err != nil {
			return Reporting{}, err
		}
	}
	if r.Impact, err = errs.Text("impact", r.Impact, 0, maxText); err != nil {
		return Reporting{}, err
	}
	if r.Mitigations, err = errs.Text("mitigations", r.Mitigations, 0, maxText); err != nil {
		return Reporting{}, err
	}
	var out Reporting
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if c.MergedInto != 0 {
			return errs.E(errs.Conflict, "case %d was merged into case %d; mark that case", id, c.MergedInto)
		}
		if r.IntermediateDue != nil && (r.AwareAt == nil || r.IntermediateDue.Before(*r.AwareAt) || r.IntermediateDue.After(r.AwareAt.AddDate(1, 0, 0))) {
			return errs.Field("intermediate_due", "the CSIRT's due time for an intermediate report lies after the time of awareness, within a year")
		}
		if r.AwareAt != nil {
			if r.AwareAt.After(now.Add(5 * time.Minute)) {
				return errs.Field("aware_at", "lies in the future")
			}
			if r.AwareAt.Before(c.CreatedAt.AddDate(-1, 0, 0)) {
				return errs.Field("aware_at", "lies more than a year before the case was opened")
			}
		}
		subs, err := submissions(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, sb := range subs {
			if !r.NIS2Significant && strings.HasPrefix(sb.Kind, "nis2-") {
				return errs.Field("nis2_significant", "case %d has a NIS2 report submitted already; it stays significant", id)
			}
			if !r.PersonalDataBreach && strings.HasPrefix(sb.Kind, "gdpr-") {
				return errs.Field("personal_data_breach", "case %d has a GDPR notification submitted already; it stays a breach", id)
			}
		}
		var aware, inter any
		if r.AwareAt != nil {
			aware = r.AwareAt.UTC().Truncate(time.Second)
		}
		if r.IntermediateDue != nil {
			inter = r.IntermediateDue.UTC().Truncate(time.Second)
		}
		crit := slices.Compact(slices.Sorted(slices.Values(r.NIS2Criteria)))
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET nis2_significant = $1, nis2_criteria = $2, personal_data_breach = $3, aware_at = $4, intermediate_due = $5,
			malicious = $6, cross_border = $7, impact = $8, mitigations = $9, updated_at = $10, version = version + 1 WHERE id = $11`,
			r.NIS2Significant, strings.Join(crit, " "), r.PersonalDataBreach, aware, inter, r.Malicious, r.CrossBorder, r.Impact, r.Mitigations, now, id); err != nil {
			return errs.Wrap(err, "cannot mark case %d", id)
		}
		before := map[string]any{"nis2_significant": c.NIS2Significant, "personal_data_breach": c.PersonalDataBreach, "aware_at": c.AwareAt}
		after := map[string]any{"nis2_significant": r.NIS2Significant, "personal_data_breach": r.PersonalDataBreach, "aware_at": aware, "nis2_criteria": crit}
		if err := entry(ctx, tx, id, now, sc, "reporting", "", after); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.reporting", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			Before: before, After: after}); err != nil {
			return err
		}
		if c, err = get(ctx, tx, sc, id); err != nil {
			return err
		}
		out = reportingOf(c, subs, now)
		return nil
	})
	return out, err
}

// NewSubmission records a report submitted through the national
// reporting solution.
type NewSubmission struct {
	Kind string `json:"kind"`
	// SubmittedAt is when it was submitted (default: now).
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Reference   string     `json:"reference,omitempty"`
	// LateReason is required when the report is later than its deadline
	// (GDPR Art. 33(1): "accompanied by reasons for the delay").
	LateReason string `json:"late_reason,omitempty"`
	// Content is the report as submitted (default: the draft).
	Content json.RawMessage `json:"content,omitempty"`
}

// Submit records a submitted report on case id and returns the clocks.
func (s *Service) Submit(ctx context.Context, sc access.Scope, id int64, n NewSubmission) (Reporting, error) {
	if err := mayWork(sc); err != nil {
		return Reporting{}, err
	}
	if err := errs.OneOf("kind", n.Kind, ReportKinds); err != nil {
		return Reporting{}, err
	}
	var err error
	if n.Reference, err = errs.Text("reference", n.Reference, 0, 200); err != nil {
		return Reporting{}, err
	}
	if n.LateReason, err = errs.Text("late_reason", n.LateReason, 0, maxNote); err != nil {
		return Reporting{}, err
	}
	if len(n.Content) > 1<<20 {
		return Reporting{}, errs.Field("content", "a report has at most 1 MiB")
	}
	if len(n.Content) > 0 && !json.Valid(n.Content) {
		return Reporting{}, errs.Field("content", "is not valid JSON")
	}
	var out Reporting
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(n.Kind, "nis2-") && !c.NIS2Significant:
			return errs.Field("kind", "case %d is not marked a significant incident under NIS2; mark it before recording NIS2 reports", id)
		case strings.HasPrefix(n.Kind, "gdpr-") && !c.PersonalDataBreach:
			return errs.Field("kind", "case %d is not marked a personal data breach; mark it before recording the GDPR notification", id)
		}
		at := now
		if n.SubmittedAt != nil {
			at = n.SubmittedAt.UTC().Truncate(time.Second)
		}
		if at.After(now.Add(5 * time.Minute)) {
			return errs.Field("submitted_at", "lies in the future")
		}
		if at.Before(*c.AwareAt) {
			return errs.Field("submitted_at", "lies before the organisation became aware of the incident")
		}
		subs, err := submissions(ctx, tx, id)
		if err != nil {
			return err
		}
		var due *Deadline
		for _, d := range deadlines(c, append(subs, Submission{Kind: n.Kind, SubmittedAt: at}), now) {
			if d.Kind == n.Kind {
				d := d
				due = &d
			}
		}
		if due == nil {
			return errs.Field("kind", "case %d has no %s clock (an intermediate report is recorded once its due time is set; a progress report when the final report is not yet possible)", id, n.Kind)
		}
		if n.Kind == NIS2FinalReport && !slices.ContainsFunc(subs, func(s Submission) bool { return s.Kind == NIS2Notification }) {
			return errs.Field("kind", "record the incident notification before the final report")
		}
		late := due.Due != nil && at.After(*due.Due)
		if late && n.LateReason == "" {
			return errs.Field("late_reason", "the %s is %s late (due %s); give the reasons for the delay", n.Kind,
				at.Sub(*due.Due).Round(time.Minute), due.Due.In(locale.Copenhagen).Format("2006-01-02 15:04 MST"))
		}
		content := n.Content
		if len(content) == 0 {
			d, err := s.draft(ctx, tx, c, n.Kind, now)
			if err != nil {
				return err
			}
			content, _ = json.Marshal(d)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_reports (case_id, kind, submitted_at, submitted_by, reference, late_reason, content, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, n.Kind, at, sc.Actor().Name, n.Reference, n.LateReason, string(content), now); err != nil {
			return errs.Wrap(err, "cannot record the report")
		}
		detail := map[string]any{"kind": n.Kind, "submitted_at": at, "reference": n.Reference, "late": late}
		if err := entry(ctx, tx, id, now, sc, "report", n.LateReason, detail); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.report", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: detail}); err != nil {
			return err
		}
		if subs, err = submissions(ctx, tx, id); err != nil {
			return err
		}
		if c, err = get(ctx, tx, sc, id); err != nil {
			return err
		}
		out = reportingOf(c, subs, now)
		return nil
	})
	return out, err
}

// SweepResult counts the reporting warnings a sweep sent.
type SweepResult struct {
	Warnings int `json:"warnings"`
	Overdue  int `json:"overdue"`
}

// Sweep sends the warnings due at now: before each reporting deadline
// not yet met, and when it passes. Each is sent once, however many nodes
// sweep (a row per warning claims it), to the organisation's CISO, the
// case owner's organisation's analysts and the shared SOC.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	sys := access.System("soc")
	var ids []int64
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM cases WHERE aware_at IS NOT NULL AND merged_into IS NULL
		AND (nis2_significant OR personal_data_breach) ORDER BY id`)
	if err != nil {
		return res, errs.Wrap(err, "cannot find reportable cases")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, errs.Wrap(err, "cannot find reportable cases")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, errs.Wrap(err, "cannot find reportable cases")
	}
	for _, id := range ids {
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			c, err := get(ctx, tx, sys, id)
			if err != nil {
				return err
			}
			subs, err := submissions(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, d := range deadlines(c, subs, now) {
				stage := ""
				switch d.State {
				case "due-soon":
					stage = "warning"
				case "overdue":
					stage = "overdue"
				default:
					continue
				}
				r, err := tx.ExecContext(ctx, `INSERT INTO case_deadline_notices (case_id, kind, stage, due, sent_at) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT DO NOTHING`, id, d.Kind, stage, *d.Due, now)
				if err != nil {
					return errs.Wrap(err, "cannot record a reporting warning of case %d", id)
				}
				if n, _ := r.RowsAffected(); n == 0 {
					continue
				}
				if stage == "warning" {
					res.Warnings++
				} else {
					res.Overdue++
				}
				if err := tellCase(ctx, tx, c, notify.Notice{Kind: "case.deadline." + stage, CaseID: c.ID, Subject: caseSubject(c),
					Body: d.Kind + " " + d.Due.In(locale.Copenhagen).Format("2006-01-02 15:04 MST"), At: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func caseSubject(c Case) string { return "#" + idString(c.ID) + " " + c.Title + " (" + c.OrgName + ")" }

// tellCase notifies those who answer for case c: the organisation's
// CISO, the supplying unit's analysts and the shared SOC.
func tellCase(ctx context.Context, tx *sql.Tx, c Case, n notify.Notice) error {
	targets := []notify.Notice{}
	n.OrgID, n.Roles = c.OrgID, []access.Role{access.RoleCISO}
	targets = append(targets, n)
	var unit sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT supplier_id FROM organizations WHERE id = $1`, c.OrgID).Scan(&unit); err != nil {
		return errs.Wrap(err, "cannot find who supplies organisation %d", c.OrgID)
	}
	if unit.Valid {
		n.OrgID, n.Roles = unit.Int64, []access.Role{access.RoleSOCAnalyst}
		targets = append(targets, n)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM organizations WHERE kind = 'soc' ORDER BY id`)
	if err != nil {
		return errs.Wrap(err, "cannot find the SOC")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot find the SOC")
		}
		n.OrgID, n.Roles = id, []access.Role{access.RoleSOCAnalyst, access.RoleCERT}
		targets = append(targets, n)
	}
	rows.Close()
	for _, t := range targets {
		if _, err := notify.Queue(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// Timeliness is how an organisation's reportable incidents were reported:
// the reporting deadlines (NIS2 and GDPR) that fell due, and how many of
// them were met late or are overdue.
type Timeliness struct {
	Cases, Deadlines, Late int
}

// TimelinessByOrg returns the Timeliness of every organisation with a
// reportable case whose organisation became aware of it after since
// (compliance's live evidence of reporting on time). The platform's own
// view: no scope, counts only.
func (s *Service) TimelinessByOrg(ctx context.Context, since, now time.Time) (map[int64]Timeliness, error) {
	sys := access.System("compliance")
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.aware_at IS NOT NULL AND c.aware_at >= `+a.Add(since)+
		` AND c.merged_into IS NULL AND (c.nis2_significant OR c.personal_data_breach) AND `+visible(sys, &a), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot find reportable cases")
	}
	var cases []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a case")
		}
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot find reportable cases")
	}
	subs, err := submissionsOf(ctx, s.db.Reader(), cases)
	if err != nil {
		return nil, err
	}
	out := map[int64]Timeliness{}
	for _, c := range cases {
		t := out[c.OrgID]
		t.Cases++
		for _, d := range deadlines(c, subs[c.ID], now) {
			switch d.State {
			case "submitted":
				t.Deadlines++
			case "overdue", "submitted-late":
				t.Deadlines++
				t.Late++
			}
		}
		out[c.OrgID] = t
	}
	return out, nil
}
