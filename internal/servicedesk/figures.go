package servicedesk

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/store"
)

// Figures are the counts a start page shows of the tickets a caller may
// see: what is open, what is late, what waits for whom.
type Figures struct {
	Open        int `json:"open"`         // not resolved or closed
	Escalated   int `json:"escalated"`    // escalated to the unit, not yet taken up
	Pending     int `json:"pending"`      // waiting for the requester's answer
	Breached    int `json:"breached"`     // open, with a running clock past its deadline
	DueSoon     int `json:"due_soon"`     // open, a running clock past its warning time, not yet breached
	Mine        int `json:"mine"`         // open and assigned to the caller
	Unassigned  int `json:"unassigned"`   // open and assigned to nobody
	AcksDue     int `json:"acks_due"`     // changes the caller's municipality has yet to acknowledge
	VisitsToday int `json:"visits_today"` // on-site visits planned today (Danish time)
	ChangesWeek int `json:"changes_week"` // change windows starting this week (Monday to Sunday)
	// FirstAck is the window start of the earliest change awaiting
	// acknowledgement (zero when none), so a link can open its week.
	FirstAck time.Time `json:"first_ack,omitzero"`
}

// FigureFilter narrows Figures (0: all in reach) to one municipality; to
// what has been escalated to one unit; or, as the queue's org filter does,
// to the tickets of an organisation either way.
type FigureFilter struct {
	Municipality int64
	Unit         int64
	Org          int64
}

// Figures counts the tickets sc may see that match f, as of now.
func (s *Service) Figures(ctx context.Context, sc access.Scope, ff FigureFilter) (Figures, error) {
	var f Figures
	if sc.UserID == 0 && !sc.IsSystem() {
		return f, errs.E(errs.Unauthorized, "log in first")
	}
	now := s.now()
	var a store.Args
	where := s.visible(sc, &a) + ff.where(&a)
	open := " AND t.status NOT IN ('resolved', 'closed')"
	n := a.Add(now)
	me := a.Add(sc.Username)
	q := s.db.Reader()
	err := q.QueryRowContext(ctx, `SELECT
		COUNT(*),
		COALESCE(SUM(CASE WHEN t.status = 'escalated' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running'
			AND (c.breached_at IS NOT NULL OR c.deadline <= `+n+`)) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running'
			AND (c.breached_at IS NOT NULL OR c.deadline <= `+n+`))
			AND EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running' AND c.warn_at <= `+n+`) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.assignee = `+me+` AND t.assignee <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.assignee = '' THEN 1 ELSE 0 END), 0)
		FROM tickets t WHERE `+where+open, a.Values()...).Scan(&f.Open, &f.Escalated, &f.Pending, &f.Breached, &f.DueSoon, &f.Mine, &f.Unassigned)
	if err != nil {
		return f, errs.Wrap(err, "cannot count tickets")
	}
	// Acknowledgements due: the municipality asked about, or the caller's own.
	ackBy := ff.Municipality
	if ackBy == 0 && ff.Org == 0 && sc.OrgKind == "municipality" {
		ackBy = sc.OrgID
	} else if ackBy == 0 {
		ackBy = ff.Org
	}
	if ackBy != 0 {
		var c store.Args
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM change_acks k JOIN tickets t ON t.id = k.ticket_id
			WHERE k.municipality_id = `+c.Add(ackBy)+` AND k.state = 'pending' AND t.status NOT IN ('resolved', 'closed') AND `+s.visible(sc, &c),
			c.Values()...).Scan(&f.AcksDue); err != nil {
			return f, errs.Wrap(err, "cannot count change acknowledgements")
		}
		if f.AcksDue > 0 {
			var d store.Args
			if err := q.QueryRowContext(ctx, `SELECT x.window_start FROM change_acks k JOIN tickets t ON t.id = k.ticket_id
				JOIN ticket_changes x ON x.ticket_id = t.id WHERE k.municipality_id = `+d.Add(ackBy)+` AND k.state = 'pending'
				AND t.status NOT IN ('resolved', 'closed') AND `+s.visible(sc, &d)+` ORDER BY x.window_start LIMIT 1`, d.Values()...).Scan(&f.FirstAck); err != nil {
				return f, errs.Wrap(err, "cannot find the first change awaiting acknowledgement")
			}
			f.FirstAck = f.FirstAck.UTC()
		}
	}
	day, next := today(now)
	local := day.In(locale.Copenhagen)
	monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
	week, weekEnd := monday.UTC(), monday.AddDate(0, 0, 7).UTC()
	var b store.Args
	w := s.visible(sc, &b) + ff.where(&b)
	if err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM ticket_visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.status = 'planned'
			AND v.starts_at >= `+b.Add(day)+` AND v.starts_at < `+b.Add(next)+` AND `+w+`),
		(SELECT COUNT(*) FROM ticket_changes c JOIN tickets t ON t.id = c.ticket_id WHERE c.approval <> 'rejected'
			AND c.window_start >= `+b.Add(week)+` AND c.window_start < `+b.Add(weekEnd)+` AND `+w+`)`,
		b.Values()...).Scan(&f.VisitsToday, &f.ChangesWeek); err != nil {
		return f, errs.Wrap(err, "cannot count visits and changes")
	}
	return f, nil
}

func (ff FigureFilter) where(a *store.Args) string {
	w := ""
	if ff.Municipality != 0 {
		w += " AND t.municipality_id = " + a.Add(ff.Municipality)
	}
	if ff.Org != 0 {
		p := a.Add(ff.Org)
		w += " AND (t.municipality_id = " + p + " OR t.unit_id = " + p + ")"
	}
	if ff.Unit != 0 {
		w += " AND t.unit_id = " + a.Add(ff.Unit) + " AND t.escalated_at IS NOT NULL" // what has reached the unit
	}
	return w
}

// today returns the first instant of now's Danish day and of the next, in UTC.
func today(now time.Time) (time.Time, time.Time) {
	l := now.In(locale.Copenhagen)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, locale.Copenhagen)
	return day.UTC(), day.AddDate(0, 0, 1).UTC()
}
