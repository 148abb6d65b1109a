package soc

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Draft is the content of a report drafted from a case, for the person
// who submits it through the national reporting solution (samdrift does
// not submit it). Its parts follow NIS2 Art. 23(4) and GDPR Art. 33(3):
// what happened, whether an unlawful or malicious act is suspected,
// cross-border impact, severity and impact, indicators of compromise and
// the mitigations applied. The web layer renders it in Danish (or
// English) as a page, PDF or JSON.
type Draft struct {
	Kind         string     `json:"kind"`
	CaseID       int64      `json:"case_id"`
	Organisation string     `json:"organisation"`
	OrgCode      string     `json:"org_code,omitempty"`
	Title        string     `json:"title"`
	GeneratedAt  time.Time  `json:"generated_at"`
	AwareAt      time.Time  `json:"aware_at"`
	Due          *time.Time `json:"due"`
	// WhatHappened is the case's description and type.
	WhatHappened string `json:"what_happened"`
	CaseKind     string `json:"case_kind"`
	Status       string `json:"status"`
	// Malicious: yes, no or unknown — is an unlawful or malicious act
	// suspected (NIS2 Art. 23(4)(a)).
	Malicious string `json:"malicious"`
	// CrossBorder: yes, no or unknown (NIS2 Art. 23(4)(a)).
	CrossBorder  string       `json:"cross_border"`
	Severity     string       `json:"severity"`
	Criteria     []string     `json:"nis2_criteria"`
	Impact       string       `json:"impact"`
	Indicators   []Observable `json:"indicators"`
	Mitigations  string       `json:"mitigations"`
	TasksDone    []Task       `json:"tasks_done"`
	Alerts       int          `json:"alerts"`
	PersonalData bool         `json:"personal_data_breach"`
}

// Draft drafts report kind for case id from what the case holds.
func (s *Service) Draft(ctx context.Context, sc access.Scope, id int64, kind string) (Draft, error) {
	if err := errs.OneOf("kind", kind, ReportKinds); err != nil {
		return Draft{}, err
	}
	q := s.db.Reader()
	c, err := get(ctx, q, sc, id)
	if err != nil {
		return Draft{}, err
	}
	return s.draft(ctx, q, c, kind, s.now())
}

func (s *Service) draft(ctx context.Context, tx store.Querier, c Case, kind string, now time.Time) (Draft, error) {
	if c.AwareAt == nil {
		return Draft{}, errs.E(errs.Conflict, "case %d is not marked reportable; mark it (NIS2 or GDPR, with the time of awareness) first", c.ID)
	}
	d := Draft{Kind: kind, CaseID: c.ID, Organisation: c.OrgName, OrgCode: c.OrgCode, Title: c.Title, GeneratedAt: now, AwareAt: *c.AwareAt,
		WhatHappened: c.Description, CaseKind: c.Kind, Status: c.Status, Malicious: c.reporting.malicious, CrossBorder: c.reporting.crossBorder,
		Severity: c.Severity, Impact: c.reporting.impact, Mitigations: c.reporting.mitigations, Alerts: c.Alerts, PersonalData: c.PersonalDataBreach,
		Criteria: []string{}, Indicators: []Observable{}, TasksDone: []Task{}}
	r := reportingOf(c, nil, now)
	d.Criteria = r.NIS2Criteria
	subs, err := submissions(ctx, tx, c.ID)
	if err != nil {
		return d, err
	}
	for _, dl := range deadlines(c, subs, now) {
		if dl.Kind == kind {
			d.Due = dl.Due
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, value, note, source, created_at FROM case_observables WHERE case_id = $1 ORDER BY kind, value`, c.ID)
	if err != nil {
		return d, errs.Wrap(err, "cannot read the observables of case %d", c.ID)
	}
	for rows.Next() {
		var o Observable
		if err := rows.Scan(&o.ID, &o.Kind, &o.Value, &o.Note, &o.Source, &o.At); err != nil {
			rows.Close()
			return d, errs.Wrap(err, "cannot read an observable of case %d", c.ID)
		}
		o.At = o.At.UTC()
		d.Indicators = append(d.Indicators, o)
	}
	rows.Close()
	ts, err := tasks(ctx, tx, c.ID, 0)
	if err != nil {
		return d, err
	}
	for _, t := range ts {
		if t.Status == "done" {
			d.TasksDone = append(d.TasksDone, t)
		}
	}
	return d, nil
}
