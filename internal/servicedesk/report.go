package servicedesk

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// ReportFilter chooses what a monthly report covers: the tickets the
// caller sees, optionally of one unit or one municipality.
type ReportFilter struct {
	Month        time.Time // any instant in the month (Copenhagen time)
	Unit         int64
	Municipality int64
}

// Share is how many measured clocks met their target.
type Share struct {
	Measured int     `json:"measured"`
	Met      int     `json:"met"`
	Percent  float64 `json:"percent"` // 0 when nothing was measured
}

func (s *Share) add(met bool) {
	s.Measured++
	if met {
		s.Met++
	}
	s.Percent = float64(s.Met) / float64(s.Measured) * 100
}

// Breach is one clock that passed its target in the month.
type Breach struct {
	TicketID   int64     `json:"ticket_id"`
	Title      string    `json:"title"`
	Clock      ClockName `json:"clock"`
	Priority   string    `json:"priority"`
	BreachedAt time.Time `json:"breached_at"`
	Reason     string    `json:"reason,omitempty"`
}

// Report is one month of the service desk: the measured basis of the
// units' service levels.
type Report struct {
	Month        string         `json:"month"` // 2026-11
	Opened       int            `json:"opened"`
	ByKind       map[string]int `json:"by_kind"`
	ByPriority   map[string]int `json:"by_priority"`
	Escalated    int            `json:"escalated"`
	Resolved     int            `json:"resolved"`
	FirstLine    Share          `json:"first_line"` // OLA: resolved or escalated in time
	Response     Share          `json:"response"`   // SLA response
	Resolution   Share          `json:"resolution"` // SLA resolution
	Breaches     []Breach       `json:"breaches"`
	Backlog      int            `json:"backlog"` // open at the month's end
	Satisfaction struct {
		Answers int     `json:"answers"`
		Average float64 `json:"average"`
		Scores  [5]int  `json:"scores"` // how many gave 1 … 5
	} `json:"satisfaction"`
	Visits int `json:"visits"`
}

// monthSpan returns the first instant of t's month in Copenhagen and of
// the next.
func monthSpan(t time.Time) (time.Time, time.Time) {
	t = t.In(calendar.Copenhagen)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
	return start, start.AddDate(0, 1, 0)
}

// Report returns the month f.Month of the tickets sc sees (narrowed to a
// unit or a municipality). Clocks count in the month they stopped; a
// breach in the month it happened; the backlog at the month's end.
func (s *Service) Report(ctx context.Context, sc access.Scope, f ReportFilter) (Report, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Report{}, errs.E(errs.Unauthorized, "log in first")
	}
	start, end := monthSpan(f.Month)
	r := Report{Month: start.Format("2006-01"), ByKind: map[string]int{}, ByPriority: map[string]int{}, Breaches: []Breach{}}
	scope := func(a *store.Args) string {
		w := s.visible(sc, a)
		if f.Unit != 0 {
			w += " AND t.unit_id = " + a.Add(f.Unit)
		}
		if f.Municipality != 0 {
			w += " AND t.municipality_id = " + a.Add(f.Municipality)
		}
		return w
	}
	q := s.db.Reader()
	// Opened, by kind and priority.
	var a store.Args
	rows, err := q.QueryContext(ctx, `SELECT t.kind, t.priority, COUNT(*) FROM tickets t WHERE t.created_at >= `+a.Add(start.UTC())+
		` AND t.created_at < `+a.Add(end.UTC())+` AND `+scope(&a)+` GROUP BY t.kind, t.priority`, a.Values()...)
	if err != nil {
		return r, errs.Wrap(err, "cannot count opened tickets")
	}
	for rows.Next() {
		var kind, prio string
		var n int
		if err := rows.Scan(&kind, &prio, &n); err != nil {
			rows.Close()
			return r, errs.Wrap(err, "cannot read count")
		}
		r.Opened += n
		r.ByKind[kind] += n
		r.ByPriority[prio] += n
	}
	rows.Close()
	from, to := start.UTC(), end.UTC()
	counts := []struct {
		dst  *int
		cond func(a *store.Args) string
	}{
		{&r.Escalated, func(a *store.Args) string {
			return "t.escalated_at >= " + a.Add(from) + " AND t.escalated_at < " + a.Add(to) + " AND t.kind IN ('incident', 'request')"
		}},
		{&r.Resolved, func(a *store.Args) string {
			return "t.resolved_at >= " + a.Add(from) + " AND t.resolved_at < " + a.Add(to)
		}},
		{&r.Backlog, func(a *store.Args) string {
			p := a.Add(to)
			return "t.created_at < " + p + " AND (t.resolved_at IS NULL OR t.resolved_at >= " + p + ")"
		}},
	}
	for _, c := range counts {
		var a store.Args
		cond := c.cond(&a)
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+cond+` AND `+scope(&a), a.Values()...).Scan(c.dst); err != nil {
			return r, errs.Wrap(err, "cannot count tickets")
		}
	}
	// Clocks stopped in the month: met or not.
	a = store.Args{}
	rows, err = q.QueryContext(ctx, `SELECT k.name, k.elapsed, k.target FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id
		WHERE k.state = 'stopped' AND k.stopped_at >= `+a.Add(start.UTC())+` AND k.stopped_at < `+a.Add(end.UTC())+` AND `+scope(&a), a.Values()...)
	if err != nil {
		return r, errs.Wrap(err, "cannot read clocks")
	}
	for rows.Next() {
		var name ClockName
		var elapsed, target int64
		if err := rows.Scan(&name, &elapsed, &target); err != nil {
			rows.Close()
			return r, errs.Wrap(err, "cannot read clock")
		}
		switch name {
		case FirstLine:
			r.FirstLine.add(elapsed <= target)
		case Response:
			r.Response.add(elapsed <= target)
		case Resolution:
			r.Resolution.add(elapsed <= target)
		}
	}
	rows.Close()
	// Breaches in the month, with the unit's reasons.
	a = store.Args{}
	rows, err = q.QueryContext(ctx, `SELECT t.id, t.title, k.name, t.priority, k.breached_at, t.breach_reason FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id
		WHERE k.breached_at >= `+a.Add(start.UTC())+` AND k.breached_at < `+a.Add(end.UTC())+` AND `+scope(&a)+` ORDER BY k.breached_at LIMIT 1000`, a.Values()...)
	if err != nil {
		return r, errs.Wrap(err, "cannot read breaches")
	}
	for rows.Next() {
		var b Breach
		if err := rows.Scan(&b.TicketID, &b.Title, &b.Clock, &b.Priority, &b.BreachedAt, &b.Reason); err != nil {
			rows.Close()
			return r, errs.Wrap(err, "cannot read breach")
		}
		b.BreachedAt = b.BreachedAt.UTC()
		r.Breaches = append(r.Breaches, b)
	}
	rows.Close()
	// Satisfaction of tickets closed in the month.
	a = store.Args{}
	rows, err = q.QueryContext(ctx, `SELECT t.satisfaction, COUNT(*) FROM tickets t WHERE t.satisfaction IS NOT NULL AND t.closed_at >= `+a.Add(start.UTC())+
		` AND t.closed_at < `+a.Add(end.UTC())+` AND `+scope(&a)+` GROUP BY t.satisfaction`, a.Values()...)
	if err != nil {
		return r, errs.Wrap(err, "cannot read satisfaction")
	}
	sum := 0
	for rows.Next() {
		var score, n int
		if err := rows.Scan(&score, &n); err != nil {
			rows.Close()
			return r, errs.Wrap(err, "cannot read satisfaction")
		}
		if score >= 1 && score <= 5 {
			r.Satisfaction.Scores[score-1] += n
			r.Satisfaction.Answers += n
			sum += score * n
		}
	}
	rows.Close()
	if r.Satisfaction.Answers > 0 {
		r.Satisfaction.Average = float64(sum) / float64(r.Satisfaction.Answers)
	}
	a = store.Args{}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.status <> 'cancelled' AND v.starts_at >= `+
		a.Add(start.UTC())+` AND v.starts_at < `+a.Add(end.UTC())+` AND `+scope(&a), a.Values()...).Scan(&r.Visits); err != nil {
		return r, errs.Wrap(err, "cannot count visits")
	}
	return r, nil
}

// Trend returns the reports of the n months up to and including f.Month,
// oldest first (for the chart).
func (s *Service) Trend(ctx context.Context, sc access.Scope, f ReportFilter, n int) ([]Report, error) {
	if n < 1 || n > 36 {
		return nil, errs.Field("months", "want 1–36 months")
	}
	start, _ := monthSpan(f.Month)
	out := make([]Report, 0, n)
	for i := n - 1; i >= 0; i-- {
		g := f
		g.Month = start.AddDate(0, -i, 0)
		r, err := s.Report(ctx, sc, g)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
