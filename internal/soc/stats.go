package soc

import (
	"context"
	"slices"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/timing"
)

// OpenCount is how many cases of one severity and organisation are open.
type OpenCount struct {
	Severity string `json:"severity"`
	OrgID    int64  `json:"org_id"`
	OrgName  string `json:"org_name"`
	N        int    `json:"n"`
}

// DueReport is a reporting deadline not yet met, for the dashboard.
type DueReport struct {
	CaseID   int64    `json:"case_id"`
	Title    string   `json:"title"`
	OrgName  string   `json:"org_name"`
	Deadline Deadline `json:"deadline"`
}

// Stats are the case figures of the SOC's dashboard.
type Stats struct {
	Open []OpenCount `json:"open"`
	// Due are the reporting deadlines not met, earliest first.
	Due     []DueReport          `json:"due"`
	Ack     []timing.Percentiles `json:"ack"`
	Resolve []timing.Percentiles `json:"resolve"`
}

// Stats returns the open cases by severity and organisation, every
// reporting deadline not yet met, and the monthly times to take and to
// close a case since the month of since, within sc's reach.
func (s *Service) Stats(ctx context.Context, sc access.Scope, since time.Time) (Stats, error) {
	q := s.db.Reader()
	out := Stats{Open: []OpenCount{}, Due: []DueReport{}}
	var a store.Args
	// Counted on the list's index (list_rank below 4: open, by severity).
	rows, err := q.QueryContext(ctx, `SELECT x.list_rank, x.org_id, o.name, x.n FROM (SELECT c.list_rank, c.org_id, COUNT(*) AS n FROM cases c
		WHERE c.list_rank < 4 AND `+visible(sc, &a)+` GROUP BY c.list_rank, c.org_id) x JOIN organizations o ON o.id = x.org_id
		ORDER BY o.name, x.list_rank`, a.Values()...)
	if err != nil {
		return out, errs.Wrap(err, "cannot count open cases")
	}
	for rows.Next() {
		var c OpenCount
		var rank int
		if err := rows.Scan(&rank, &c.OrgID, &c.OrgName, &c.N); err != nil {
			rows.Close()
			return out, errs.Wrap(err, "cannot count open cases")
		}
		c.Severity = []string{"critical", "high", "medium", "low"}[rank]
		out.Open = append(out.Open, c)
	}
	rows.Close()
	a = store.Args{}
	rows, err = q.QueryContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.aware_at IS NOT NULL AND c.merged_into IS NULL AND c.aware_at >= `+
		a.Add(s.now().AddDate(-1, -2, 0))+` AND `+visible(sc, &a)+` ORDER BY c.aware_at DESC LIMIT 500`, a.Values()...)
	if err != nil {
		return out, errs.Wrap(err, "cannot read reportable cases")
	}
	var reportable []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return out, errs.Wrap(err, "cannot read a reportable case")
		}
		reportable = append(reportable, c)
	}
	rows.Close()
	now := s.now()
	subs, err := submissionsOf(ctx, q, reportable)
	if err != nil {
		return out, err
	}
	for _, c := range reportable {
		for _, d := range deadlines(c, subs[c.ID], now) {
			if d.Due != nil && (d.State == "pending" || d.State == "due-soon" || d.State == "overdue") {
				out.Due = append(out.Due, DueReport{CaseID: c.ID, Title: c.Title, OrgName: c.OrgName, Deadline: d})
			}
		}
	}
	slices.SortFunc(out.Due, func(x, y DueReport) int { return x.Deadline.Due.Compare(*y.Deadline.Due) })
	from := timing.Month(since)
	for _, m := range []struct {
		name string
		dst  *[]timing.Percentiles
	}{{"case.ack", &out.Ack}, {"case.resolve", &out.Resolve}} {
		a = store.Args{}
		pred := "FALSE"
		if sc.Can(access.ReadCases) {
			pred = sc.SecurityPredicate("org_id", &a)
		}
		if *m.dst, err = timing.Monthly(ctx, q, m.name, from, pred, &a); err != nil {
			return out, err
		}
	}
	return out, nil
}
