package cert

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// ExposureSeries is one unit's exposure over time: at the end of each
// week, the vulnerabilities of the municipalities it serves (and its own)
// that were open, and of those the ones past their due date.
type ExposureSeries struct {
	UnitID   int64  `json:"unit_id"` // 0: organisations no unit serves
	UnitName string `json:"unit_name"`
	Open     []int  `json:"open"`
	Overdue  []int  `json:"overdue"`
}

// Exposure is open and overdue vulnerabilities per unit, week by week.
type Exposure struct {
	Weeks  []time.Time      `json:"weeks"` // the end of each week (Monday 00:00 UTC after it)
	Series []ExposureSeries `json:"series"`
}

// Exposure returns the exposure within sc's reach over the last weeks
// weeks (1–104) up to now. A vulnerability counts as open at a time when
// it had been found and was not yet settled: settling is its last change
// (reopening one counts it open from its first finding).
func (s *Service) Exposure(ctx context.Context, sc access.Scope, weeks int) (Exposure, error) {
	if weeks < 1 || weeks > 104 {
		return Exposure{}, errs.Field("weeks", "show 1 to 104 weeks")
	}
	now := s.now()
	// Week ends: the Mondays after each of the last weeks, the last one now.
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	ex := Exposure{}
	for i := weeks - 1; i >= 1; i-- {
		ex.Weeks = append(ex.Weeks, monday.AddDate(0, 0, -7*(i-1)))
	}
	ex.Weeks = append(ex.Weeks, now)
	from := ex.Weeks[0].AddDate(0, 0, -7)
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT COALESCE(CASE WHEN o.kind = 'unit' THEN o.id ELSE o.supplier_id END, 0), v.status, v.created_at, v.updated_at, v.due
		FROM vulnerabilities v JOIN organizations o ON o.id = v.org_id
		WHERE `+sc.SecurityPredicate("v.org_id", &a)+` AND (v.status = 'open' OR v.updated_at >= `+a.Add(from)+`)`, a.Values()...)
	if err != nil {
		return Exposure{}, errs.Wrap(err, "cannot read exposure")
	}
	defer rows.Close()
	by := map[int64]*ExposureSeries{}
	for rows.Next() {
		var unit int64
		var status string
		var created, updated time.Time
		var due sql.NullTime
		if err := rows.Scan(&unit, &status, &created, &updated, &due); err != nil {
			return Exposure{}, errs.Wrap(err, "cannot read exposure")
		}
		sr := by[unit]
		if sr == nil {
			sr = &ExposureSeries{UnitID: unit, Open: make([]int, weeks), Overdue: make([]int, weeks)}
			by[unit] = sr
		}
		for i, t := range ex.Weeks {
			if created.After(t) || (status != "open" && !updated.After(t)) {
				continue
			}
			sr.Open[i]++
			if due.Valid && due.Time.Before(t) {
				sr.Overdue[i]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Exposure{}, errs.Wrap(err, "cannot read exposure")
	}
	ex.Series = []ExposureSeries{}
	for id, sr := range by {
		if id != 0 {
			if err := s.db.Reader().QueryRowContext(ctx, `SELECT name FROM organizations WHERE id = $1`, id).Scan(&sr.UnitName); err != nil {
				return Exposure{}, errs.Wrap(err, "cannot read unit %d", id)
			}
		}
		ex.Series = append(ex.Series, *sr)
	}
	sort.Slice(ex.Series, func(i, j int) bool { return ex.Series[i].UnitName < ex.Series[j].UnitName })
	return ex, nil
}

// PastDue is an organisation's open vulnerabilities, and how many of them
// are past their due date.
type PastDue struct {
	Open, Overdue int
}

// PastDueByOrg counts, for every organisation with open vulnerabilities,
// how many are past due at now (compliance's live evidence of patching
// within deadlines). The platform's own view: no scope, no TLP (counts
// only, never an advisory's content).
func (s *Service) PastDueByOrg(ctx context.Context, now time.Time) (map[int64]PastDue, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT org_id, COUNT(*), SUM(CASE WHEN due < $1 THEN 1 ELSE 0 END) FROM vulnerabilities
		WHERE status = 'open' GROUP BY org_id`, now)
	if err != nil {
		return nil, errs.Wrap(err, "cannot count overdue vulnerabilities")
	}
	defer rows.Close()
	out := map[int64]PastDue{}
	for rows.Next() {
		var org int64
		var p PastDue
		if err := rows.Scan(&org, &p.Open, &p.Overdue); err != nil {
			return nil, errs.Wrap(err, "cannot count overdue vulnerabilities")
		}
		out[org] = p
	}
	return out, errs.Wrap(rows.Err(), "cannot count overdue vulnerabilities")
}
